package submit

import "strings"

// Nested sender domains of configured tenants.
//
// A tenant's SenderDomains include their subdomains, so two [[tenant]]
// tables can claim nested domains: one a.example, another
// shop.a.example. The tenants kept as data refuse such a claim when it is
// made (a domain inside or above another tenant's), the configured ones
// are only the operator's text, and with both, the broader tenant could
// send as shop.a.example, envelope and From, and have it signed with
// shop.a.example's key (its signer takes the keys of every domain under
// its own; redteam2 reproduced it). Submission settles it the way DNS
// delegation does: the most specific claim owns a domain and what is
// under it, so the broader tenant keeps a.example and every other
// subdomain. Two tenants claiming the very same domain are left as they
// are: nothing says which one owns it (configs should refuse that).

// domainClaim is a tenant's sender domain that lies strictly inside another
// configured tenant's.
type domainClaim struct {
	tenant, domain string // domain lower case, no trailing dot
}

// nestedClaims returns the sender domains of tenants that lie strictly
// inside another tenant's sender domain; nil when there are none, the
// usual case, which costs MAIL and the From check nothing.
func nestedClaims(tenants []*Tenant) []domainClaim {
	var out []domainClaim
	for _, u := range tenants {
		for _, du := range u.SenderDomains {
			du = asciiLower(strings.TrimSuffix(du, "."))
			if du != "" && nestedIn(u, du, tenants) {
				out = append(out, domainClaim{u.Name, du})
			}
		}
	}
	return out
}

// nestedIn reports whether du, a sender domain of u, lies strictly inside
// a sender domain of another tenant.
func nestedIn(u *Tenant, du string, tenants []*Tenant) bool {
	for _, t := range tenants {
		if t.Name == u.Name {
			continue
		}
		for _, dt := range t.SenderDomains {
			if inDomain(du, dt) && du != asciiLower(strings.TrimSuffix(dt, ".")) {
				return true
			}
		}
	}
	return false
}

// claims is the nested claims of the configured tenants: the last
// SetTenants', else Config.Tenants'.
func (a *authenticator) claims() []domainClaim {
	if s := a.set.Load(); s != nil {
		return s.nested
	}
	return a.nested
}

// claimedElsewhere reports whether addr's domain belongs to another
// configured tenant's more specific sender domain than any of t's own
// that covers it. header says addr is for a From or Sender field, where
// t's FromAllow counts as its own too (the operator's explicit grant).
func (b *Backend) claimedElsewhere(t *Tenant, addr string, header bool) bool {
	cs := b.auth.claims()
	if len(cs) == 0 {
		return false
	}
	dom := domainOf(addr)
	for _, c := range cs {
		if c.tenant != t.Name && inDomain(dom, c.domain) && !t.ownsWithin(addr, dom, len(c.domain), header) {
			return true
		}
	}
	return false
}

// ownsWithin reports whether one of t's own domains covering dom is at
// least n bytes long (as specific as a claim of that length), or, for a
// header address, FromAllow names addr itself.
func (t *Tenant) ownsWithin(addr, dom string, n int, header bool) bool {
	own := t.SenderDomains
	if header {
		own = append(own[:len(own):len(own)], t.FromAllow...)
	}
	for _, d := range own {
		if strings.IndexByte(d, '@') >= 0 {
			if asciiEqualFold(strings.TrimSuffix(d, "."), strings.TrimSuffix(addr, ".")) {
				return true
			}
			continue
		}
		if inDomain(dom, d) && len(strings.TrimSuffix(d, ".")) >= n {
			return true
		}
	}
	return false
}

// claimedHeader refuses a From, Sender, Resent-From or Resent-Sender
// address whose domain another configured tenant claims more
// specifically (after fromPolicy accepted them all).
func (b *Backend) claimedHeader(t *Tenant, p *prepared) *refusal {
	if len(b.auth.claims()) == 0 {
		return nil
	}
	for _, f := range []struct {
		name   string
		values []string
	}{{"From", p.from}, {"Sender", p.sender}, {"Resent-From", p.resentFrom}, {"Resent-Sender", p.resentSender}} {
		for _, v := range f.values {
			addrs, _ := headerAddresses(v)
			for _, a := range addrs {
				if b.claimedElsewhere(t, a, true) {
					return notAllowed(f.name, a)
				}
			}
		}
	}
	return nil
}
