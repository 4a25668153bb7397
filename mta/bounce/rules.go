package bounce

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// when restricts a rule to permanent or transient failures.
type when uint8

const (
	anyTime   when = iota
	permanent      // 5xx, 5.x.x, Action: failed, or unknown
	transient      // 4xx, 4.x.x or Action: delayed
)

// rule is one line of the classification table. A rule matches when its
// pattern is found in the (lowercased) text, its status pattern matches the
// enhanced code, and its when matches the failure's permanence. A rule
// without a pattern matches on its status pattern alone.
type rule struct {
	// name identifies the rule in [Result.Rule] and in tests; unique.
	name string
	// class is what a match means.
	class Class
	// match is a regular expression, matched case-insensitively (Unicode
	// simple folding) against the text. Go's \b knows only ASCII letters, so terms in
	// other scripts are written without it.
	match string
	// status, if set, must match the enhanced code: "x.7." matches any
	// code of subject 7, "x.1.7" exactly X.1.7 with any class digit.
	status string
	// when limits the rule to permanent or transient failures.
	when when
	// weak rules are consulted only when neither a strong rule nor the
	// enhanced code decided.
	weak bool
	// example is a reply or diagnostic that this rule, and not an earlier
	// one, must classify; checked by TestRuleExamples.
	example string

	re   *regexp.Regexp
	lits []string // prefilter: one of these occurs in any lowercased match
}

// compileRules compiles the table's patterns once.
func compileRules(rs []rule) []rule {
	for i := range rs {
		if rs[i].match != "" {
			rs[i].re = regexp.MustCompile("(?i)" + rs[i].match)
			rs[i].lits = requiredLiterals(rs[i].match)
		}
	}
	return rs
}

// statusRule maps an RFC 3463 subject.detail (or a subject alone) to a class.
type statusRule struct {
	key   string // "1.1" or "7"
	class Class
	desc  string // the RFC 3463 description, for the reader
}

// statusIndex indexes the status table by key.
func statusIndex(rs []statusRule) map[string]statusRule {
	m := make(map[string]statusRule, len(rs))
	for _, r := range rs {
		m[r.key] = r
	}
	return m
}

// state is what is known of a failure's permanence.
type state uint8

const (
	stateUnknown state = iota
	statePermanent
	stateTransient
)

// signal is everything known about one failure, for classify.
type signal struct {
	code     int      // basic reply code, 0 if none
	enhanced string   // RFC 3463 code, "" if none
	action   string   // RFC 3464 Action, lowercase, "" if none
	texts    []string // diagnostic texts, most specific first
}

// state decides permanence: a delay (Action: delayed) is transient whatever
// its codes; otherwise the enhanced code's class digit, then the basic code,
// then Action: failed.
func (s signal) state() state {
	switch {
	case s.action == "delayed":
		return stateTransient
	case s.enhanced != "" && s.enhanced[0] == '4':
		return stateTransient
	case s.enhanced != "" && s.enhanced[0] == '5':
		return statePermanent
	case s.code >= 400 && s.code < 500:
		return stateTransient
	case s.code >= 500 && s.code < 600:
		return statePermanent
	case s.action == "failed":
		return statePermanent
	}
	return stateUnknown
}

// verdict is the outcome of classify.
type verdict struct {
	class Class
	hard  bool
	rule  string
	text  int // index into signal.texts of the matching text, -1 if none
	pos   int // byte offset of the match in that text
}

// classify applies the precedence documented in rules_table.go: rules
// without a pattern (status only), then strong text rules over each text in
// order, then the enhanced code, then weak text rules, then the basic code.
func (c *Classifier) classify(s signal) verdict {
	st := s.state()
	for i := range c.rules {
		r := &c.rules[i]
		if r.re == nil && r.applies(s.enhanced, st) {
			return finish(verdict{class: r.class, rule: r.name, text: -1}, st)
		}
	}
	lower := make([]string, len(s.texts))
	for i, t := range s.texts {
		lower[i] = strings.ToLower(t)
	}
	if v, ok := c.matchText(s.texts, lower, s.enhanced, st, false); ok {
		return finish(v, st)
	}
	if v, ok := c.statusClass(s.enhanced); ok {
		return finish(v, st)
	}
	if v, ok := c.matchText(s.texts, lower, s.enhanced, st, true); ok {
		return finish(v, st)
	}
	return finish(codeClass(s.code), st)
}

// matchText finds the first rule of the given strength that matches one of
// the texts, trying the texts in order.
// The lowercased texts feed the literal prefilter only; matching runs on
// the original texts, so match offsets are offsets into them.
func (c *Classifier) matchText(texts, lower []string, enhanced string, st state, weak bool) (verdict, bool) {
	for ti, t := range texts {
		if t == "" {
			continue
		}
		for i := range c.rules {
			r := &c.rules[i]
			if r.re == nil || r.weak != weak || !r.applies(enhanced, st) || !r.mayMatch(lower[ti]) {
				continue
			}
			if loc := r.re.FindStringIndex(t); loc != nil {
				return verdict{class: r.class, rule: r.name, text: ti, pos: loc[0]}, true
			}
		}
	}
	return verdict{}, false
}

// applies checks a rule's status and permanence constraints.
func (r *rule) applies(enhanced string, st state) bool {
	switch r.when {
	case permanent:
		if st == stateTransient {
			return false
		}
	case transient:
		if st != stateTransient {
			return false
		}
	}
	return r.status == "" || statusMatch(r.status, enhanced)
}

// statusMatch matches an enhanced code against a pattern whose first
// character may be "x" (any class); a pattern ending in "." is a prefix.
func statusMatch(pattern, code string) bool {
	if code == "" || len(pattern) == 0 {
		return false
	}
	if pattern[0] == 'x' {
		pattern, code = pattern[1:], code[1:]
	}
	if strings.HasSuffix(pattern, ".") {
		return strings.HasPrefix(code, pattern)
	}
	return code == pattern
}

// statusClass maps an enhanced code by subject.detail, then by subject.
func (c *Classifier) statusClass(enhanced string) (verdict, bool) {
	if enhanced == "" {
		return verdict{}, false
	}
	if len(enhanced) < 5 || strings.IndexByte(enhanced[2:], '.') < 0 {
		return verdict{}, false
	}
	sd := enhanced[2:]
	if r, ok := c.status[sd]; ok {
		if r.class == "" {
			return verdict{}, false
		}
		return verdict{class: r.class, rule: "status:" + sd, text: -1}, true
	}
	subject := sd[:strings.IndexByte(sd, '.')]
	if r, ok := c.status[subject]; ok && r.class != "" {
		return verdict{class: r.class, rule: "status:" + subject, text: -1}, true
	}
	return verdict{}, false
}

// codeClass maps the basic reply code (RFC 5321 §4.2.2 and §4.2.3): 552
// "exceeded storage allocation" is a full mailbox; other 4xx are temporary;
// other 5xx are permanent but say nothing about the address.
func codeClass(code int) verdict {
	switch {
	case code == 552:
		return verdict{class: SoftMailboxFull, rule: "code:552", text: -1}
	case code >= 400 && code < 500:
		return verdict{class: SoftTemporary, rule: "code:4xx", text: -1}
	case code >= 500 && code < 600:
		return verdict{class: Other, rule: "code:5xx", text: -1}
	}
	return verdict{class: Other, rule: "default", text: -1}
}

// finish settles hardness and downgrades an invalid-recipient verdict on a
// transient failure: a 4xx "user unknown" (Postfix's soft_bounce, an
// unverified address, a directory lookup that failed) must not suppress.
func finish(v verdict, st state) verdict {
	if v.class == HardInvalidRecipient && st == stateTransient {
		v.class = SoftTemporary
	}
	switch v.class {
	case HardInvalidRecipient, Complaint:
		v.hard = true
	case SoftMailboxFull, SoftTemporary, RateLimited, AutoReply:
		v.hard = false
	default:
		v.hard = st != stateTransient
	}
	return v
}

// mayMatch is the literal prefilter: Go's regexp engine has no DFA, so
// skipping rules whose required words are absent makes classification many
// times faster. A rule without literals is always tried.
func (r *rule) mayMatch(lower string) bool {
	if r.lits == nil {
		return true
	}
	for _, l := range r.lits {
		if strings.Contains(lower, l) {
			return true
		}
	}
	return false
}

// requiredLiterals derives from a pattern a set of lowercase strings one
// of which occurs in every text the pattern matches, or nil if it finds
// none (a branch that can match without any literal).
func requiredLiterals(pattern string) []string {
	re, err := syntax.Parse(pattern, syntax.Perl|syntax.FoldCase)
	if err != nil {
		return nil
	}
	lits, ok := literalSet(re.Simplify())
	if !ok {
		return nil
	}
	return lits
}

// literalSet is requiredLiterals' recursion over the syntax tree: a
// literal requires itself, a concatenation its most selective part, an
// alternation the union of its branches.
func literalSet(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}, true
	case syntax.OpCapture, syntax.OpPlus:
		return literalSet(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return literalSet(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		found := false
		for _, sub := range re.Sub {
			if l, ok := literalSet(sub); ok && (!found || minLen(l) > minLen(best)) {
				best, found = l, true
			}
		}
		return best, found
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			l, ok := literalSet(sub)
			if !ok {
				return nil, false
			}
			all = append(all, l...)
		}
		return all, true
	}
	return nil, false
}

// minLen is the length of the shortest string in a set.
func minLen(ls []string) int {
	m := -1
	for _, l := range ls {
		if m < 0 || len(l) < m {
			m = len(l)
		}
	}
	return m
}
