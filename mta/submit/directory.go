package submit

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"
)

// Directory holds credentials kept as data (package tenants) next to the
// config's tenants: asked at every AUTH whose username no configured
// tenant has, so a credential added or revoked counts at the next AUTH.
type Directory interface {
	// Lookup returns the tenant behind username and the bcrypt hash its
	// password must match. ok is false for an unknown or revoked
	// credential or a disabled tenant. It is called on every AUTH (cache
	// hits included) and must be safe for concurrent use and fast; a
	// store error is the implementation's to log, and means not ok.
	// Returning the same *Tenant while nothing changed keeps the
	// per-tenant session counting and signer reuse cheap.
	Lookup(username string) (t *Tenant, hash string, ok bool)
}

// dirRef boxes a Directory for an atomic pointer.
type dirRef struct{ d Directory }

// SetDirectory adds the credentials of d to those of Config.Tenants
// (which win on a shared username). cost is the bcrypt cost d's hashes
// use: the dummy hash an unknown username is checked against is raised to
// it, so timing does not tell a directory's usernames from unknown ones.
// Call it before serving; nil removes the directory.
func (b *Backend) SetDirectory(d Directory, cost int) error {
	if d == nil {
		b.auth.dir.Store(nil)
		return nil
	}
	if cur, err := bcrypt.Cost(b.auth.dummy); err == nil && cost > cur {
		var pw [16]byte
		_, _ = rand.Read(pw[:])
		dummy, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(pw[:])), cost)
		if err != nil {
			return fmt.Errorf("submit: dummy password hash at cost %d: %w", cost, err)
		}
		b.auth.dummy = dummy
	}
	b.auth.dir.Store(&dirRef{d: d})
	return nil
}

// senderRefusal is the MAIL FROM reply for a sender t may not use: 550
// 5.7.1 saying the domain awaits verification when it is one of
// t.Unverified (RFC 3463 §3.8: not authorized), else the generic 553
// 5.7.1. Session.Mail returns it where MaySend is false.
func (t *Tenant) senderRefusal(from string) *smtp.SMTPError {
	dom := domainOf(from)
	for _, d := range t.Unverified {
		if inDomain(dom, d) {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
				Message: "Sender domain " + sanitize(d) + " is not verified for this account; publish its DNS records and verify it"}
		}
	}
	return errSender
}
