package tenants

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"sluice/dkim"
)

// bByTenant indexes domains by tenant (tenant \0 domain → nothing), so
// that AUTH reads one tenant's domains without a scan of all.
var bByTenant = []byte("bytenant")

// VerifyLabel is the owner label of the verification TXT record.
const VerifyLabel = "_sluice-verify"

// AddDomain claims a sending domain for a stored tenant: it generates its
// verification token and DKIM keys (RSA-2048 and Ed25519 under dated
// selectors) and returns the domain, pending, with the records to publish.
// The domain must be well-formed ([NormalizeDomain]) and neither equal to,
// inside nor above a domain of another tenant, seeds included (a tenant
// may send from subdomains of its domains, so overlapping claims would let
// one send as the other).
func (s *Store) AddDomain(actor, tenant, domain string) (Domain, []Record, error) {
	name, err := NormalizeDomain(domain)
	if err != nil {
		return Domain{}, nil, err
	}
	if _, seed := s.seeds[tenant]; seed {
		return Domain{}, nil, fmt.Errorf("%w: tenant %q keeps its sender_domains", ErrSeed, tenant)
	}
	for _, sd := range s.seeds {
		for _, d := range sd.Domains {
			if overlaps(name, strings.ToLower(strings.TrimSuffix(d, "."))) {
				return Domain{}, nil, fmt.Errorf("%w: %s overlaps %s", ErrClaimed, name, d)
			}
		}
	}
	now := s.opts.Now().UTC()
	gen, err := dkim.GenerateDomainKeys(now)
	if err != nil {
		return Domain{}, nil, fmt.Errorf("tenants: keys for %s: %w", name, err)
	}
	var tok [20]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return Domain{}, nil, fmt.Errorf("tenants: token for %s: %w", name, err)
	}
	d := Domain{Name: name, Tenant: tenant, State: Pending, Token: "sluice-verify=" + hex.EncodeToString(tok[:]), Created: now}
	for _, k := range gen {
		d.Keys = append(d.Keys, Key{Algo: k.Algo, Selector: k.Selector, TXT: k.TXT, Private: k.PrivatePEM, State: KeyActive, Created: now})
	}
	err = s.change(tenant, actor, "domain.add", func(tx *bolt.Tx) (string, error) {
		if err := mustTenant(tx, tenant); err != nil {
			return "", err
		}
		err := tx.Bucket(bDomains).ForEach(func(k, v []byte) error {
			other := string(k)
			if other == name {
				var od Domain
				if _, err := get(tx, bDomains, other, &od); err != nil {
					return err
				}
				if od.Tenant == tenant {
					return fmt.Errorf("%w: domain %s", ErrExists, name)
				}
				return fmt.Errorf("%w: %s", ErrClaimed, name)
			}
			if overlaps(name, other) {
				var od Domain
				if _, err := get(tx, bDomains, other, &od); err != nil {
					return err
				}
				if od.Tenant != tenant {
					return fmt.Errorf("%w: %s overlaps %s", ErrClaimed, name, other)
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		if err := domainFree(tx, tenant, name, true); err != nil {
			return "", err
		}
		idx, err := tx.CreateBucketIfNotExists(bByTenant)
		if err != nil {
			return "", err
		}
		if err := idx.Put([]byte(tenant+"\x00"+name), nil); err != nil {
			return "", err
		}
		return name, put(tx, bDomains, name, d)
	})
	if err != nil {
		return Domain{}, nil, err
	}
	return d.Public(), s.Records(d), nil
}

// overlaps reports whether a and b are the same domain or one is inside
// the other.
func overlaps(a, b string) bool {
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

// RemoveDomain deletes a tenant's domain and its keys: its mail is refused
// from the next AUTH.
func (s *Store) RemoveDomain(actor, tenant, domain string) error {
	name, err := NormalizeDomain(domain)
	if err != nil {
		return err
	}
	return s.change(tenant, actor, "domain.remove", func(tx *bolt.Tx) (string, error) {
		var d Domain
		ok, err := get(tx, bDomains, name, &d)
		if err != nil {
			return "", err
		}
		if !ok || d.Tenant != tenant {
			return "", fmt.Errorf("%w: domain %s of tenant %q", ErrNotFound, name, tenant)
		}
		if idx := tx.Bucket(bByTenant); idx != nil {
			if err := idx.Delete([]byte(tenant + "\x00" + name)); err != nil {
				return "", err
			}
		}
		return name, tx.Bucket(bDomains).Delete([]byte(name))
	})
}

// Domain returns one domain, private keys included (for the process's own
// use: show only [Domain.Public]).
func (s *Store) Domain(domain string) (Domain, error) {
	name, err := NormalizeDomain(domain)
	if err != nil {
		return Domain{}, err
	}
	var d Domain
	var ok bool
	err = s.db.View(func(tx *bolt.Tx) error {
		ok, err = get(tx, bDomains, name, &d)
		return err
	})
	if err != nil {
		return Domain{}, fmt.Errorf("tenants: domain %s: %w", name, err)
	}
	if !ok {
		return Domain{}, fmt.Errorf("%w: domain %s", ErrNotFound, name)
	}
	return d, nil
}

// Domains lists a tenant's domains ("" : every tenant's), without keys'
// private halves.
func (s *Store) Domains(tenant string) ([]Domain, error) {
	var out []Domain
	err := s.db.View(func(tx *bolt.Tx) error {
		if tenant != "" {
			ds, err := domainsOf(tx, tenant)
			out = ds
			return err
		}
		return tx.Bucket(bDomains).ForEach(func(k, _ []byte) error {
			var d Domain
			_, err := get(tx, bDomains, string(k), &d)
			out = append(out, d)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: domains: %w", err)
	}
	for i := range out {
		out[i] = out[i].Public()
	}
	return out, nil
}

// domainsOf reads a tenant's domains through the index, keys included.
func domainsOf(tx *bolt.Tx, tenant string) ([]Domain, error) {
	idx := tx.Bucket(bByTenant)
	if idx == nil {
		return nil, nil
	}
	var out []Domain
	prefix := tenant + "\x00"
	c := idx.Cursor()
	for k, _ := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, _ = c.Next() {
		var d Domain
		ok, err := get(tx, bDomains, string(k[len(prefix):]), &d)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// Records returns the DNS records to publish for d: the verification TXT,
// one TXT per DKIM key, and the return-path and tracking CNAMEs when their
// targets are configured.
func (s *Store) Records(d Domain) []Record {
	recs := []Record{{Type: "TXT", Name: VerifyLabel + "." + d.Name, Value: d.Token, Purpose: "verification"}}
	for _, k := range d.Keys {
		recs = append(recs, Record{Type: "TXT", Name: dkim.DomainKeyName(k.Selector, d.Name), Value: k.TXT, Purpose: keyPurpose(k)})
	}
	if t := s.opts.ReturnPathTarget; t != "" {
		recs = append(recs, Record{Type: "CNAME", Name: s.opts.ReturnPathLabel + "." + d.Name, Value: t, Purpose: "return-path"})
	}
	if t := s.opts.TrackingTarget; t != "" {
		recs = append(recs, Record{Type: "CNAME", Name: s.opts.TrackingLabel + "." + d.Name, Value: t, Purpose: "tracking"})
	}
	return recs
}
