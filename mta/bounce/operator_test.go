package bounce

import (
	"strings"
	"testing"
)

// TestOperatorRules: operator rules come before the built-in table, may
// select on code, enhanced code and receiving site, and are decisive.
func TestOperatorRules(t *testing.T) {
	t.Parallel()
	c, err := NewWithOptions(Options{Rules: []Rule{
		{Name: "acme-quota", Pattern: `ACME-Q\d+`, Reason: ReasonMailboxFull},
		{Name: "bigmail-554", Code: 554, Enhanced: "5.7.", Site: "bigmail.example", Class: RateLimited},
		{Name: "any-x.2.1", Enhanced: "x.2.1", Class: SoftTemporary, Reason: ReasonMailboxDisabled},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		site, reply string
		class       Class
		reason      Reason
		rule        string
	}{
		// The pattern beats the built-in "user unknown".
		{"", "550 5.1.1 User unknown ACME-Q17", SoftMailboxFull, ReasonMailboxFull, "op:acme-quota"},
		// Site matches the domain and its subdomains only.
		{"mx1.bigmail.example", "554 5.7.1 Blocked using zen.spamhaus.org", RateLimited, ReasonRateLimited, "op:bigmail-554"},
		{"bigmail.example.org", "554 5.7.1 Blocked using zen.spamhaus.org", PolicyBlocked, ReasonBlockedIP, "blocklist"},
		// The code must match.
		{"bigmail.example", "550 5.7.1 Blocked using zen.spamhaus.org", PolicyBlocked, ReasonBlockedIP, "blocklist"},
		// "x" matches either class digit.
		{"", "450 4.2.1 Mailbox disabled", SoftTemporary, ReasonMailboxDisabled, "op:any-x.2.1"},
		{"", "550 5.2.1 Mailbox disabled", SoftTemporary, ReasonMailboxDisabled, "op:any-x.2.1"},
	}
	for _, tt := range tests {
		code, enh, text := ParseReply(tt.reply)
		got := c.ReplyFrom(tt.site, code, enh, text)
		if got.Class != tt.class || got.Reason != tt.reason || got.Rule != tt.rule || got.Hard != (tt.class == HardInvalidRecipient) {
			t.Errorf("%s %q: got %s/%s by %s, want %s/%s by %s", tt.site, tt.reply, got.Class, got.Reason, got.Rule, tt.class, tt.reason, tt.rule)
		}
		if strings.HasPrefix(tt.rule, "op:") && !got.Decisive {
			t.Errorf("%q: operator verdict not decisive", tt.reply)
		}
	}
	// In a returned message, the site is the recipient's domain.
	m := msg(daemonHeaders, "<jane@mail.bigmail.example>: host mx said: 554 5.7.1 Blocked using zen.spamhaus.org (in reply to RCPT TO command)\n")
	res := classifyMsg(t, c, m)
	if len(res) != 1 || res[0].Rule != "op:bigmail-554" {
		t.Errorf("message: got %+v", res)
	}
}

// TestOperatorRuleErrors: a bad rule fails start-up with an error that
// names it.
func TestOperatorRuleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    Rule
		want string
	}{
		{Rule{Name: "bad-re", Pattern: `user (unknown`, Class: HardInvalidRecipient}, `rule "bad-re": pattern`},
		{Rule{Name: "empty", Class: Other}, `rule "empty": needs a pattern`},
		{Rule{Name: "code", Code: 650, Class: Other}, `rule "code": code 650`},
		{Rule{Name: "enh", Enhanced: "5.x.1", Class: Other}, `rule "enh": enhanced "5.x.1"`},
		{Rule{Name: "class", Pattern: "x", Class: "dead"}, `rule "class": unknown class "dead"`},
		{Rule{Name: "reason", Pattern: "x", Reason: "gone"}, `rule "reason": unknown reason "gone"`},
		{Rule{Name: "nothing", Pattern: "x"}, `rule "nothing": needs a class or a reason`},
		{Rule{Pattern: "(", Class: Other}, `rule "rule-1": pattern`},
	}
	for _, tt := range tests {
		_, err := NewWithOptions(Options{Rules: []Rule{tt.r}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want %q", tt.r, err, tt.want)
		}
	}
	for _, p := range []string{"5.1.1", "4.7.", "x.2.2", "x.7.", "5.1.10"} {
		if !validStatusPattern(p) {
			t.Errorf("%q rejected", p)
		}
	}
}
