package bounce

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Rule is an operator's classification rule, from configuration: it adds
// to or overrides the built-in table for the replies and notices of a
// given receiver. Operator rules are tried before every built-in rule, in
// order, first match wins, and their verdicts are decisive. At least one
// of Pattern, Code, Enhanced must be set; Site narrows any of them.
type Rule struct {
	// Name identifies the rule in errors and in [Result.Rule] ("op:NAME").
	// Default: "rule-N", N counting from 1.
	Name string
	// Pattern is a regular expression (RE2 syntax, matched
	// case-insensitively) searched in the reply text or the diagnostic.
	Pattern string
	// Code, if not 0, must equal the basic reply code (200 to 599).
	Code int
	// Enhanced, if set, must match the RFC 3463 code: "5.7.1" exactly,
	// "5.7." any detail of 5.7, "x.7.1" either class.
	Enhanced string
	// Site, if set, must be the recipient's domain or the reporting MTA's
	// host, or a parent domain of either ("example.com" matches
	// "mx1.example.com").
	Site string
	// Class is the verdict. Default: the class of Reason.
	Class Class
	// Reason is the finer cause, from the taxonomy (reason.go). Default:
	// the usual reason of Class.
	Reason Reason
}

// opRule is a checked and compiled operator rule.
type opRule struct {
	Rule
	re *regexp.Regexp
}

// Options configure a Classifier built by [NewWithOptions].
type Options struct {
	// Rules are the operator's rules, tried before the built-in table.
	Rules []Rule
}

// NewWithOptions builds a Classifier with operator rules. Every rule is
// checked: an invalid pattern, code, enhanced code, class or reason is an
// error naming the rule, so a bad config fails at start-up.
func NewWithOptions(o Options) (*Classifier, error) {
	c := New()
	if err := c.SetOptions(o); err != nil {
		return nil, err
	}
	return c, nil
}

// SetOptions replaces the operator rules while the Classifier is in use
// (a reload of the configuration). The rules are checked as
// [NewWithOptions] checks them; when one is invalid it returns the error
// and the rules in force stay. Otherwise the new rules are swapped in
// whole: a classification already running finishes under the rules it
// began with, the next one uses the new ones. The built-in table never
// changes.
func (c *Classifier) SetOptions(o Options) error {
	ops := make([]opRule, 0, len(o.Rules))
	var errs []error
	for i, r := range o.Rules {
		cr, err := compileOperatorRule(i, r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ops = append(ops, cr)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.ops.Store(&ops)
	return nil
}

// compileOperatorRule checks one rule and fills its defaults.
func compileOperatorRule(i int, r Rule) (opRule, error) {
	if r.Name == "" {
		r.Name = fmt.Sprintf("rule-%d", i+1)
	}
	fail := func(format string, a ...any) (opRule, error) {
		return opRule{}, fmt.Errorf("bounce: rule %q: %s", r.Name, fmt.Sprintf(format, a...))
	}
	if r.Pattern == "" && r.Code == 0 && r.Enhanced == "" {
		return fail("needs a pattern, a code or an enhanced code")
	}
	if r.Code != 0 && (r.Code < 200 || r.Code > 599) {
		return fail("code %d is not an SMTP reply code", r.Code)
	}
	if r.Enhanced != "" && !validStatusPattern(r.Enhanced) {
		return fail("enhanced %q is not a status code or pattern (5.1.1, 5.7., x.2.2)", r.Enhanced)
	}
	r.Site = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(r.Site), "."))
	if r.Class == "" && r.Reason == "" {
		return fail("needs a class or a reason")
	}
	if r.Reason != "" {
		rc, ok := ReasonClass(r.Reason)
		if !ok {
			return fail("unknown reason %q", r.Reason)
		}
		if r.Class == "" {
			r.Class = rc
		}
	}
	if !validClass(r.Class) {
		return fail("unknown class %q", r.Class)
	}
	if r.Reason == "" {
		r.Reason = classReason(r.Class)
	}
	out := opRule{Rule: r}
	if r.Pattern != "" {
		re, err := regexp.Compile("(?i)" + r.Pattern)
		if err != nil {
			return fail("pattern: %v", err)
		}
		out.re = re
	}
	return out, nil
}

// validClass reports whether c is one of [Classes].
func validClass(c Class) bool {
	for _, k := range Classes() {
		if c == k {
			return true
		}
	}
	return false
}

// validStatusPattern accepts what statusMatch understands: a class digit
// (or "x"), then subject and detail, a trailing "." for a prefix.
func validStatusPattern(p string) bool {
	if len(p) < 3 || (p[0] != 'x' && p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.' {
		return false
	}
	body := strings.TrimSuffix(p[2:], ".")
	parts := strings.Split(body, ".")
	if len(parts) > 2 || (len(parts) == 1 && !strings.HasSuffix(p, ".")) {
		return false
	}
	for _, x := range parts {
		if x == "" || len(x) > 3 || strings.Trim(x, "0123456789") != "" {
			return false
		}
	}
	return true
}

// siteMatch reports whether host is site or a subdomain of it.
func siteMatch(site, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == site || strings.HasSuffix(host, "."+site)
}

// matchOperator tries the operator's rules in order.
func (c *Classifier) matchOperator(s signal, lower []string) (verdict, bool) {
	p := c.ops.Load()
	if p == nil {
		return verdict{}, false
	}
	ops := *p
	for i := range ops {
		r := &ops[i]
		if r.Code != 0 && r.Code != s.code {
			continue
		}
		if r.Enhanced != "" && !statusMatch(r.Enhanced, s.enhanced) {
			continue
		}
		if r.Site != "" {
			ok := false
			for _, h := range s.sites {
				ok = ok || (h != "" && siteMatch(r.Site, h))
			}
			if !ok {
				continue
			}
		}
		v := verdict{class: r.Class, reason: r.Reason, rule: "op:" + r.Name, text: -1, decisive: true, strong: true, sticky: true}
		if r.re == nil {
			return v, true
		}
		for ti, t := range s.texts {
			if t == "" {
				continue
			}
			if loc := r.re.FindStringIndex(t); loc != nil {
				v.text, v.pos = ti, loc[0]
				return v, true
			}
		}
	}
	return verdict{}, false
}
