package delivery

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/mta/mtatest"
	"sluice/queue"
)

// slowSite is a receiver that takes one message per 1/rate seconds (its
// processing time) and records when each recipient arrived.
type slowSite struct {
	sink *mtatest.Sink
	mu   sync.Mutex
	at   map[string]time.Time
	seq  []string // recipients in arrival order
}

func newSlowSite(t testing.TB, rate float64) *slowSite {
	t.Helper()
	s := &slowSite{at: map[string]time.Time{}}
	per := time.Duration(float64(time.Second) / rate)
	s.sink = mtatest.NewSink(t, mtatest.SinkOptions{Data: func(r mtatest.Received) error {
		time.Sleep(per) // the receiver's own pace, not a wait for the test
		s.mu.Lock()
		for _, to := range r.To {
			s.at[to] = time.Now()
			s.seq = append(s.seq, to)
		}
		s.mu.Unlock()
		return nil
	}})
	return s
}

func (s *slowSite) arrived(rcpt string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.at[rcpt]
	return at, ok
}

func (s *slowSite) order() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seq...)
}

// enqueueClassMany queues n one-recipient messages of stream and priority
// in batched writes.
func (h *harness) enqueueClassMany(n int, st queue.Stream, p queue.Priority, rcpt func(i int) string) {
	h.t.Helper()
	const batch = 500
	for start := 0; start < n; start += batch {
		var ms []*queue.Message
		for i := start; i < min(n, start+batch); i++ {
			to := rcpt(i)
			ms = append(ms, &queue.Message{
				ID: h.store.NewID(), Tenant: "acme", From: "news@acme.example", Rcpts: []string{to},
				Stream: st, Priority: p, Created: h.clk.Now(),
				Body: fmt.Appendf(nil, "From: news@acme.example\r\nTo: %s\r\n\r\nbody\r\n", to),
			})
		}
		if err := h.store.Enqueue(context.Background(), ms...); err != nil {
			h.t.Fatal(err)
		}
	}
}

// TestTransactionalFirstAtSlowSite is issue 16's test, scaled down to run
// in seconds (bench/prio.sh runs the full shape): 1,000 marketing
// messages queued to a slow site (one connection, 200 messages/s), then,
// once that backlog is draining, 50 transactional ones, due after all of
// it. Each transactional message goes ahead of the marketing backlog (in
// due order it would wait behind ~900 of them, ~4 s at the site's pace),
// and the marketing backlog still drains completely.
//
// Both are judged in deliveries, not seconds, so that a loaded machine
// (the race detector, other packages' tests on two cores) slows the test
// without failing it: at most transactionalLead marketing messages reach
// the site between a transactional message's queueing and its delivery
// (20: 0.1 s at the site's pace, well within the 2 s), and the
// drain must make progress in every drainStall window. The scheduler's
// backstop wait for room (Config.roomWait) is set far beyond that window,
// so a missed wake-up or a claim that stops early shows as a stall here
// rather than as a drain that only limps on once a second.
func TestTransactionalFirstAtSlowSite(t *testing.T) {
	t.Parallel()
	const marketing, transactional, rate = 1000, 50, 200
	// The marketing share of the site's ready queue (MaxPendingPerDomain,
	// 10 with one connection: claimed before the transactional mail was
	// queued; the next claim takes it), one take in StarveEvery (prio.go)
	// across the 50, and a margin: a bound of the engine's structure, not
	// of the machine's pace, and far below the ~900 that due order would
	// put ahead of them.
	const transactionalLead = 10 + transactional/queue.StarveEvery + 4
	site := newSlowSite(t, rate)
	h := newHarness(t, func(_ *harness, cfg *Config) {
		cfg.Routes = []Route{{Domain: "*", Host: site.sink.Addr()}}
		cfg.MaxConnsPerDest = 1
		cfg.roomWait = time.Hour // settlements and kicks must wake the scheduler
	})
	h.enqueueClassMany(marketing, queue.Marketing, queue.PriorityNormal, func(i int) string { return fmt.Sprintf("m%d@slow.test", i) })
	h.start()
	waitDrained(t, site, 100, drainStall) // the marketing backlog is draining

	h.advance(time.Second) // the transactional mail is due after all of the marketing
	submitted := map[string]time.Time{}
	queuedAt := map[string]int{} // deliveries at the site once it was queued
	for i := range transactional {
		to := fmt.Sprintf("t%d@slow.test", i)
		submitted[to] = time.Now()
		h.enqueue([]string{to}, func(m *queue.Message) { m.Stream = queue.Transactional })
		queuedAt[to] = len(site.order())
	}
	waitDrained(t, site, marketing+transactional, drainStall)
	order := site.order()
	var worst time.Duration
	lead, leadRcpt := 0, ""
	for i, to := range order {
		from, ok := queuedAt[to]
		if !ok {
			continue
		}
		n := 0
		for _, before := range order[from:i] {
			if strings.HasPrefix(before, "m") {
				n++
			}
		}
		if n > lead {
			lead, leadRcpt = n, to
		}
		at, _ := site.arrived(to)
		worst = max(worst, at.Sub(submitted[to]))
	}
	if lead > transactionalLead {
		t.Fatalf("%d marketing messages reached the site between %s's queueing and its delivery, want at most %d",
			lead, leadRcpt, transactionalLead)
	}
	t.Logf("at most %d marketing messages ahead of a transactional one; slowest: %v after submission", lead, worst)
}

// drainStall is the longest a backlog being delivered may go without a
// delivery: far beyond any pause a loaded machine makes, far below the
// scheduler's backstop when a test sets Config.roomWait to an hour.
const drainStall = 10 * time.Second

// waitDrained waits until want recipients reached site, failing if none
// arrived for stall (the first one included): progress per window, so the
// wait scales with the machine's pace and still fails when delivery
// stops. The failure names the deliveries per second, to tell a stall
// from a slow drain.
func waitDrained(t *testing.T, site *slowSite, want int, stall time.Duration) {
	t.Helper()
	last, lastAt := -1, time.Now()
	var perSecond []int
	tick := time.Now()
	for n := len(site.order()); n < want; n = len(site.order()) {
		now := time.Now()
		if n != last {
			last, lastAt = n, now
		}
		if now.Sub(tick) >= time.Second {
			perSecond, tick = append(perSecond, n), now
		}
		if now.Sub(lastAt) > stall {
			t.Fatalf("%d of %d delivered, none for %v: the backlog stopped draining (delivered by second: %v)",
				n, want, stall, perSecond)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLowPriorityAdvancesUnderLoad: the starvation rule. Marketing mail
// at low priority is due first; 400 transactional messages at high
// priority, due after it, keep the one-connection site busy throughout.
// Strict priority would send all 400 first; the rule sends a low one at
// least once in every queue.StarveEvery transactions at the destination,
// so the low mail is all delivered while most transactional is still
// waiting.
func TestLowPriorityAdvancesUnderLoad(t *testing.T) {
	t.Parallel()
	const low, high = 20, 400
	site := newSlowSite(t, 500)
	h := newHarness(t, func(_ *harness, cfg *Config) {
		cfg.Routes = []Route{{Domain: "*", Host: site.sink.Addr()}}
		cfg.MaxConnsPerDest = 1
		cfg.MaxPendingPerDomain = 100 // claims keep the high class queued throughout
	})
	h.enqueueClassMany(low, queue.Marketing, queue.PriorityLow, func(i int) string { return fmt.Sprintf("low%d@slow.test", i) })
	h.clk.Advance(time.Second)
	h.enqueueClassMany(high, queue.Transactional, queue.PriorityHigh, func(i int) string { return fmt.Sprintf("high%d@slow.test", i) })
	h.start()
	waitFor(t, "everything delivered", func() bool { n, _ := site.sink.Count(); return n == low+high })
	order := site.order()
	lastLow, highsBefore := -1, 0
	for i, to := range order {
		if strings.HasPrefix(to, "low") {
			lastLow = i
		}
	}
	for _, to := range order[:lastLow+1] {
		if strings.HasPrefix(to, "high") {
			highsBefore++
		}
	}
	// Every low one within 2 × StarveEvery transactions of the previous,
	// allowing for the first claim's high jobs queued ahead of them.
	if limit := 2 * queue.StarveEvery * low; highsBefore > limit {
		t.Fatalf("%d transactional messages went before the last low one, want at most %d", highsBefore, limit)
	}
	if order[0] == "low0@slow.test" && highsBefore == 0 {
		t.Fatalf("low priority went first: no priority at all")
	}
	t.Logf("last low-priority message at position %d of %d", lastLow+1, len(order))
}

// TestJobQueueOrder: a destination takes the highest class first, in
// arrival order within a class, and on every StarveEvery-th take the job
// that waited longest; a job put back keeps its place.
func TestJobQueueOrder(t *testing.T) {
	t.Parallel()
	var q jobQueue
	mk := func(c queue.Class, name string) *job {
		return &job{w: queue.Work{Class: c, Domain: name}}
	}
	q.push(mk(queue.ClassMarketingLow, "low0"))
	for i := range 10 {
		q.push(mk(queue.ClassTransactional, fmt.Sprintf("tx%d", i)))
	}
	q.push(mk(queue.ClassTransactionalHigh, "txhigh"))
	q.push(mk(queue.Class(200), "corrupt")) // read as the default class
	var got []string
	for j := q.pop(); j != nil; j = q.pop() {
		got = append(got, j.w.Domain)
		if j.w.Domain == "tx0" {
			q.pushFront(j) // taken, not sent: back at the head
			got = got[:len(got)-1]
			j = q.pop()
			got = append(got, j.w.Domain+"'")
		}
	}
	want := "txhigh tx0' tx1 tx2 tx3 tx4 low0 tx5 tx6 tx7 tx8 tx9 corrupt"
	if g := strings.Join(got, " "); g != want {
		t.Fatalf("took %s\nwant %s", g, want)
	}
	if q.len() != 0 {
		t.Fatalf("len %d after draining", q.len())
	}
}
