package tenants

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// secretBytes is the entropy of a generated secret: 192 bits, far beyond
// guessing whatever the AUTH throttle allows.
const secretBytes = 24

// idEncoding spells credential ids: lower-case, no padding, no '.'.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// idLen is the length of a credential id's random part: 5 bytes in
// idEncoding.
const idLen = 8

// CredentialShape reports whether id is shaped as the ids AddCredential
// makes: a valid tenant name, '.', and idLen letters of idEncoding.
func CredentialShape(id string) bool {
	name, rnd, ok := strings.Cut(id, ".")
	if !ok || ValidName(name) != nil || len(rnd) != idLen {
		return false
	}
	for i := 0; i < len(rnd); i++ {
		if c := rnd[i]; !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// AddCredential makes a new credential for a stored tenant and returns it
// with its secret, which exists nowhere else: the caller shows it once.
func (s *Store) AddCredential(actor, tenant string) (Credential, string, error) {
	if _, seed := s.seeds[tenant]; seed {
		return Credential{}, "", fmt.Errorf("%w: tenant %q keeps its password_hash", ErrSeed, tenant)
	}
	var rnd [5 + secretBytes]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return Credential{}, "", fmt.Errorf("tenants: credential: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(rnd[5:])
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), s.opts.BcryptCost)
	if err != nil {
		return Credential{}, "", fmt.Errorf("tenants: credential: %w", err)
	}
	c := Credential{ID: tenant + "." + idEncoding.EncodeToString(rnd[:5]), Tenant: tenant,
		Hash: string(hash), Created: s.opts.Now().UTC()}
	err = s.change(tenant, actor, "credential.add", func(tx *bolt.Tx) (string, error) {
		if err := mustTenant(tx, tenant); err != nil {
			return "", err
		}
		if tx.Bucket(bCreds).Get([]byte(c.ID)) != nil {
			return "", fmt.Errorf("%w: credential %q", ErrExists, c.ID)
		}
		return c.ID, put(tx, bCreds, c.ID, c)
	})
	if err != nil {
		return Credential{}, "", err
	}
	c.Hash = ""
	return c, secret, nil
}

// RevokeCredential revokes one credential of tenant: the next AUTH with it
// fails. Revoking twice is refused (ErrNotFound), so a typo is not silent.
func (s *Store) RevokeCredential(actor, tenant, id string) error {
	return s.change(tenant, actor, "credential.revoke", func(tx *bolt.Tx) (string, error) {
		var c Credential
		ok, err := get(tx, bCreds, id, &c)
		if err != nil {
			return "", err
		}
		if !ok || c.Tenant != tenant || !c.Revoked.IsZero() {
			return "", fmt.Errorf("%w: active credential %q of tenant %q", ErrNotFound, clip(id), tenant)
		}
		c.Revoked = s.opts.Now().UTC()
		return id, put(tx, bCreds, id, c)
	})
}

// Credentials lists a tenant's credentials, revoked ones included,
// without their hashes.
func (s *Store) Credentials(tenant string) ([]Credential, error) {
	var out []Credential
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCreds).Cursor()
		prefix := []byte(tenant + ".")
		for k, _ := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = c.Next() {
			var cr Credential
			if _, err := get(tx, bCreds, string(k), &cr); err != nil {
				return err
			}
			if cr.Tenant == tenant { // "a." is a prefix of "a.b…" only for tenant "a"
				cr.Hash = ""
				out = append(out, cr)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: credentials of %s: %w", tenant, err)
	}
	return out, nil
}

// Login is what AUTH needs about a username: the active credential, its
// enabled tenant and the tenant's domains (private keys included).
type Login struct {
	Tenant     Tenant
	Credential Credential
	Domains    []Domain
}

// Lookup finds the active credential named username. ok is false for an
// unknown or revoked credential or a disabled tenant: each read sees the
// last committed change, so a revocation counts at the next AUTH.
func (s *Store) Lookup(username string) (l Login, ok bool, err error) {
	if len(username) > maxNameLen+16 || !strings.Contains(username, ".") {
		return Login{}, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		found, err := get(tx, bCreds, username, &l.Credential)
		if err != nil || !found || !l.Credential.Revoked.IsZero() {
			return err
		}
		found, err = get(tx, bTenants, l.Credential.Tenant, &l.Tenant)
		if err != nil || !found || l.Tenant.Disabled {
			return err
		}
		l.Domains, err = domainsOf(tx, l.Tenant.Name)
		ok = err == nil
		return err
	})
	if err != nil {
		return Login{}, false, fmt.Errorf("tenants: lookup: %w", err)
	}
	return l, ok, nil
}

// mustTenant reports ErrNotFound unless tenant is stored.
func mustTenant(tx *bolt.Tx, tenant string) error {
	if tx.Bucket(bTenants).Get([]byte(tenant)) == nil {
		return fmt.Errorf("%w: tenant %q", ErrNotFound, tenant)
	}
	return nil
}
