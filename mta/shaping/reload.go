package shaping

import (
	"fmt"
	"reflect"
	"time"
)

// ruleSet is a Policy's compiled rules, read-only once built: a reload
// (SetRules) swaps in a whole new one.
type ruleSet struct {
	def      *rule
	byName   map[string]*rule // every rule, the default included
	byDomain map[string]*rule
	patterns []pattern
}

// compileRules validates rules as [New] documents and compiles them.
func compileRules(rules []Rule) (*ruleSet, error) {
	set := &ruleSet{byName: map[string]*rule{}, byDomain: map[string]*rule{}}
	seenPattern := map[string]string{}
	for _, r := range rules {
		c, err := compile(r)
		if err != nil {
			return nil, err
		}
		if _, dup := set.byName[c.name]; dup {
			return nil, fmt.Errorf("shaping: two rules named %q", c.name)
		}
		set.byName[c.name] = c
		if c.name == DefaultRuleName {
			set.def = c
			continue
		}
		for _, d := range c.domains {
			if other, ok := set.byDomain[d]; ok {
				return nil, fmt.Errorf("shaping: domain %q is in rules %q and %q", d, other.name, c.name)
			}
			set.byDomain[d] = c
		}
		for _, mp := range c.mxPattern {
			if other, ok := seenPattern[mp]; ok {
				return nil, fmt.Errorf("shaping: MX pattern %q is in rules %q and %q", mp, other, c.name)
			}
			seenPattern[mp] = c.name
			pt := pattern{name: mp, suffix: mp, exact: true, rule: c}
			if len(mp) > 2 && mp[:2] == "*." {
				pt.suffix, pt.exact = mp[1:], false
			}
			set.patterns = append(set.patterns, pt)
		}
	}
	if set.def == nil {
		c, err := compile(Rule{Name: DefaultRuleName})
		if err != nil {
			return nil, err
		}
		set.def = c
		set.byName[DefaultRuleName] = c
	}
	return set, nil
}

// ruleOf is the rule that governs site: the one it is named after, else
// the default (a rule removed by a reload leaves its sites to it).
func (set *ruleSet) ruleOf(site Site) *rule {
	if r, ok := set.byName[site.rule]; ok {
		return r
	}
	return set.def
}

// sameLimits reports whether a and b set the same limits, whatever the
// domains and MX patterns they match.
func sameLimits(a, b *rule) bool {
	x, y := *a, *b
	x.domains, x.mxPattern, y.domains, y.mxPattern = nil, nil, nil, nil
	return reflect.DeepEqual(x, y)
}

// SetRules replaces the rules while the Policy runs (a reload of the
// configuration). The rules are validated as [New] validates them; when
// they are not valid SetRules returns the error and changes nothing.
//
// From the call on, [Policy.Site] matches domains and MX hosts with the
// new rules. The state of each (source, site) already known is kept
// where it should be:
//
//   - a site whose rule sets the same limits as before (its domains or MX
//     patterns may have changed) keeps all its state: backoff, cut
//     limits, rate tokens, suspension, connections held;
//   - a site whose rule changed starts again from the new rule's limits
//     (the operator's numbers apply at once: a lower MaxConnections makes
//     [Policy.ShedConn] close the connections over it between
//     transactions), and keeps what is a fact about the receiver rather
//     than about the rule: the connections held, the outcome counts, a
//     suspension in force and the connection failures counted;
//   - a site whose rule is gone is governed by the default rule, as a
//     changed one.
//
// A site that leaves backoff this way is reported to OnTransition.
func (p *Policy) SetRules(rules []Rule) error {
	set, err := compileRules(rules)
	if err != nil {
		return err
	}
	now := p.now()
	var trs []Transition
	p.mu.Lock()
	p.rules.Store(set)
	for k, s := range p.sites {
		nr := set.ruleOf(k.Site)
		if sameLimits(s.rule, nr) {
			s.rule = nr
			continue
		}
		from := s.state
		ns := rebase(s, nr, now)
		p.sites[k] = ns
		if from != ns.state && p.onTransition != nil {
			trs = append(trs, Transition{Time: now, Key: k, From: from, To: ns.state,
				Reason: "rule " + nr.name + " reloaded", Limits: ns.limits(now)})
		}
	}
	p.mu.Unlock()
	for _, t := range trs {
		p.onTransition(t)
	}
	return nil
}

// rebase is s under the changed rule r: a new state with r's limits that
// keeps what s knows of the receiver itself (see SetRules).
func rebase(s *siteState, r *rule, now time.Time) *siteState {
	ns := newState(r, now)
	ns.open, ns.counts = s.open, s.counts
	ns.created, ns.lastUse, ns.sent, ns.dlv = s.created, s.lastUse, s.sent, s.dlv
	ns.sharedKey, ns.sharedSeen = s.sharedKey, s.sharedSeen
	ns.failures, ns.suspensions = s.failures, s.suspensions
	if s.state == Suspended {
		ns.state, ns.until, ns.resume = Suspended, s.until, Normal
	}
	return ns
}
