package bounce

import "testing"

// TestReplyVerdict: the verdict is ReplyFrom's class and reason, site
// rules included.
func TestReplyVerdict(t *testing.T) {
	t.Parallel()
	c, err := NewWithOptions(Options{Rules: []Rule{{Name: "frozen", Pattern: "mailbox frozen", Site: "mx.example",
		Class: HardInvalidRecipient, Reason: "user_unknown"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		site, text string
	}{
		{"", "User unknown"},
		{"mx.example", "mailbox frozen"},
		{"other.example", "mailbox frozen"},
	} {
		r := c.ReplyFrom(tc.site, 550, "5.1.1", tc.text)
		class, reason := c.ReplyVerdict(tc.site, 550, "5.1.1", tc.text)
		if class != string(r.Class) || reason != string(r.Reason) || class == "" {
			t.Errorf("%s %q: verdict %s/%s, ReplyFrom %s/%s", tc.site, tc.text, class, reason, r.Class, r.Reason)
		}
	}
}
