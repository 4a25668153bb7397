package shaping

import "fmt"

// RuleSet is the rules of a Policy as an operator writes them: sluice's
// built-in rules or not, the default limits (the delivery settings), and
// configured rules, which replace built-in ones of the same name and add
// to the others. [RuleSet.Rules] merges them into the slice [New] takes.
type RuleSet struct {
	// Builtin adds [DefaultRules]; without it the only rule besides the
	// configured ones is a default rule made of the default limits below.
	Builtin bool
	// MaxConnections, MaxMessagesPerConn and MaxRcptsPerTxn size the
	// default rule (the delivery settings, e.g. max_connections_per_domain)
	// unless a configured rule named [DefaultRuleName] replaces it.
	MaxConnections, MaxMessagesPerConn, MaxRcptsPerTxn int
	// Configured are the operator's rules, in order.
	Configured []RuleText
}

// RuleText is a configured rule: Rule with its rates as text (see
// [ParseRate]), which replace Rule.Rate and Rule.MinRate when not empty.
type RuleText struct {
	Rule          Rule
	Rate, MinRate string
}

// Rules returns the merged rules. An error names the configured rule by
// its index and field (`rule[2].min_rate: …`), for the caller to say where
// the rules came from.
func (s RuleSet) Rules() ([]Rule, error) {
	var rules []Rule
	if s.Builtin {
		for _, r := range DefaultRules() {
			if r.Name == DefaultRuleName {
				s.sizeDefault(&r)
			}
			rules = append(rules, r)
		}
	} else {
		r := Rule{Name: DefaultRuleName}
		s.sizeDefault(&r)
		rules = append(rules, r)
	}
	for i, rt := range s.Configured {
		r, err := rt.parse()
		if err != nil {
			return nil, fmt.Errorf("rule[%d].%w", i, err)
		}
		replaced := false
		for j := range rules {
			if rules[j].Name == r.Name {
				rules[j], replaced = r, true
			}
		}
		if !replaced {
			rules = append(rules, r)
		}
	}
	return rules, nil
}

// sizeDefault gives the default rule the default limits.
func (s RuleSet) sizeDefault(r *Rule) {
	r.MaxConnections, r.MaxMessagesPerConn, r.MaxRcptsPerTxn = s.MaxConnections, s.MaxMessagesPerConn, s.MaxRcptsPerTxn
}

// parse returns the rule with its text rates parsed; an error starts with
// the field's name (rate, min_rate).
func (rt RuleText) parse() (Rule, error) {
	r := rt.Rule
	var err error
	if rt.Rate != "" {
		if r.Rate, err = ParseRate(rt.Rate); err != nil {
			return Rule{}, fmt.Errorf("rate: %v", err)
		}
	}
	if rt.MinRate != "" {
		if r.MinRate, err = ParseRate(rt.MinRate); err != nil {
			return Rule{}, fmt.Errorf("min_rate: %v", err)
		}
	}
	return r, nil
}
