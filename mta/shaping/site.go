package shaping

import (
	"slices"
	"strings"
)

// Site is a destination site: the receiving infrastructure that one set
// of limits and one backoff state govern. Get it from [Policy.Site]; it is
// comparable, so the engine can key its connection pools by it. The zero
// Site is governed by the default rule.
type Site struct {
	name string
	// rule is the governing rule's name ("": the default rule). A name,
	// not the compiled rule, so that a Site stays the same key across a
	// reload of the rules (SetRules) that keeps its rule.
	rule string
}

// Name returns the site's name: the rule's name for a site matched by a
// domain or MX pattern ("gmail"), else its MX host names, sorted and joined
// with commas ("mx1.example.net,mx2.example.net"). The set of rule names
// is bounded by configuration, so it suits a metric label; the host lists
// do not.
func (s Site) Name() string { return s.name }

// Rule returns the name of the rule that governs the site.
func (s Site) Rule() string {
	if s.rule == "" {
		return DefaultRuleName
	}
	return s.rule
}

// String returns the site's name.
func (s Site) String() string { return s.name }

// Key identifies one shaping state: a site as seen from one egress source.
// Receivers count per sending IP, so each source has its own connections,
// rate and backoff at each site.
type Key struct {
	// Source names the egress source (an IP address or a pool member); ""
	// when sluice sends from one address.
	Source string
	// Site is the destination site.
	Site Site
}

// pattern is one compiled MX pattern.
type pattern struct {
	name string // "*.google.com" or "mx.example.com"
	// suffix is ".google.com" for a wildcard, the host name itself for an
	// exact pattern.
	suffix string
	exact  bool
	rule   *rule
}

// match reports whether host (normalised) matches, and how specifically:
// an exact name beats any wildcard, a longer suffix beats a shorter one.
func (p *pattern) match(host string) (int, bool) {
	if p.exact {
		return 1 << 16, host == p.suffix
	}
	// The suffix starts with a dot, so it only matches on a label
	// boundary, and the host must be longer: "*.google.com" is not
	// google.com itself.
	return len(p.suffix), len(host) > len(p.suffix) && strings.HasSuffix(host, p.suffix)
}

// Site returns the site of a recipient domain whose MX host names are
// mxHosts (in preference order, as resolved; a route's host will do):
//
//   - a rule listing the domain governs it, and its domains are one site,
//     named after the rule;
//   - else the first MX host that an MX pattern matches decides: the most
//     specific pattern's rule governs it, and every domain whose MX hosts
//     that rule matches is one site named after the rule (so gmail.com,
//     googlemail.com and every Google Workspace domain share the "gmail"
//     site, even when some list aspmx2.googlemail.com and others
//     smtp.google.com);
//   - else the default rule governs it, and the site is the set of its MX
//     host names: domains hosted on the same MX hosts (a hosting provider's
//     thousands of customers) share one site. A domain without MX hosts is
//     its own site (its implicit MX, RFC 5321 §5.1).
//
// Taking the rule rather than the MX hosts' registrable domain keeps the
// choice in configuration, where one rule can group several domains'
// hosts (google.com and googlemail.com), and needs no public suffix list.
// Host names compare without case and trailing dot. Site allocates for
// default-rule sites: call it when a destination is resolved, not per
// message.
func (p *Policy) Site(domain string, mxHosts []string) Site {
	set := p.rules.Load()
	d := normalizeName(domain)
	if r, ok := set.byDomain[d]; ok {
		return Site{name: r.name, rule: r.name}
	}
	for _, h := range mxHosts {
		h = normalizeName(h)
		var best *pattern
		bestScore := -1
		for i := range set.patterns {
			if score, ok := set.patterns[i].match(h); ok && score > bestScore {
				best, bestScore = &set.patterns[i], score
			}
		}
		if best != nil {
			return Site{name: best.rule.name, rule: best.rule.name}
		}
	}
	names := make([]string, 0, len(mxHosts))
	for _, h := range mxHosts {
		if h = normalizeName(h); h != "" {
			names = append(names, h)
		}
	}
	if len(names) == 0 {
		return Site{name: d, rule: DefaultRuleName}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	return Site{name: strings.Join(names, ","), rule: DefaultRuleName}
}
