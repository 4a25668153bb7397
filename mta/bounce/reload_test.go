package bounce

import (
	"sync"
	"testing"
)

// TestSetOptionsSwapsOperatorRules: a reload's rules decide from the next
// classification (an override added, changed, removed), a set with an
// invalid rule is refused whole and the rules in force stay, and
// classifications running alongside a swap see one set or the other
// (run with -race).
func TestSetOptionsSwapsOperatorRules(t *testing.T) {
	t.Parallel()
	const reply = "550 5.7.1 Mailbox frozen by policy"
	classify := func(c *Classifier) Result {
		code, enh, text := ParseReply(reply)
		return c.ReplyFrom("mx.example.net", code, enh, text)
	}
	c, err := NewWithOptions(Options{})
	if err != nil {
		t.Fatal(err)
	}
	builtin := classify(c)
	if builtin.Rule == "op:frozen" {
		t.Fatalf("no operator rule yet, got %+v", builtin)
	}

	frozen := Options{Rules: []Rule{{Name: "frozen", Pattern: "mailbox frozen", Class: HardInvalidRecipient}}}
	if err := c.SetOptions(frozen); err != nil {
		t.Fatal(err)
	}
	if got := classify(c); got.Class != HardInvalidRecipient || got.Rule != "op:frozen" || !got.Hard {
		t.Fatalf("after the override: %+v, want hard_invalid_recipient by op:frozen", got)
	}

	bad := Options{Rules: []Rule{{Name: "frozen", Pattern: "mailbox frozen", Class: SoftMailboxFull}, {Name: "broken", Pattern: "("}}}
	if err := c.SetOptions(bad); err == nil {
		t.Fatal("a set with a bad pattern was accepted")
	}
	if got := classify(c); got.Rule != "op:frozen" || got.Class != HardInvalidRecipient {
		t.Fatalf("a refused set changed the rules: %+v", got)
	}

	if err := c.SetOptions(Options{}); err != nil {
		t.Fatal(err)
	}
	if got := classify(c); got.Rule != builtin.Rule || got.Class != builtin.Class {
		t.Fatalf("rules removed: %+v, want the built-in verdict %+v", got, builtin)
	}

	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 300 {
				if got := classify(c); got.Rule != "op:frozen" && got.Rule != builtin.Rule {
					t.Errorf("during swaps: %+v", got)
					return
				}
			}
		}()
	}
	for i := range 200 {
		if err := c.SetOptions([]Options{frozen, {}}[i%2]); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
}
