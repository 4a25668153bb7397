package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/queue"
	"sluice/tracking/events"
)

// TestSignedDelivery: every kind arrives in one signed batch, with the
// documented fields, and the signature verifies with an independent
// HMAC-SHA256 (and with Verify).
func TestSignedDelivery(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{
		Recipient: func(tenant string, msg uint64, rcpt uint32) string {
			if tenant == "acme" && msg == msgID(0) && rcpt == 0 {
				return "ann@example.com"
			}
			return ""
		},
	})
	kinds := []events.Kind{events.KindSent, events.KindDelivered, events.KindDeferred, events.KindFailed,
		events.KindBounce, events.KindComplaint, events.KindOpen, events.KindClick, events.KindUnsubscribe}
	var evs []events.Event
	for i, k := range kinds {
		ev := sent(0, k)
		ev.Time = t0.Add(time.Duration(i) * time.Second)
		ev.Campaign = "" // the store fills it in from the sent event
		if k == events.KindSent {
			ev.Campaign = "nov"
		}
		if k == events.KindClick {
			ev.Link = 3
		}
		if k == events.KindBounce {
			ev.Reason = "bad_mailbox"
		}
		evs = append(evs, ev)
	}
	f.record(evs...)
	f.start()
	reqs := rc.waitRequests(t, 1)
	r := reqs[0]
	verifyIndependently(t, secret, r, f.cfg.Now())
	if err := Verify([]byte(secret), r.header.Get(SignatureHeader), r.body, f.cfg.Now(), 5*time.Minute); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if ct, ua := r.header.Get("Content-Type"), r.header.Get("User-Agent"); ct != "application/json" || ua != userAgent {
		t.Errorf("Content-Type %q, User-Agent %q", ct, ua)
	}
	got := decode(t, r.body)
	if len(got) != len(kinds) {
		t.Fatalf("got %d events, want %d: %s", len(got), len(kinds), r.body)
	}
	ids := map[string]bool{}
	for i, ev := range got {
		if ev.Kind != string(kinds[i]) {
			t.Errorf("event %d: kind %q, want %q (order)", i, ev.Kind, kinds[i])
		}
		if len(ev.ID) != 32 || ids[ev.ID] {
			t.Errorf("event %d: id %q not 32 hex digits or not unique", i, ev.ID)
		}
		ids[ev.ID] = true
		if want := t0.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano); ev.Time != want {
			t.Errorf("event %d: time %q, want %q", i, ev.Time, want)
		}
		if ev.Tenant != "acme" || ev.Campaign != "nov" || ev.MessageID != queue.ID(msgID(0)).String() || ev.Rcpt != 0 {
			t.Errorf("event %d: %+v", i, ev)
		}
		if ev.Recipient != "ann@example.com" {
			t.Errorf("event %d: recipient %q", i, ev.Recipient)
		}
		if (ev.Link != nil) != (ev.Kind == "click") || (ev.Link != nil && *ev.Link != 3) {
			t.Errorf("event %d (%s): link %v", i, ev.Kind, ev.Link)
		}
	}
	if got[4].Reason != "bad_mailbox" {
		t.Errorf("bounce reason %q", got[4].Reason)
	}
	if !strings.Contains(string(r.body), `"machine":false`) || !strings.Contains(string(r.body), `"proxy":""`) {
		t.Errorf("machine and proxy must always be present: %s", r.body)
	}
	waitFor(t, "delivery", func() bool { m := f.metrics("acme"); return m.Pending == 0 && m.Sent == uint64(len(kinds)) })
	if m := f.metrics("acme"); m.Sent != uint64(len(kinds)) || m.Requests != 1 || m.Failed != 0 {
		t.Errorf("metrics %+v", m)
	}
}

// TestMachineAndHumanDistinguishable: human and machine opens and clicks
// keep their Machine flag, reason, proxy and classes in the payload.
func TestMachineAndHumanDistinguishable(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	human := sent(1, events.KindOpen)
	human.IP, human.UAClass = "198.51.100.0/24", "browser"
	proxy := sent(2, events.KindOpen)
	proxy.Machine, proxy.Reason, proxy.Proxy, proxy.UAClass, proxy.IP = true, "apple_mpp", "apple", "apple_proxy", "17.58.0.0/24"
	scanner := sent(3, events.KindClick)
	scanner.Machine, scanner.Reason, scanner.UAClass, scanner.Link = true, "scanner_agent", "scanner", 1
	click := sent(4, events.KindClick)
	click.UAClass = "browser"
	f.record(human, proxy, scanner, click)
	f.start()
	got := decode(t, rc.waitRequests(t, 1)[0].body)
	want := []struct {
		machine                    bool
		reason, proxy, uaClass, ip string
	}{
		{false, "", "", "browser", "198.51.100.0/24"},
		{true, "apple_mpp", "apple", "apple_proxy", "17.58.0.0/24"},
		{true, "scanner_agent", "", "scanner", ""},
		{false, "", "", "browser", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events", len(got))
	}
	for i, w := range want {
		g := got[i]
		if g.Machine != w.machine || g.Reason != w.reason || g.Proxy != w.proxy || g.UAClass != w.uaClass || g.IP != w.ip {
			t.Errorf("event %d: %+v, want %+v", i, g, w)
		}
	}
}

// TestAnonymousNeverSent: DNT/GPC events are not queued, let alone sent.
func TestAnonymousNeverSent(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	anon := events.Event{Kind: events.KindOpen, Tenant: "acme", Anonymous: true, Machine: true}
	anonClick := events.Event{Kind: events.KindClick, Tenant: "acme", Anonymous: true}
	f.record(anon, anonClick)
	if m := f.metrics("acme"); m.Pending != 0 {
		t.Fatalf("anonymous events queued: %+v", m)
	}
	f.record(anon, sent(7, events.KindOpen), anonClick)
	f.start()
	got := decode(t, rc.waitRequests(t, 1)[0].body)
	if len(got) != 1 || got[0].MessageID != queue.ID(msgID(7)).String() {
		t.Fatalf("got %+v, want only the stored open", got)
	}
	waitFor(t, "delivery", func() bool { m := f.metrics("acme"); return m.Pending == 0 && m.Sent == uint64(1) })
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// TestOnlyConfiguredTenantsAndKinds: a tenant without a webhook gets
// nothing in the outbox, and a kinds filter keeps the other kinds out.
func TestOnlyConfiguredTenantsAndKinds(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	ep := endpoint(rc.url(), events.KindClick, events.KindBounce)
	f := newFixture(t, []Endpoint{ep}, Config{})
	other := sent(1, events.KindClick)
	other.Tenant = "globex"
	f.record(other, sent(2, events.KindOpen), sent(3, events.KindClick), sent(4, events.KindBounce), sent(5, events.KindSent))
	if m := f.metrics("acme"); m.Pending != 2 {
		t.Fatalf("acme pending %d, want 2 (click, bounce)", m.Pending)
	}
	err := f.store.View(func(tx *events.Tx) error {
		if b := queueBucket(tx, "globex"); b != nil {
			k, _ := b.Cursor().First()
			t.Errorf("globex has an outbox queue (first key %x)", k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.start()
	got := decode(t, rc.waitRequests(t, 1)[0].body)
	if len(got) != 2 || got[0].Kind != "click" || got[1].Kind != "bounce" {
		t.Fatalf("got %+v", got)
	}
}

// TestRetryAfter500ThenDelivers: 500s are retried with growing, jittered
// waits; the retried batch carries the same ids, and nothing is deleted
// before the 2xx.
func TestRetryAfter500ThenDelivers(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 3 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{RetryFirst: time.Second, RetryMax: 10 * time.Minute})
	f.record(sent(1, events.KindSent), sent(2, events.KindDelivered))
	f.start()
	reqs := rc.waitRequests(t, 4)
	waitFor(t, "delivery", func() bool { m := f.metrics("acme"); return m.Pending == 0 && m.Sent == uint64(2) })
	first := decode(t, reqs[0].body)
	for _, r := range reqs[1:4] {
		verifyIndependently(t, secret, r, f.cfg.Now())
		again := decode(t, r.body)
		if len(again) != 2 || again[0].ID != first[0].ID || again[1].ID != first[1].ID {
			t.Fatalf("retry changed the batch: %+v vs %+v", again, first)
		}
	}
	waits := f.sleep.recorded()
	if len(waits) != 3 {
		t.Fatalf("waits %v, want 3", waits)
	}
	for i, w := range waits {
		hi := time.Second << i
		if w < hi/2 || w > hi {
			t.Errorf("wait %d = %v, want in [%v, %v]", i, w, hi/2, hi)
		}
	}
	if m := f.metrics("acme"); m.Sent != 2 || m.Failed != 3 || m.Requests != 4 {
		t.Errorf("metrics %+v", m)
	}
	if n := len(rc.requests()); n != 4 {
		t.Errorf("%d requests after delivery, want 4", n)
	}
}

// TestRetryAfterHonoured: 429 and 503 with Retry-After wait what the
// endpoint asked, bounded by RetryFirst and RetryMax.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	now := t0
	cases := []struct {
		name   string
		status int
		value  string
		want   time.Duration
	}{
		{"seconds", http.StatusTooManyRequests, "7", 7 * time.Second},
		{"http date", http.StatusServiceUnavailable, now.Add(90 * time.Second).UTC().Format(http.TimeFormat), 90 * time.Second},
		{"capped", http.StatusTooManyRequests, "86400", time.Hour},
		{"floored", http.StatusTooManyRequests, "0", 2 * time.Second},
		{"garbage", http.StatusTooManyRequests, "soon", 0}, // backoff instead
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 0 {
					w.Header().Set("Retry-After", tc.value)
					w.WriteHeader(tc.status)
					return
				}
				w.WriteHeader(http.StatusOK)
			})
			f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{
				RetryFirst: 2 * time.Second, RetryMax: time.Hour,
				Now: func() time.Time { return now },
			})
			f.record(sent(1, events.KindOpen))
			f.start()
			rc.waitRequests(t, 2)
			waits := f.sleep.recorded()
			if len(waits) != 1 {
				t.Fatalf("waits %v", waits)
			}
			if tc.want == 0 {
				if waits[0] < time.Second || waits[0] > 2*time.Second {
					t.Fatalf("wait %v, want the first backoff", waits[0])
				}
				return
			}
			// An HTTP date has a resolution of a second.
			if d := waits[0] - tc.want; d < -time.Second || d > time.Second {
				t.Fatalf("wait %v, want %v", waits[0], tc.want)
			}
		})
	}
}

// TestRedirectNotFollowed: a 302 is a failed attempt; the target never
// sees a request and the batch stays queued.
func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	target := newReceiver(t, nil)
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.url(), http.StatusFound)
	})
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	f.sleep.free = 1 // the second retry waits until the end
	f.record(sent(1, events.KindOpen))
	f.start()
	rc.waitRequests(t, 2)
	waitFor(t, "the second failure", func() bool { return f.metrics("acme").Failed == 2 })
	f.stop()
	if n := len(target.requests()); n != 0 {
		t.Fatalf("redirect followed: the target got %d requests", n)
	}
	if m := f.metrics("acme"); m.Pending != 1 || m.Sent != 0 {
		t.Fatalf("metrics %+v: the event must stay queued", m)
	}
}

// TestOtherClientErrorsRetried: a 401 (say, a rotated secret) is retried
// like a 5xx rather than losing the batch.
func TestOtherClientErrorsRetried(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	f.record(sent(1, events.KindClick))
	f.start()
	reqs := rc.waitRequests(t, 2)
	if a, b := decode(t, reqs[0].body), decode(t, reqs[1].body); len(b) != 1 || a[0].ID != b[0].ID {
		t.Fatalf("retry after 401: %+v, %+v", a, b)
	}
	waitFor(t, "delivery", func() bool { m := f.metrics("acme"); return m.Sent == 1 && m.Pending == 0 })
}

// TestOrderPreservedOneInFlight: events of several batches arrive in the
// order they were stored, never two requests at once, even with failures
// in between.
func TestOrderPreservedOneInFlight(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n%3 == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{BatchSize: 40})
	const total = 250
	f.start()
	for i := 0; i < total; i += 50 { // recorded while the dispatcher runs
		var evs []events.Event
		for j := i; j < i+50; j++ {
			evs = append(evs, sent(j, events.KindDelivered))
		}
		f.record(evs...)
	}
	waitFor(t, "every event", func() bool { m := f.metrics("acme"); return m.Sent == total && m.Pending == 0 })
	reqs := rc.requests()
	got := eventsOf(t, reqs, func(n int) bool { return n%3 != 1 })
	if len(got) != total {
		t.Fatalf("delivered %d events, want %d", len(got), total)
	}
	for i, ev := range got {
		if ev.MessageID != queue.ID(msgID(i)).String() {
			t.Fatalf("event %d is message %s, want %s: order lost", i, ev.MessageID, queue.ID(msgID(i)).String())
		}
	}
	for _, r := range reqs {
		if len(decode(t, r.body)) > 40 {
			t.Fatal("batch larger than BatchSize")
		}
	}
	rc.mu.Lock()
	maxIn := rc.maxIn
	rc.mu.Unlock()
	if maxIn != 1 {
		t.Fatalf("%d requests in flight at once, want 1", maxIn)
	}
}

// TestDurableAcrossRestart: events committed while the dispatcher is
// stopped (or failing) survive closing the store, and are delivered with
// the same ids after it is reopened.
func TestDurableAcrossRestart(t *testing.T) {
	t.Parallel()
	up := make(chan struct{})
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		select {
		case <-up:
			w.WriteHeader(http.StatusOK)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	f.sleep.free = 0 // after a failure, wait until stopped
	f.record(sent(1, events.KindSent), sent(2, events.KindDelivered))
	f.start()
	failed := decode(t, rc.waitRequests(t, 1)[0].body)
	f.stop()
	f.record(sent(3, events.KindOpen)) // committed with no dispatcher running
	f.close()

	close(up)
	f.sleep = &sleeper{free: 1 << 20}
	f.open()
	if m := f.metrics("acme"); m.Pending != 3 {
		t.Fatalf("after reopening: %d pending, want 3", m.Pending)
	}
	f.start()
	waitFor(t, "delivery after the restart", func() bool { return f.metrics("acme").Pending == 0 })
	reqs := rc.requests()
	got := eventsOf(t, reqs, func(n int) bool { return n > 0 })
	if len(got) != 3 || got[0].ID != failed[0].ID || got[1].ID != failed[1].ID || got[2].MessageID != queue.ID(msgID(3)).String() {
		t.Fatalf("after restart got %+v; first attempt had %+v", got, failed)
	}
	if got[2].ID[:16] != got[0].ID[:16] || got[2].ID == got[1].ID {
		t.Errorf("ids %s, %s, %s: want one prefix, distinct sequence numbers", got[0].ID, got[1].ID, got[2].ID)
	}
}

// TestExpiredDropped: entries older than MaxAge are dropped and counted,
// never sent.
func TestExpiredDropped(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	later := t0
	f := &fixture{t: t, eps: []Endpoint{endpoint(rc.url())}, sleep: &sleeper{free: 1 << 20}}
	f.path = t.TempDir() + "/events.db"
	f.now = func() time.Time { return later.Add(-73 * time.Hour) } // queued 73h ago
	f.cfg = Config{MaxAge: 72 * time.Hour, Now: func() time.Time { return later }}
	f.open()
	t.Cleanup(f.close)
	f.record(sent(1, events.KindOpen), sent(2, events.KindClick))
	if m := f.metrics("acme"); m.Pending != 2 || !m.Oldest.Equal(later.Add(-73*time.Hour)) {
		t.Fatalf("metrics %+v", m)
	}
	f.start()
	waitFor(t, "expiry", func() bool { return f.metrics("acme").Expired == 2 })
	if m := f.metrics("acme"); m.Pending != 0 || m.Sent != 0 {
		t.Fatalf("metrics %+v", m)
	}
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("%d requests for expired events", n)
	}
}

// TestTooLargeHalvesBatch: 413 halves the batch, without a pause, until
// the endpoint takes it; a single (small) event refused with 413 is
// retried with the backoff and counted as failed, not dropped; every
// event arrives, in order.
func TestTooLargeHalvesBatch(t *testing.T) {
	t.Parallel()
	var singles atomic.Int32
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p Payload
		_ = json.Unmarshal(body, &p)
		huge := strings.Contains(string(body), "huge-campaign")
		if len(p.Events) > 3 || huge && (len(p.Events) > 1 || singles.Add(1) <= 2) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{BatchSize: 16, RetryFirst: time.Second})
	huge := sent(99, events.KindBounce)
	huge.Campaign = "huge-campaign"
	var evs []events.Event
	for i := range 12 {
		evs = append(evs, sent(i, events.KindDelivered))
	}
	evs = append(evs, huge, sent(12, events.KindDelivered))
	f.record(evs...)
	f.start()
	waitFor(t, "delivery", func() bool { m := f.metrics("acme"); return m.Pending == 0 && m.Sent == uint64(14) })
	if m := f.metrics("acme"); m.Sent != 14 || m.Rejected != 0 || m.Failed != 2 {
		t.Fatalf("metrics %+v: want 14 sent, none rejected, 2 failed (the single event's 413s)", m)
	}
	// Only the single event's two 413s paused, with the backoff.
	waits := f.sleep.recorded()
	if len(waits) != 2 || waits[0] < 500*time.Millisecond || waits[0] > time.Second || waits[1] < time.Second || waits[1] > 2*time.Second {
		t.Fatalf("waits %v, want two backoffs (halving does not wait)", waits)
	}
	var got []Event
	for _, r := range rc.requests() {
		if evs := decode(t, r.body); len(evs) <= 3 && (len(evs) == 1 || !strings.Contains(string(r.body), "huge-campaign")) {
			got = append(got, evs...)
		}
	}
	got = slices.CompactFunc(got, func(a, b Event) bool { return a.ID == b.ID }) // the single event's retries
	want := append(evs[:12:12], huge, evs[13])
	if len(got) != len(want) {
		t.Fatalf("delivered %d events, want %d", len(got), len(want))
	}
	for i, ev := range got {
		if ev.MessageID != queue.ID(want[i].Message).String() {
			t.Fatalf("event %d is %s: order lost", i, ev.MessageID)
		}
	}
}

// TestTooLargeEverywhereKeepsQueue: an endpoint (a proxy, a WAF) that
// answers 413 to everything gets halved batches down to one event, then
// backed-off retries; nothing is dropped.
func TestTooLargeEverywhereKeepsQueue(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	})
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{RetryFirst: time.Second})
	f.sleep.free = 3 // the fourth wait blocks until the dispatcher stops
	f.record(sent(1, events.KindOpen), sent(2, events.KindOpen), sent(3, events.KindOpen), sent(4, events.KindOpen), sent(5, events.KindOpen))
	f.start()
	waitFor(t, "the fourth backoff", func() bool { return len(f.sleep.recorded()) == 4 })
	reqs := rc.requests()
	var sizes []int
	for _, r := range reqs {
		sizes = append(sizes, len(decode(t, r.body)))
	}
	if fmt.Sprint(sizes) != "[5 2 1 1 1 1]" {
		t.Errorf("batch sizes %v, want [5 2 1 1 1 1]", sizes)
	}
	if m := f.metrics("acme"); m.Pending != 5 || m.Rejected != 0 || m.Sent != 0 || m.Failed != 4 {
		t.Fatalf("metrics %+v: want 5 pending, none rejected, 4 failed", m)
	}
}

// TestTooLargeHugeEventDropped: a single event whose body is over 64 KiB
// (here: an absurd recipient address) refused with 413 is dropped, counted
// as rejected, without a pause; the others arrive.
func TestTooLargeHugeEventDropped(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if body, _ := io.ReadAll(r.Body); len(body) > maxEventBody {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{Recipient: func(_ string, msg uint64, _ uint32) string {
		if msg == msgID(99) {
			return strings.Repeat("a", maxEventBody) + "@example.test"
		}
		return "ann@example.test"
	}})
	f.record(sent(1, events.KindOpen), sent(99, events.KindOpen), sent(2, events.KindOpen))
	f.start()
	waitFor(t, "delivery", func() bool { m := f.metrics("acme"); return m.Pending == 0 && m.Sent == 2 })
	if m := f.metrics("acme"); m.Rejected != 1 || m.Failed != 0 {
		t.Fatalf("metrics %+v: want 1 rejected, no failure", m)
	}
	if waits := f.sleep.recorded(); len(waits) != 0 {
		t.Fatalf("waits %v, want none", waits)
	}
	var ids []string
	for _, r := range rc.requests() {
		if len(r.body) <= maxEventBody { // answered 200
			for _, ev := range decode(t, r.body) {
				ids = append(ids, ev.MessageID)
			}
		}
	}
	if want := queue.ID(msgID(1)).String() + "," + queue.ID(msgID(2)).String(); strings.Join(ids, ",") != want {
		t.Fatalf("delivered %v, want %s", ids, want)
	}
}

// TestShutdownAbandonsInFlight: cancelling Run ends a request in flight at
// once; its batch stays queued.
func TestShutdownAbandonsInFlight(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
	})
	defer close(release)
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{Timeout: time.Hour})
	f.record(sent(1, events.KindOpen))
	f.start()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("no request")
	}
	f.stop() // fails the test if Run does not return
	if m := f.metrics("acme"); m.Pending != 1 || m.Sent != 0 {
		t.Fatalf("metrics %+v", m)
	}
}

// TestRemovedWebhookDropsItsOutbox: at start, the queue of a tenant whose
// webhook was removed from the configuration is deleted and counted.
func TestRemovedWebhookDropsItsOutbox(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	f.record(sent(1, events.KindOpen), sent(2, events.KindOpen))
	f.close()
	f.eps = []Endpoint{{Tenant: "globex", URL: rc.url(), Secret: []byte(secret)}}
	f.open()
	f.start()
	waitFor(t, "the removal", func() bool { return f.disp.Metrics().Removed == 2 })
	err := f.store.View(func(tx *events.Tx) error {
		if queueBucket(tx, "acme") != nil {
			t.Error("acme's queue is still there")
		}
		if _, ok := getState(tx, "acme"); ok {
			t.Error("acme's state is still there")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRunTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, Config{})
	f.start()
	waitFor(t, "the first Run", f.disp.started.Load)
	if err := f.disp.Run(context.Background()); err == nil {
		t.Fatalf("second Run: %v", err)
	}
}

// TestCorruptEntriesSkipped: an unreadable value (even alone at the head)
// or record is dropped and counted; the entries around it are delivered
// in order.
func TestCorruptEntriesSkipped(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	put := func(values ...[]byte) {
		t.Helper()
		err := f.store.Update(func(tx *events.Tx) error {
			if err := f.out.put(tx, "acme", nil, 0); err != nil { // creates the queue
				return err
			}
			q := queueBucket(tx, "acme")
			st, _ := getState(tx, "acme")
			for _, v := range values {
				seq, _ := q.NextSequence()
				if err := q.Put(seqKey(seq), v); err != nil {
					return err
				}
				if n, _, _, err := header(v); err == nil {
					st.appended += uint64(n)
				}
			}
			return putState(tx, "acme", &st)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put([]byte{9, 9, 9}) // a value whose header does not parse, alone
	f.start()
	waitFor(t, "the bad value to be dropped", func() bool { return f.metrics("acme").Rejected == 1 })

	good := newValue(t0.UnixNano(), 2)
	ev := sent(2, events.KindOpen)
	good, _ = appendRecord(good, nil, &ev)
	good = append(good, 3, 0xFF, 0xFF, 0xFF) // a record that does not decode
	setCount(good, 2)
	put(good)
	f.record(sent(3, events.KindOpen)) // wakes the sender
	waitFor(t, "delivery", func() bool { m := f.metrics("acme"); return m.Pending == 0 && m.Sent == 2 })
	got := eventsOf(t, rc.requests(), func(int) bool { return true })
	var ids []string
	for _, ev := range got {
		ids = append(ids, ev.MessageID)
	}
	want := []string{queue.ID(msgID(2)).String(), queue.ID(msgID(3)).String()}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("delivered %v, want %v", ids, want)
	}
	if m := f.metrics("acme"); m.Rejected != 2 {
		t.Fatalf("metrics %+v: want 2 rejected (a value, a record)", m)
	}
}

// TestRequestTimeout: an endpoint that does not answer within
// Config.Timeout counts as a failure and the batch is tried again.
func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			<-r.Context().Done() // hang until the client gives up
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{Timeout: 200 * time.Millisecond})
	f.record(sent(1, events.KindOpen))
	f.start()
	waitFor(t, "the event delivered on the second try", func() bool { return f.metrics("acme").Sent == 1 })
	if m := f.metrics("acme"); m.Failed != 1 || m.Requests != 2 {
		t.Fatalf("metrics %+v, want 1 failed request then 1 delivered", m)
	}
}

// TestErrorsHideCredentials: an endpoint URL with a password or a key in
// its query never puts them in a log line, even when the POST fails
// (net/http masks the password in its errors, not the query).
func TestErrorsHideCredentials(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every POST fails to connect
	var logs syncBuffer
	f := newFixture(t, []Endpoint{endpoint("http://user:s3cret-pw@" + addr + "/hooks?key=s3cret-key")},
		Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	f.record(sent(1, events.KindOpen))
	f.start()
	waitFor(t, "a failed request", func() bool { return f.metrics("acme").Failed >= 1 })
	f.stop()
	if out := logs.String(); out == "" || strings.Contains(out, "s3cret") {
		t.Fatalf("log (must name the failure, not the credentials):\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
