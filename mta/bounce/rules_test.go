package bounce

import (
	"regexp"
	"strings"
	"testing"
)

// TestRuleExamples checks that every rule's example is classified by that
// very rule, so an earlier rule cannot silently shadow a later one.
func TestRuleExamples(t *testing.T) {
	t.Parallel()
	c := New()
	seen := map[string]bool{}
	for _, r := range ruleTable() {
		if seen[r.name] {
			t.Errorf("duplicate rule name %q", r.name)
		}
		seen[r.name] = true
		if r.example == "" {
			t.Errorf("rule %q has no example", r.name)
			continue
		}
		code, enh, text := ParseReply(r.example)
		got := c.Reply(code, enh, text)
		if got.Rule != r.name || got.Class != r.class {
			t.Errorf("rule %q: example %q classified as %s by %q, want %s", r.name, r.example, got.Class, got.Rule, r.class)
		}
	}
}

// TestAutoRuleExamples checks the auto-reply wordings the same way.
func TestAutoRuleExamples(t *testing.T) {
	t.Parallel()
	c := New()
	for _, r := range autoTable() {
		msg := "From: someone@example.net\r\nSubject: Re: your mail\r\n\r\n" + r.example + "\r\n"
		res, err := c.Message(strings.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Class != AutoReply || res[0].Rule != r.name {
			t.Errorf("auto rule %q: example %q gave %+v", r.name, r.example, res)
		}
	}
}

// TestRulePatternsAvoidASCIIBoundaryOnOtherScripts guards a Go pitfall: \b
// only knows ASCII word characters, so \b next to a Cyrillic or accented
// letter never matches.
func TestRulePatternsAvoidASCIIBoundaryOnOtherScripts(t *testing.T) {
	t.Parallel()
	bad := regexp.MustCompile(`\\b[^\x00-\x7f]|[^\x00-\x7f]\\b`)
	for _, r := range ruleTable() {
		if bad.MatchString(r.match) {
			t.Errorf("rule %q puts \\b next to a non-ASCII letter", r.name)
		}
	}
}

// TestStatusTable checks the enhanced-code mapping on its own.
func TestStatusTable(t *testing.T) {
	t.Parallel()
	c := New()
	tests := []struct {
		status string
		want   Class
		hard   bool
	}{
		{"5.1.1", HardInvalidRecipient, true},
		{"5.1.10", HardInvalidRecipient, true},
		{"4.1.1", SoftTemporary, false}, // transient: never suppress
		{"5.1.7", PolicyBlocked, false},
		{"5.2.2", SoftMailboxFull, false},
		{"4.2.2", SoftMailboxFull, false},
		{"5.2.1", SoftTemporary, false},
		{"5.7.1", PolicyBlocked, false},
		{"4.7.1", PolicyBlocked, false},
		{"4.7.28", RateLimited, false},
		{"5.4.7", SoftTemporary, false},
		{"4.4.1", SoftTemporary, false},
		{"5.5.3", RateLimited, false},
		{"5.3.4", SpamBlocked, false},
		{"5.0.0", Other, false},
		{"4.0.0", SoftTemporary, false},
	}
	for _, tt := range tests {
		code := 550
		if tt.status[0] == '4' {
			code = 450
		}
		got := c.Reply(code, tt.status, "")
		if got.Class != tt.want || got.Hard != tt.hard || got.Status != tt.status {
			t.Errorf("%d %s: got %s hard=%v status %q, want %s hard=%v", code, tt.status, got.Class, got.Hard, got.Status, tt.want, tt.hard)
		}
	}
}

func TestClassesAndSuppress(t *testing.T) {
	t.Parallel()
	n := 0
	for _, c := range Classes() {
		if c.Suppress() {
			n++
			if c != HardInvalidRecipient && c != Complaint {
				t.Errorf("%s suppresses", c)
			}
		}
	}
	if len(Classes()) != 9 || n != 2 {
		t.Errorf("got %d classes, %d suppressing", len(Classes()), n)
	}
}
