package tenants

import (
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"sluice/dkim"
)

// DKIM key rotation (RFC 6376 §3.1: selectors exist so that a domain can
// publish a new key next to the old one). Three steps, each an audited
// change:
//
//  1. RotateDomain generates a new dual pair under new dated selectors,
//     state KeyNext: printed as records to publish, checked by the next
//     Verify, not yet signing.
//  2. SwitchDomainKeys, once Verify found every new record published,
//     makes the new pair sign and the old one KeyRetiring: still
//     published (mail signed with it may wait in queues, be forwarded or
//     be verified again days later), no longer signing.
//  3. After Options.RotationGrace the retiring keys are dropped (by the
//     next change of the domain or by RetireKeys); their records can then
//     be removed from DNS.

// Record purposes of the keys of a rotation (Record.Purpose): "dkim" is
// an active key's.
const (
	PurposeNext     = "dkim-next"
	PurposeRetiring = "dkim-retiring"
)

// DefaultRotationGrace is how long a retired key stays published by
// default: longer than a message's life in the queue and than a
// receiver's re-verification of a forwarded or reported message.
const DefaultRotationGrace = 7 * 24 * time.Hour

// keyPurpose names a key's record by its state.
func keyPurpose(k Key) string {
	switch k.State {
	case KeyNext:
		return PurposeNext
	case KeyRetiring:
		return PurposeRetiring
	}
	return "dkim"
}

// RotateDomain starts a rotation of a verified domain's keys: it adds a
// new RSA-2048 and Ed25519 pair under selectors no key of the domain uses
// (state KeyNext) and returns the domain (public form) with its records,
// the new ones purpose PurposeNext. A rotation already started is
// refused (ErrExists): switch it first.
func (s *Store) RotateDomain(actor, tenant, domain string) (Domain, []Record, error) {
	d, err := s.Domain(domain)
	if err != nil {
		return Domain{}, nil, err
	}
	if d.Tenant != tenant {
		return Domain{}, nil, fmt.Errorf("%w: domain %s of tenant %q", ErrNotFound, d.Name, tenant)
	}
	now := s.opts.Now().UTC()
	taken := map[string]bool{}
	for _, k := range d.Keys {
		taken[k.Selector] = true
	}
	gen, err := dkim.GenerateRotationKeys(now, func(sel string) bool { return taken[sel] })
	if err != nil {
		return Domain{}, nil, fmt.Errorf("tenants: rotate %s: %w", d.Name, err)
	}
	var sels []string
	err = s.change(tenant, actor, "domain.rotate", func(tx *bolt.Tx) (string, error) {
		cur, err := tenantDomain(tx, tenant, d.Name)
		if err != nil {
			return "", err
		}
		if cur.State != Verified {
			return "", fmt.Errorf("%w: domain %s is %s: verify it before rotating its keys", ErrInvalid, cur.Name, cur.State)
		}
		for _, k := range cur.Keys {
			if k.State == KeyNext {
				return "", fmt.Errorf("%w: a rotation of %s is pending (selector %s): switch to it first", ErrExists, cur.Name, k.Selector)
			}
			if !taken[k.Selector] {
				return "", fmt.Errorf("%w: domain %s changed meanwhile; try again", ErrExists, cur.Name)
			}
		}
		cur.Keys = s.dropRetired(cur.Keys, now)
		for _, k := range gen {
			cur.Keys = append(cur.Keys, Key{Algo: k.Algo, Selector: k.Selector, TXT: k.TXT, Private: k.PrivatePEM,
				State: KeyNext, Created: now})
			sels = append(sels, k.Selector)
		}
		d = cur
		return cur.Name + " next=" + strings.Join(sels, ","), put(tx, bDomains, cur.Name, cur)
	})
	if err != nil {
		return Domain{}, nil, err
	}
	return d.Public(), s.Records(d), nil
}

// SwitchDomainKeys completes a rotation: the KeyNext keys, every one of
// which a Verify must have found published (else ErrInvalid, nothing
// changed), sign from now on; the keys that signed until now become
// KeyRetiring until now + Options.RotationGrace.
func (s *Store) SwitchDomainKeys(actor, tenant, domain string) (Domain, error) {
	name, err := NormalizeDomain(domain)
	if err != nil {
		return Domain{}, err
	}
	now := s.opts.Now().UTC()
	var d Domain
	err = s.change(tenant, actor, "domain.switch_keys", func(tx *bolt.Tx) (string, error) {
		cur, err := tenantDomain(tx, tenant, name)
		if err != nil {
			return "", err
		}
		var next, old []string
		for _, k := range cur.Keys {
			if k.State != KeyNext {
				continue
			}
			if k.VerifiedAt.IsZero() || k.VerifiedAt.Before(k.Created) {
				return "", fmt.Errorf("%w: selector %s of %s is not verified: publish its record and run verify first", ErrInvalid, k.Selector, cur.Name)
			}
			next = append(next, k.Selector)
		}
		if len(next) == 0 {
			return "", fmt.Errorf("%w: no rotation of %s pending: rotate first", ErrInvalid, cur.Name)
		}
		for i, k := range cur.Keys {
			switch {
			case k.State == KeyNext:
				cur.Keys[i].State = KeyActive
			case k.Signing():
				cur.Keys[i].State, cur.Keys[i].RetireAt = KeyRetiring, now.Add(s.opts.RotationGrace)
				old = append(old, k.Selector)
			}
		}
		cur.Keys = s.dropRetired(cur.Keys, now)
		d = cur
		return fmt.Sprintf("%s signing=%s retiring=%s until %s", cur.Name, strings.Join(next, ","), strings.Join(old, ","),
			now.Add(s.opts.RotationGrace).Format(time.RFC3339)), put(tx, bDomains, cur.Name, cur)
	})
	if err != nil {
		return Domain{}, err
	}
	return d.Public(), nil
}

// RetireKeys drops every retiring key whose grace period is over, in one
// audited change per domain, and returns how many it dropped: for a
// periodic sweep (the next change of a domain drops them too).
func (s *Store) RetireKeys(actor string) (int, error) {
	now := s.opts.Now().UTC()
	var due []Domain
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bDomains).ForEach(func(k, _ []byte) error {
			var d Domain
			if _, err := get(tx, bDomains, string(k), &d); err != nil {
				return err
			}
			if len(s.dropRetired(d.Keys, now)) != len(d.Keys) {
				due = append(due, d)
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("tenants: retire keys: %w", err)
	}
	n := 0
	for _, d := range due {
		err := s.change(d.Tenant, actor, "domain.retire_keys", func(tx *bolt.Tx) (string, error) {
			cur, err := tenantDomain(tx, d.Tenant, d.Name)
			if err != nil {
				return "", err
			}
			kept := s.dropRetired(cur.Keys, now)
			var gone []string
			for _, k := range cur.Keys {
				if !containsSelector(kept, k.Selector) {
					gone = append(gone, k.Selector)
				}
			}
			n += len(gone)
			cur.Keys = kept
			return cur.Name + " retired=" + strings.Join(gone, ","), put(tx, bDomains, cur.Name, cur)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// dropRetired returns keys without the retiring ones whose RetireAt has
// come.
func (s *Store) dropRetired(keys []Key, now time.Time) []Key {
	out := keys[:0:0]
	for _, k := range keys {
		if k.State == KeyRetiring && !now.Before(k.RetireAt) {
			continue
		}
		out = append(out, k)
	}
	return out
}

func containsSelector(keys []Key, sel string) bool {
	for _, k := range keys {
		if k.Selector == sel {
			return true
		}
	}
	return false
}

// tenantDomain reads domain name of tenant in tx (ErrNotFound if it is
// another's or absent).
func tenantDomain(tx *bolt.Tx, tenant, name string) (Domain, error) {
	var d Domain
	ok, err := get(tx, bDomains, name, &d)
	if err != nil {
		return Domain{}, err
	}
	if !ok || d.Tenant != tenant {
		return Domain{}, fmt.Errorf("%w: domain %s of tenant %q", ErrNotFound, name, tenant)
	}
	return d, nil
}
