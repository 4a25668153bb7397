package submit

import (
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// tenantSet is the configured tenants as a whole, swapped at once by
// SetTenants: the credentials AUTH checks, the dummy hash an unknown
// username costs, and the trusted networks' tenant.
type tenantSet struct {
	byUser  map[string]*Tenant
	dummy   []byte
	trusted *Tenant
	nested  []domainClaim // nested sender domains (claims.go)
}

// SetTenants replaces the configured tenants (Config.Tenants) while the
// server runs, for a reload of the config: the next AUTH checks the new
// credentials, so a removed tenant is refused 535 and an added one is
// accepted. Sessions already authenticated keep the *Tenant they got
// (its signer, tracker and limits) until they end, so a transaction in
// progress finishes as it began. The directory's credentials
// (SetDirectory) are untouched. It fails, changing nothing, when
// Config.TrustedTenant is set and not among tenants or a username is
// shared. Remembered logins (the SHA-256 cache) are keyed by username and
// hash, so a changed password or a removed tenant never matches one.
func (b *Backend) SetTenants(tenants []*Tenant) error {
	set := &tenantSet{byUser: make(map[string]*Tenant, len(tenants))}
	cost := 0
	for _, t := range tenants {
		if _, dup := set.byUser[t.Username]; dup {
			return fmt.Errorf("submit: username %q of tenant %s used twice", t.Username, t.Name)
		}
		set.byUser[t.Username] = t
		if c, err := bcrypt.Cost([]byte(t.PasswordHash)); err == nil {
			cost = max(cost, c)
		}
		if b.cfg.TrustedTenant != "" && t.Name == b.cfg.TrustedTenant {
			set.trusted = t
		}
	}
	if b.cfg.TrustedTenant != "" && set.trusted == nil {
		return fmt.Errorf("submit: trusted tenant %q not configured", b.cfg.TrustedTenant)
	}
	// Never below the dummy of the start (the directory may have raised
	// it, SetDirectory): an unknown username must cost what the dearest
	// known one does.
	set.dummy = b.auth.dummy
	if cur, err := bcrypt.Cost(b.auth.dummy); err != nil || cost > cur {
		dummy, err := dummyHash(cost)
		if err != nil {
			return err
		}
		set.dummy = dummy
	}
	set.nested = nestedClaims(tenants)
	b.auth.set.Store(set)
	return nil
}

// users is the configured tenants by username: the last SetTenants', else
// Config.Tenants.
func (a *authenticator) users() map[string]*Tenant {
	if s := a.set.Load(); s != nil {
		return s.byUser
	}
	return a.byUser
}

// tenantDummy is the dummy hash of unknown usernames the directory does
// not claim.
func (a *authenticator) tenantDummy() []byte {
	if s := a.set.Load(); s != nil {
		return s.dummy
	}
	return a.dummy
}

// trustedTenant is the tenant of sessions from Config.TrustedNetworks; nil
// without one.
func (b *Backend) trustedTenant() *Tenant {
	if s := b.auth.set.Load(); s != nil {
		return s.trusted
	}
	return b.trusted
}
