package shaping

import (
	"container/heap"
	"math/rand/v2"
	"testing"
	"time"
)

// The simulation: a sender whose workers follow the recipe in the package
// documentation (AcquireConn, ShedConn, Reserve, Observe, ReleaseConn)
// against a receiver that throttles above a connection count and a message
// rate, all on a simulated clock.

// simReceiver is the throttling sink MX: at most maxConns concurrent
// connections (421 on connect above that) and rate messages per second
// (451 4.7.0 above that), 0 meaning no limit. With noise, it also answers
// a share of connections (noiseConn) and of transactions (noiseTxn) with
// a 421 whatever the rate, as a node restarting or an overloaded front end
// does, drawn from rng.
type simReceiver struct {
	maxConns int
	rate     float64
	burst    float64

	noiseConn, noiseTxn float64
	rng                 *rand.Rand

	tokens   float64
	refilled time.Time
	open     int
	peakOpen int
}

func (r *simReceiver) connect() bool {
	if r.maxConns > 0 && r.open >= r.maxConns {
		return false
	}
	r.open++
	r.peakOpen = max(r.peakOpen, r.open)
	return true
}

// noise reports whether the next answer is a rate-independent 421, with
// probability share.
func (r *simReceiver) noise(share float64) bool {
	return share > 0 && r.rng.Float64() < share
}

func (r *simReceiver) accept(now time.Time) bool {
	if r.rate == 0 {
		return true
	}
	r.tokens = min(r.burst, r.tokens+now.Sub(r.refilled).Seconds()*r.rate)
	r.refilled = now
	if r.tokens >= 1 {
		r.tokens--
		return true
	}
	return false
}

type phase int

const (
	phaseIdle  phase = iota // no connection: try to open one
	phaseReady              // connected: start the next transaction
	phaseSend               // the reserved slot is due: send
)

type simWorker struct {
	key   Key
	recv  *simReceiver
	phase phase
	msgs  int // transactions on this connection
}

type simEvent struct {
	at time.Time
	w  *simWorker
}

type eventHeap []simEvent

func (h eventHeap) Len() int           { return len(h) }
func (h eventHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h eventHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)        { *h = append(*h, x.(simEvent)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// simCounts are outcomes per simulated second; throttled and
// connThrottled include the noise, counted again on its own.
type simCounts struct {
	delivered, throttled, connThrottled int
	noise                               int
}

type sim struct {
	t        *testing.T
	p        *Policy
	clock    *fakeClock
	events   eventHeap
	start    time.Time
	perSec   []simCounts
	connTime time.Duration // connect, greeting and EHLO
	txnTime  time.Duration // one transaction
	retry    time.Duration // an idle worker's wait for a slot
}

func newSim(t *testing.T, p *Policy, clock *fakeClock) *sim {
	return &sim{t: t, p: p, clock: clock, start: clock.Now(),
		connTime: 30 * time.Millisecond, txnTime: 50 * time.Millisecond, retry: 100 * time.Millisecond}
}

func (s *sim) add(w *simWorker) { heap.Push(&s.events, simEvent{at: s.clock.Now(), w: w}) }

func (s *sim) at(d time.Duration, w *simWorker) {
	heap.Push(&s.events, simEvent{at: s.clock.Now().Add(d), w: w})
}

func (s *sim) count() *simCounts {
	sec := int(s.clock.Now().Sub(s.start) / time.Second)
	for len(s.perSec) <= sec {
		s.perSec = append(s.perSec, simCounts{})
	}
	return &s.perSec[sec]
}

// run processes events until the clock reaches until.
func (s *sim) run(until time.Time) {
	for s.events.Len() > 0 && s.events[0].at.Before(until) {
		ev := heap.Pop(&s.events).(simEvent)
		s.clock.Set(ev.at)
		s.step(ev.w)
	}
	s.clock.Set(until)
}

func (s *sim) step(w *simWorker) {
	p, k := s.p, w.key
	switch w.phase {
	case phaseIdle:
		if !p.AcquireConn(k) {
			s.at(s.retry, w)
			return
		}
		if w.recv.noise(w.recv.noiseConn) {
			p.ReleaseConn(k)
			p.Observe(k, ConnThrottled, "421 4.7.0 busy, try again later")
			c := s.count()
			c.connThrottled++
			c.noise++
			s.at(time.Second, w)
			return
		}
		if !w.recv.connect() {
			p.ReleaseConn(k)
			p.Observe(k, ConnThrottled, "421 4.7.0 Error: too many connections")
			s.count().connThrottled++
			s.at(time.Second, w)
			return
		}
		w.phase, w.msgs = phaseReady, 0
		s.at(s.connTime, w)
	case phaseReady:
		if p.ShedConn(k) {
			w.recv.open--
			w.phase = phaseIdle
			s.at(s.retry, w)
			return
		}
		w.phase = phaseSend
		s.at(p.Reserve(k, 1), w)
	case phaseSend:
		if w.recv.noise(w.recv.noiseTxn) {
			// 421 closes the channel (RFC 5321 §3.8).
			p.Observe(k, Throttled, "421 4.7.0 try again later, closing connection")
			c := s.count()
			c.throttled++
			c.noise++
			w.recv.open--
			p.ReleaseConn(k)
			w.phase = phaseIdle
			s.at(s.txnTime, w)
			return
		}
		if !w.recv.accept(s.clock.Now()) {
			p.Observe(k, Throttled, "451 4.7.0 rate limited")
			s.count().throttled++
			// The receiver keeps the connection; the message is deferred.
			w.phase = phaseReady
			s.at(s.txnTime, w)
			return
		}
		p.Observe(k, Delivered, "")
		s.count().delivered++
		w.msgs++
		if w.msgs >= p.Limits(k).MaxMessagesPerConn {
			w.recv.open--
			p.ReleaseConn(k)
			w.phase = phaseIdle
		} else {
			w.phase = phaseReady
		}
		s.at(s.txnTime, w)
	}
}

// window sums the counts of seconds [from, to).
func (s *sim) window(from, to time.Duration) simCounts {
	var c simCounts
	for i := int(from / time.Second); i < int(to/time.Second) && i < len(s.perSec); i++ {
		c.delivered += s.perSec[i].delivered
		c.throttled += s.perSec[i].throttled
		c.connThrottled += s.perSec[i].connThrottled
		c.noise += s.perSec[i].noise
	}
	return c
}

// TestSimulationConvergesAndRecovers is the acceptance test: a
// receiver allowing 4 connections and 40 messages/s, a sender whose rule
// allows 10 connections and no rate bound (10 connections at 50 ms per
// transaction: 200 messages/s). The sender must converge to the allowed
// rate with under 5% of its messages throttled, and recover its full
// speed once the limit is lifted.
func TestSimulationConvergesAndRecovers(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	var transitions []Transition
	p, err := New([]Rule{{Name: DefaultRuleName, MaxConnections: 10, QuietPeriod: 30 * time.Second}},
		Options{Now: clock.Now, OnTransition: func(tr Transition) { transitions = append(transitions, tr) }})
	if err != nil {
		t.Fatal(err)
	}
	s := newSim(t, p, clock)
	recv := &simReceiver{maxConns: 4, rate: 40, burst: 40, tokens: 40, refilled: clock.Now()}
	k := Key{Site: p.Site("example.net", []string{"mx1.example.net", "mx2.example.net"})}
	for range 10 {
		s.add(&simWorker{key: k, recv: recv})
	}

	const limited, lifted = 30 * time.Minute, 15 * time.Minute
	s.run(s.start.Add(limited))
	conv := s.window(10*time.Minute, limited)
	secs := (limited - 10*time.Minute).Seconds()
	sent := conv.delivered + conv.throttled
	ratio := float64(conv.throttled) / float64(sent)
	rate := float64(conv.delivered) / secs
	t.Logf("limited, minutes 10-30: %.1f delivered/s of 40 allowed, %d throttled of %d sent (%.2f%%), %d connections refused, peak %d connections",
		rate, conv.throttled, sent, 100*ratio, conv.connThrottled, recv.peakOpen)
	if ratio >= 0.05 {
		t.Errorf("throttled ratio after convergence %.2f%%, want < 5%%", 100*ratio)
	}
	if rate < 0.7*40 {
		t.Errorf("delivered %.1f/s after convergence, want at least 70%% of the 40/s allowed", rate)
	}
	if got := p.Limits(k).State; got != Backoff {
		t.Errorf("state while limited = %v, want backoff", got)
	}

	// Lift the limit: full speed must come back.
	recv.maxConns, recv.rate = 0, 0
	s.run(s.start.Add(limited + lifted))
	end := s.window(limited+lifted-5*time.Minute, limited+lifted)
	full := float64(end.delivered) / (5 * time.Minute).Seconds()
	t.Logf("lifted, last 5 minutes: %.1f delivered/s (full speed 200/s), state %v", full, p.Limits(k).State)
	if full < 0.95*200 {
		t.Errorf("delivered %.1f/s after the limit was lifted, want full speed (200/s)", full)
	}
	if l := p.Limits(k); l.State != Normal || l.MaxConnections != 10 || l.Rate != 0 {
		t.Errorf("limits after recovery = %+v, want normal with 10 connections and no rate bound", l)
	}
	if len(transitions) == 0 || transitions[len(transitions)-1].To != Normal {
		t.Errorf("last transition is not back to normal: %d transitions", len(transitions))
	}
}

// TestSimulationSharedSite: 50 domains hosted on one MX pair, each served
// by its own pool of workers as the engine's per-domain destinations are,
// share one site, so the site's limits hold across all of them.
func TestSimulationSharedSite(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, err := New([]Rule{{Name: DefaultRuleName, MaxConnections: 6, Rate: 30}}, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	s := newSim(t, p, clock)
	s.retry = time.Second  // 294 workers wait for a slot at any time
	recv := &simReceiver{} // no limits: only the sender's hold
	mx := []string{"mx1.hoster.example", "mx2.hoster.example"}
	for i := range 50 {
		site := p.Site("customer"+string(rune('a'+i%26))+string(rune('a'+i/26))+".example", mx)
		for range 6 {
			s.add(&simWorker{key: Key{Site: site}, recv: recv})
		}
	}
	if n := len(p.sites); n > 1 {
		t.Fatalf("%d site states for one MX pair", n)
	}
	const d = 5 * time.Minute
	s.run(s.start.Add(d))
	c := s.window(0, d)
	if recv.peakOpen > 6 {
		t.Errorf("peak connections %d, want at most 6", recv.peakOpen)
	}
	if limit := 30*d.Seconds() + 30 + 1; float64(c.delivered) > limit {
		t.Errorf("delivered %d in %v, want at most %v (30/s and a burst of 30)", c.delivered, d, limit)
	}
	if float64(c.delivered) < 0.99*30*d.Seconds() {
		t.Errorf("delivered %d in %v, want about %v", c.delivered, d, 30*d.Seconds())
	}
	t.Logf("50 domains, 300 workers: %d delivered in %v (%.2f/s), peak %d connections", c.delivered, d, float64(c.delivered)/d.Seconds(), recv.peakOpen)
}
