package tenants

import (
	"context"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"sluice/dkim"
)

// Check is the outcome of one record of a verification.
type Check struct {
	Record
	OK bool `json:"ok"`
	// Problem says what was found instead (empty when OK).
	Problem string `json:"problem,omitempty"`
}

// Verify looks up every record of the domain through r (outside any
// transaction) and records the result: verified when all are published as
// given, else pending with what is missing in LastError. A domain once
// verified stays verified when a later check fails (a DNS hiccup must not
// stop a tenant's mail); the failure is recorded in LastError for the
// operator. It returns the domain (public form) and the check of each
// record.
func (s *Store) Verify(ctx context.Context, actor, tenant, domain string, r Resolver) (Domain, []Check, error) {
	d, err := s.Domain(domain)
	if err != nil {
		return Domain{}, nil, err
	}
	if d.Tenant != tenant {
		return Domain{}, nil, fmt.Errorf("%w: domain %s of tenant %q", ErrNotFound, d.Name, tenant)
	}
	checks := make([]Check, 0, 4)
	var problems []string
	published := map[string]bool{} // record names found
	for _, rec := range s.Records(d) {
		if rec.Purpose == PurposeRetiring {
			continue // kept for mail already signed; its removal is no fault
		}
		c := Check{Record: rec}
		c.OK, c.Problem = check(ctx, r, rec)
		if !c.OK {
			problems = append(problems, rec.Purpose+" "+rec.Name+": "+c.Problem)
		}
		published[rec.Name] = c.OK
		checks = append(checks, c)
	}
	now := s.opts.Now().UTC()
	err = s.change(tenant, actor, "domain.verify", func(tx *bolt.Tx) (string, error) {
		var cur Domain
		ok, err := get(tx, bDomains, d.Name, &cur)
		if err != nil {
			return "", err
		}
		if !ok || cur.Tenant != tenant {
			return "", fmt.Errorf("%w: domain %s of tenant %q", ErrNotFound, d.Name, tenant)
		}
		cur.CheckedAt, cur.LastError = now, strings.Join(problems, "; ")
		for i, k := range cur.Keys {
			if published[dkim.DomainKeyName(k.Selector, cur.Name)] {
				cur.Keys[i].VerifiedAt = now
			}
		}
		cur.Keys = s.dropRetired(cur.Keys, now)
		if len(problems) == 0 && cur.State != Verified {
			cur.State, cur.VerifiedAt = Verified, now
		}
		d = cur
		return d.Name + " " + d.State + " " + clip(cur.LastError), put(tx, bDomains, d.Name, cur)
	})
	if err != nil {
		return Domain{}, nil, err
	}
	return d.Public(), checks, nil
}

// VerifyDomain is Verify through the store's configured Resolver.
func (s *Store) VerifyDomain(ctx context.Context, actor, tenant, domain string) (Domain, []Check, error) {
	if s.opts.Resolver == nil {
		return Domain{}, nil, fmt.Errorf("tenants: verify %s: %w", clip(domain), errNoServers)
	}
	return s.Verify(ctx, actor, tenant, domain, s.opts.Resolver)
}

// check looks one record up: ok, or what was found instead.
func check(ctx context.Context, r Resolver, rec Record) (bool, string) {
	switch rec.Type {
	case "CNAME":
		got, err := r.LookupCNAME(ctx, rec.Name)
		if err != nil {
			return false, "lookup failed: " + err.Error()
		}
		if got == "" {
			return false, "no CNAME record"
		}
		if !strings.EqualFold(got, strings.TrimSuffix(rec.Value, ".")) {
			return false, fmt.Sprintf("CNAME points to %s", clip(got))
		}
		return true, ""
	default:
		txts, err := r.LookupTXT(ctx, rec.Name)
		if err != nil {
			return false, "lookup failed: " + err.Error()
		}
		if len(txts) == 0 {
			return false, "no TXT record"
		}
		for _, t := range txts {
			if sameTXT(rec, t) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("TXT does not match (%d record(s) found)", len(txts))
	}
}

// sameTXT compares a published TXT with the expected one: DKIM key records
// by their tags k= and p= (whitespace ignored, RFC 6376 §3.6.1 allows it
// anywhere in p=), the verification token exactly.
func sameTXT(rec Record, got string) bool {
	if rec.Purpose != "dkim" {
		return strings.TrimSpace(got) == rec.Value
	}
	want, have := dkimTags(rec.Value), dkimTags(got)
	return want["p"] != "" && want["p"] == have["p"] && want["k"] == have["k"]
}

// dkimTags parses a key record's tag=value list (RFC 6376 §3.2), values
// stripped of whitespace; k defaults to rsa (§3.6.1).
func dkimTags(v string) map[string]string {
	tags := map[string]string{"k": "rsa"}
	for part := range strings.SplitSeq(v, ";") {
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		tags[strings.TrimSpace(name)] = strings.Join(strings.Fields(val), "")
	}
	return tags
}
