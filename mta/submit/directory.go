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

// Claimer may be implemented by a Directory whose usernames have a shape
// of their own (package tenants: "<tenant>.<8 base32 letters>"). Claims
// reports whether username has that shape, known or not: an unknown
// username of that shape is then checked against a dummy hash at the
// directory's bcrypt cost, and any other unknown one against a dummy at
// the configured tenants' cost, so that neither kind of existing
// username answers faster or slower than an unknown one of its shape
// when the two costs differ.
type Claimer interface {
	Claims(username string) bool
}

// dirRef boxes a Directory for an atomic pointer, with the dummy hash of
// the unknown usernames it claims (nil: it claims none).
type dirRef struct {
	d     Directory
	dummy []byte
}

// SetDirectory adds the credentials of d to those of Config.Tenants
// (which win on a shared username). cost is the bcrypt cost d's hashes
// use, so that timing does not tell a directory's usernames from unknown
// ones: when d is a Claimer, the unknown usernames it claims are checked
// against a dummy hash at cost; otherwise the one dummy hash of every
// unknown username is raised to cost. Call it before serving; nil removes
// the directory.
func (b *Backend) SetDirectory(d Directory, cost int) error {
	if d == nil {
		b.auth.dir.Store(nil)
		return nil
	}
	ref := &dirRef{d: d}
	if _, ok := d.(Claimer); ok {
		dummy, err := dummyHash(cost)
		if err != nil {
			return err
		}
		ref.dummy = dummy
	} else if cur, err := bcrypt.Cost(b.auth.dummy); err == nil && cost > cur {
		dummy, err := dummyHash(cost)
		if err != nil {
			return err
		}
		b.auth.dummy = dummy
	}
	b.auth.dir.Store(ref)
	return nil
}

// dummyHash is a bcrypt hash at cost of a random password nobody knows.
func dummyHash(cost int) ([]byte, error) {
	var pw [16]byte
	_, _ = rand.Read(pw[:])
	dummy, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(pw[:])), cost)
	if err != nil {
		return nil, fmt.Errorf("submit: dummy password hash at cost %d: %w", cost, err)
	}
	return dummy, nil
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
