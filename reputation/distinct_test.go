package reputation

import (
	"context"
	"testing"
	"time"

	"sluice/queue"
	"sluice/tracking/events"
)

// TestReplayedReturnsCountOnce: a recipient replaying its own bounce or
// complaint hundreds of times is one hard bounce, one complaint; the
// same number of distinct recipients' returns pauses. Before the fix 500
// copies of one bounce paused the tenant (each counted).
func TestReplayedReturnsCountOnce(t *testing.T) {
	t.Parallel()
	for _, kind := range []struct {
		ev     events.Kind
		reason string
	}{{events.KindBounce, "hard_invalid_recipient"}, {events.KindComplaint, "complaint"}} {
		f := newFixture(t, Config{}, domains("yahoo.com"))
		ctx := context.Background()
		if at := f.send("t", "", 1, 2000, 0, 0, 0); at != 0 {
			t.Fatalf("paused by deliveries alone at %d", at)
		}
		for i := 0; i < 500; i++ {
			f.g.Observe(ctx, events.Event{Kind: kind.ev, Tenant: "t", Message: 7, Rcpt: 0, Reason: kind.reason})
		}
		if f.paused("t") {
			t.Fatalf("%s: 500 copies of one recipient's return paused the tenant", kind.ev)
		}
		for m := uint64(100); m < 400; m++ {
			f.g.Observe(ctx, events.Event{Kind: kind.ev, Tenant: "t", Message: m, Rcpt: 1, Reason: kind.reason})
		}
		if !f.paused("t") {
			t.Fatalf("%s: 300 distinct recipients of 2000 did not pause", kind.ev)
		}
	}
}

// TestReturnsCountOncePerMailbox (N3): one mailbox's hard bounces and
// complaints, arriving through several copies (several messages, the
// address in several spellings), count once per tenant per time window;
// another tenant's, or another mailbox's, count on their own; after the
// window the mailbox counts again. Blocks stay per message. Before the
// fix five copies were five hard bounces.
func TestReturnsCountOncePerMailbox(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{}, domains("yahoo.com")) // a receiver with a feedback loop: complaints count
	spellings := []string{"dup@r.test", "DUP@r.test", "dup@R.TEST.", "Dup+1@r.test", "dup+news@r.test"}
	f.g.d.Addresses = func(msg uint64, _ uint32) (string, bool) {
		if msg >= 100 && msg < 200 {
			return spellings[msg%uint64(len(spellings))], true
		}
		return "", false
	}
	ctx := context.Background()
	hard := func(tenant string) uint32 { return f.g.Status(tenant).Windows[1].HardBounces }
	windows := func(tenant string) Window { return f.g.Status(tenant).Windows[1] }
	for m := uint64(100); m < 105; m++ {
		f.g.Observe(ctx, events.Event{Kind: events.KindBounce, Tenant: "t", Message: m, Reason: "hard_invalid_recipient"})
		f.g.Observe(ctx, events.Event{Kind: events.KindComplaint, Tenant: "t", Message: m, Reason: "complaint"})
		f.g.Observe(ctx, events.Event{Kind: events.KindFailed, Tenant: "t", Message: m + 50, Class: "hard_invalid_recipient"})
		f.g.Observe(ctx, events.Event{Kind: events.KindFailed, Tenant: "t", Message: m + 60, Class: "policy_blocked"})
	}
	w := windows("t")
	if w.HardBounces != 1 || w.Complaints != 1 {
		t.Errorf("one mailbox through 5 copies: %d hard bounces, %d complaints; want 1 and 1", w.HardBounces, w.Complaints)
	}
	if w.Blocks != 5 {
		t.Errorf("blocks %d, want 5 (one per message)", w.Blocks)
	}
	// Unknown addresses (directory entry gone) still count per recipient.
	f.g.Observe(ctx, events.Event{Kind: events.KindBounce, Tenant: "t", Message: 7, Reason: "hard_invalid_recipient"})
	f.g.Observe(ctx, events.Event{Kind: events.KindBounce, Tenant: "t", Message: 8, Reason: "hard_invalid_recipient"})
	if got := hard("t"); got != 3 {
		t.Errorf("two unknown recipients: hard %d, want 3", got)
	}
	// Another tenant's list is its own.
	f.g.Observe(ctx, events.Event{Kind: events.KindBounce, Tenant: "u", Message: 101, Rcpt: 1, Reason: "hard_invalid_recipient"})
	if got := hard("u"); got != 1 {
		t.Errorf("tenant u: hard %d, want 1", got)
	}
	// After the time window the mailbox counts again.
	f.clk.Add(25 * time.Hour)
	f.g.Observe(ctx, events.Event{Kind: events.KindBounce, Tenant: "t", Message: 110, Reason: "hard_invalid_recipient"})
	f.g.Observe(ctx, events.Event{Kind: events.KindBounce, Tenant: "t", Message: 111, Reason: "hard_invalid_recipient"})
	if got := hard("t"); got != 1 {
		t.Errorf("a day later: hard %d in the time window, want 1", got)
	}
}

// TestDirectoryAddresser: the spool's recipient directory gives the
// guard a queued recipient's address, and nothing for an unknown one.
func TestDirectoryAddresser(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{}, domains("r.test"))
	id := f.spool.NewID()
	err := f.spool.Enqueue(context.Background(), &queue.Message{ID: id, Tenant: "t", From: "a@s.test",
		Rcpts: []string{"one@r.test", "DUP@R.test"}, Created: f.clk.Now(), Body: []byte("Subject: x\r\n\r\nx\r\n")})
	if err != nil {
		t.Fatal(err)
	}
	a := DirectoryAddresser(f.spool)
	if got, ok := a(uint64(id), 1); !ok || got != "DUP@R.test" {
		t.Errorf("recipient 1: %q %v", got, ok)
	}
	if got, ok := a(uint64(id), 7); ok {
		t.Errorf("unknown recipient: %q %v", got, ok)
	}
}
