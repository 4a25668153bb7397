package bounce

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
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
	// reason is the finer cause, from the taxonomy (reason.go).
	reason Reason
	// sticky keeps a dead-address verdict on a transient failure: a
	// domain that has no mail service (null MX, no MX, NXDOMAIN) is dead
	// whatever code the reporting MTA chose.
	sticky bool
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
	lits litFilter // prefilter, see mayMatch
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
	key    string // "1.1" or "7"
	class  Class
	reason Reason
	desc   string // the RFC 3463 description, for the reader
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
	sites    []string // receiving site: recipient domain, remote MTA host
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
// result is the Result the verdict gives recipient rcpt (may be ""),
// with status and the diagnostic why (clipped).
func (v verdict) result(rcpt, status, why string) Result {
	return Result{Recipient: rcpt, Status: status, Class: v.class, Hard: v.hard, Reason: v.reason,
		Rule: v.rule, Decisive: v.decisive, Diagnostic: clip(why), BeforeData: v.beforeData}
}

type verdict struct {
	class    Class
	reason   Reason
	hard     bool
	decisive bool
	rule     string
	text     int  // index into signal.texts of the matching text, -1 if none
	pos      int  // byte offset of the match in that text
	strong   bool // decided by a text rule (operator or table), not a code
	sticky   bool
	// beforeData: the texts quote a reply given before DATA (Result.BeforeData).
	beforeData bool
}

// classify applies the precedence documented in rules_table.go:
//
//  1. operator rules (config), decisive;
//  2. status-only rules of the table (the sender's own address);
//  3. strong text rules, decisive: a phrase beats the status code;
//  4. the enhanced status code, subject.detail then subject;
//  5. weak text rules, not decisive;
//  6. the basic reply code, not decisive.
//
// finish then settles permanence and guards suppression.
func (c *Classifier) classify(s signal) verdict {
	st := s.state()
	lower := make([]string, len(s.texts))
	for i, t := range s.texts {
		lower[i] = foldText(t)
	}
	if v, ok := c.matchOperator(s, lower); ok {
		return c.finish(v, st, s.texts)
	}
	s.texts = c.maskAddresses(s.texts, lower)
	return c.settleReason(c.classifyTable(s, st, lower), s, lower)
}

// maskAddresses hides the e-mail addresses of the texts from the table's
// rules: "<spam@example.net>: User unknown" is about an unknown user, not
// spam, and a local part such as "full", "blocked" or "noreply" says
// nothing about the failure. Each address becomes as many "#" bytes, so
// offsets into the texts (the diagnostic line shown) stay valid; lower,
// the prefilter's copies, is refolded where a text changed. Operator
// rules, which may name addresses, see the texts unmasked.
func (c *Classifier) maskAddresses(texts, lower []string) []string {
	var out []string
	for i, t := range texts {
		if strings.IndexByte(t, '@') < 0 {
			continue
		}
		locs := c.re.maskAddr.FindAllStringIndex(t, -1)
		if len(locs) == 0 {
			continue
		}
		b := []byte(t)
		for _, l := range locs {
			for j := l[0]; j < l[1]; j++ {
				b[j] = '#'
			}
		}
		if out == nil {
			out = append([]string(nil), texts...)
		}
		out[i] = string(b)
		lower[i] = foldText(out[i])
	}
	if out == nil {
		return texts
	}
	return out
}

// classifyTable is classify after the operator's rules.
func (c *Classifier) classifyTable(s signal, st state, lower []string) verdict {
	for i := range c.rules {
		r := &c.rules[i]
		if r.re == nil && r.applies(s.enhanced, st) {
			return c.finish(verdict{class: r.class, reason: r.reason, rule: r.name, text: -1, decisive: true}, st, s.texts)
		}
	}
	if v, ok := c.matchText(s.texts, lower, s.enhanced, st, false); ok {
		v.decisive, v.strong = true, true
		return c.finish(v, st, s.texts)
	}
	if v, ok := c.statusClass(s.enhanced); ok {
		v.decisive = true
		return c.finish(v, st, s.texts)
	}
	if v, ok := c.matchText(s.texts, lower, s.enhanced, st, true); ok {
		return c.finish(v, st, s.texts)
	}
	return c.finish(codeClass(s.code, st), st, s.texts)
}

// settleReason makes the reason of a transient verdict say where the
// message stands rather than the last error met: a delay warning (Action:
// delayed) is "delayed" whatever it quotes (a timeout, greylisting, a DNS
// failure, a status code of expiry) unless its text says it expired, and a notice whose text says the retry period ran out is
// "expired" rather than the network, DNS or greylisting error that made
// it run out. The class is unchanged; only a transient one is touched.
func (c *Classifier) settleReason(v verdict, s signal, lower []string) verdict {
	if v.class != SoftTemporary {
		return v
	}
	if s.action == "delayed" {
		// Unless the text itself says the message expired: then the
		// report's Action is stale, not the text. A duration in a text
		// that says delivery goes on ("będą podejmowane przez 4 dni",
		// "se seguirá intentando durante 4 días") is no expiry.
		if v.reason != ReasonExpired || !v.strong || v.text < 0 || v.text >= len(s.texts) ||
			c.re.delayBody.MatchString(s.texts[v.text]) {
			v.reason = ReasonDelayed
		}
		return v
	}
	switch v.reason {
	case ReasonNetwork, ReasonDNSError, ReasonGreylisted, ReasonTemporary, ReasonSystemError:
	default:
		return v
	}
	for i, t := range s.texts {
		if t != "" && c.expired.mayMatch(lower[i]) && c.expired.re.MatchString(t) {
			v.reason = ReasonExpired
			return v
		}
	}
	return v
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
				return verdict{class: r.class, reason: r.reason, rule: r.name, text: ti, pos: loc[0], sticky: r.sticky}, true
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
	r, ok := c.status[sd]
	if !ok {
		r, ok = c.status[sd[:strings.IndexByte(sd, '.')]]
	}
	if !ok || r.class == "" {
		return verdict{}, false
	}
	return verdict{class: r.class, reason: r.reason, rule: "status:" + r.key, text: -1}, true
}

// codeClass maps the basic reply code (RFC 5321 §4.2.2 and §4.2.3): 552
// "exceeded storage allocation" is a full mailbox; other 4xx are temporary;
// other 5xx are permanent but say nothing about the address. A delay
// warning without a code is temporary.
func codeClass(code int, st state) verdict {
	switch {
	case code == 552:
		return verdict{class: SoftMailboxFull, reason: ReasonMailboxFull, rule: "code:552", text: -1}
	case code >= 400 && code < 500:
		return verdict{class: SoftTemporary, reason: ReasonTemporary, rule: "code:4xx", text: -1}
	case code >= 500 && code < 600:
		return verdict{class: Other, reason: ReasonUnclassified, rule: "code:5xx", text: -1}
	case st == stateTransient:
		return verdict{class: SoftTemporary, reason: ReasonDelayed, rule: "delayed", text: -1}
	}
	return verdict{class: Other, reason: ReasonUnclassified, rule: "default", text: -1}
}

// finish settles permanence, hardness and the guards on suppression:
//
//   - a dead-address verdict on a transient failure becomes
//     soft_temporary (a 4xx "user unknown": Postfix's soft_bounce, a
//     directory lookup that failed), unless a sticky rule decided (a
//     domain without mail service is dead whatever the code);
//   - a dead-address verdict whose text speaks of a temporary condition
//     (and, when the verdict came only from a code, of a DNS or system
//     error) becomes soft_temporary: a good address must never be
//     suppressed on a transient failure;
//   - Hard is true exactly for HardInvalidRecipient.
func (c *Classifier) finish(v verdict, st state, texts []string) verdict {
	v = c.atSenderStage(v, texts)
	v = c.policyWordedUnknown(v, texts)
	v = c.spamBeforeData(v, texts)
	v.beforeData = c.quotesBeforeData(texts)
	if v.class == HardInvalidRecipient {
		if st == stateTransient && !v.sticky {
			v.class = SoftTemporary
		}
		if r, ok := c.doubt(texts, v.strong); ok {
			v.class, v.reason, v.rule = SoftTemporary, r, v.rule+"+doubt"
		}
	}
	if v.reason == "" {
		v.reason = classReason(v.class)
	}
	v.hard = v.class == HardInvalidRecipient
	return v
}

// atSenderStage turns a dead-address verdict on a reply to MAIL FROM
// (said in the diagnostic or the recipient's own text, the first two
// texts) into a refusal of the sender: no recipient had been named yet,
// so "mailbox unavailable" or "user unknown" there is about the sender
// (a callout, the sender domain's DNS), never the recipient (RFC 5321
// §3.3: MAIL comes before any RCPT).
func (c *Classifier) atSenderStage(v verdict, texts []string) verdict {
	if v.class != HardInvalidRecipient {
		return v
	}
	for i, t := range texts {
		if i == 2 {
			break
		}
		if c.re.senderStage.MatchString(t) {
			v.class, v.reason, v.rule, v.sticky = PolicyBlocked, ReasonBlockedSender, v.rule+"+mail-from", false
			return v
		}
	}
	return v
}

// policyWordedUnknown turns the broad unknown-user rule's dead-address
// verdict into a policy refusal when the reply (the first two texts, as
// atSenderStage reads them) speaks of policy or of blocked users: an
// "invalid recipient for sender (policy)" refuses this sender, not a
// dead mailbox, and a wrong suppression costs more than a miss.
func (c *Classifier) policyWordedUnknown(v verdict, texts []string) verdict {
	if v.class != HardInvalidRecipient || v.rule != "user-unknown" {
		return v
	}
	for i, t := range texts {
		if i == 2 {
			break
		}
		if c.re.policyWorded.MatchString(t) {
			v.class, v.reason, v.rule, v.sticky = PolicyBlocked, ReasonPolicy, v.rule+"+policy", false
			return v
		}
	}
	return v
}

// spamBeforeData turns a spam verdict on a reply given before the
// message's content was sent (to MAIL FROM or RCPT TO, said in the first
// two texts like atSenderStage) into a block of the sender: "blocked by
// the anti-spam filter" at RCPT time judges the sending host's standing,
// as no content had been seen (RFC 5321 §3.3: DATA comes last).
func (c *Classifier) spamBeforeData(v verdict, texts []string) verdict {
	if v.class != SpamBlocked || v.rule != "spam" {
		// Only the generic spam wording ("anti-spam filter", "spam
		// detected"): a code that names the content (5.6.x invalid
		// MIME, a provider's spam code) stays a content verdict.
		return v
	}
	if c.quotesBeforeData(texts) {
		v.class, v.reason, v.rule = PolicyBlocked, ReasonBlockedIP, v.rule+"+before-data"
	}
	return v
}

// quotesBeforeData reports whether the first two texts (the diagnostic and
// the recipient's own text, as spamBeforeData reads them) say the reply
// was given before DATA.
func (c *Classifier) quotesBeforeData(texts []string) bool {
	for i, t := range texts {
		if i == 2 {
			break
		}
		if c.re.beforeData.MatchString(t) {
			return true
		}
	}
	return false
}

// doubt looks in the diagnostic and the recipient's own text (the first
// two texts; the rest of a bounce is boilerplate) for words that make a
// dead-address verdict unsafe. A strong text rule yields only to words of
// temporariness; a verdict from a code also to DNS and system errors.
func (c *Classifier) doubt(texts []string, strong bool) (Reason, bool) {
	for i, t := range texts {
		if i == 2 {
			break
		}
		if t == "" {
			continue
		}
		if c.re.doubtTemp.MatchString(t) && c.re.retryAdvice.MatchString(t) {
			// "Please check the address and try again": advice to fix
			// the address, not a temporary condition.
			t = c.re.retryAdvice.ReplaceAllString(t, " ")
		}
		if m := c.re.doubtTemp.FindString(t); m != "" {
			if c.re.doubtDNS.MatchString(t) {
				return ReasonDNSError, true
			}
			return ReasonTemporary, true
		}
		if strong {
			continue
		}
		if c.re.doubtDNS.MatchString(t) {
			return ReasonDNSError, true
		}
		if c.re.doubtSystem.MatchString(t) {
			return ReasonSystemError, true
		}
	}
	return "", false
}

// mayMatch is the literal prefilter: Go's regexp engine has no DFA, so
// skipping rules whose required words are absent makes classification many
// times faster. The filter is a disjunction of branches, each a
// conjunction of word sets: a branch passes when every one of its sets has
// a word in the text. A rule without a filter is always tried.
func (r *rule) mayMatch(lower string) bool {
	if r.lits == nil {
		return true
	}
	for _, branch := range r.lits {
		ok := true
		for _, set := range branch {
			if !containsAny(lower, set) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// containsAny reports whether s contains one of the words.
func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// litFilter is requiredLiterals' result: branches (any may match), each a
// list of word sets (all must occur), each set a list of words (one must).
type litFilter [][][]string

// requiredLiterals derives a prefilter from a pattern, or nil if some
// branch can match without any literal.
func requiredLiterals(pattern string) litFilter {
	re, err := syntax.Parse(pattern, syntax.Perl|syntax.FoldCase)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	var f litFilter
	branches := []*syntax.Regexp{re}
	if re.Op == syntax.OpAlternate {
		branches = re.Sub
	}
	for _, b := range branches {
		conj := conjunction(b)
		if conj == nil {
			return nil
		}
		f = append(f, conj)
	}
	return f
}

// conjunction lists the word sets one branch requires: each part of a
// concatenation that requires a word contributes its set.
func conjunction(re *syntax.Regexp) [][]string {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op != syntax.OpConcat {
		if l, ok := literalSet(re); ok {
			return [][]string{l}
		}
		return nil
	}
	var conj [][]string
	for _, sub := range re.Sub {
		if l, ok := literalSet(sub); ok {
			conj = append(conj, l)
		}
	}
	return conj
}

// literalSet derives a set of lowercase strings one of which occurs in
// every text re matches: a literal requires itself, a concatenation its
// most selective part, an alternation the union of its branches.
func literalSet(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{foldText(string(re.Rune))}, true
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

// foldText maps s to the case-folded form the prefilter compares in: ASCII
// letters lowered, and every other letter replaced by the least rune of
// its simple case-folding orbit (Unicode's CaseFolding.txt), which is what
// regexp/syntax keeps of a literal parsed with FoldCase. Lowering alone is
// not enough: the parser keeps Greek μ as µ (U+00B5), ι as U+0345 and ς as
// Σ, so a lowered literal would never be found in lowered Greek text and a
// rule's prefilter would skip it for good.
func foldText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Map(foldRune, s)
		}
	}
	return strings.ToLower(s)
}

// foldRune is foldText for one rune.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	if 'A' <= m && m <= 'Z' {
		m += 'a' - 'A'
	}
	return m
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
