package tlspolicy

import (
	"errors"
	"fmt"
	"slices"
)

// SetRules replaces the configured rules while the resolver runs (a
// config reload): every later Domain and ForHost call reads the new ones;
// cached MTA-STS policies are kept (they are the receivers', not the
// config's). It fails, changing nothing, on an unknown mode, or on an
// mta-sts rule when the resolver was built with no resolvers to ask for
// `_mta-sts` records (New finds them only when it needs them: a restart
// does).
func (r *Resolver) SetRules(rules []Rule) error {
	for i, ru := range rules {
		if _, ok := ParseMode(string(ru.Mode)); !ok {
			return fmt.Errorf("tlspolicy: rule %d: unknown mode %q", i, ru.Mode)
		}
	}
	if len(r.cfg.Servers) == 0 && hasMode(rules, ModeMTASTS) {
		return errors.New("tlspolicy: an mta-sts rule needs delivery.resolvers, or a restart")
	}
	rs := slices.Clone(rules)
	r.rules.Store(&rs)
	return nil
}

// rulesNow is the rules in force: the last SetRules', else Config.Rules.
func (r *Resolver) rulesNow() []Rule {
	if rs := r.rules.Load(); rs != nil {
		return *rs
	}
	return r.cfg.Rules
}
