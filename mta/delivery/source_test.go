package delivery

import (
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
	"sluice/queue"
)

// Two loopback sources, told apart at the receiver by their EHLO names
// (and addresses): 127.0.0.1 and 127.0.0.2, both in the default pool.
func twoSources(cfg *Config, helo1, helo2 string) {
	cfg.Dial = nil // bind each source's address
	cfg.Sources = []Source{
		{Name: "s1", Addr: netip.MustParseAddr("127.0.0.1"), HeloName: helo1},
		{Name: "s2", Addr: netip.MustParseAddr("127.0.0.2"), HeloName: helo2},
	}
}

// byHelo counts the sink's messages by the EHLO name they came with.
func byHelo(sink *mtatest.Sink) map[string]int {
	out := map[string]int{}
	for _, m := range sink.Messages() {
		out[m.Helo]++
	}
	return out
}

// nextMidnight is the next UTC day's start on the harness's clock.
func nextMidnight(h *harness) time.Duration {
	now := h.clk.Now()
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Sub(now)
}

func enqueueN(h *harness, prefix string, n int) []string {
	rcpts := make([]string, n)
	for i := range rcpts {
		rcpts[i] = prefix + string(rune('a'+i/26)) + string(rune('a'+i%26)) + "@example.test"
		h.enqueue([]string{rcpts[i]}, nil)
	}
	return rcpts
}

// TestWarmupSpillsToPoolPeer (issue #16's must-show): two sources, s1 on
// day 1 of the curve [3, 5]. Of 20 messages the sink sees exactly 3 from
// s1 and the rest from s2; the mail moved says why. At the next UTC
// midnight (the injected clock) day 2 lets s1 send 5 more.
func TestWarmupSpillsToPoolPeer(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		twoSources(cfg, "warm.sluice.test", "old.sluice.test")
		cfg.Shaping = newPolicy(t, h, nil)
		w, err := shaping.NewWarmup(shaping.WarmupOptions{Now: h.clk.Now,
			Sources: []shaping.WarmupSource{{Name: "s1", Curve: []int{3, 5}}}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Warmup = w
	})
	h.start()
	day1 := enqueueN(h, "d1", 20)
	rerouted := 0
	for _, r := range day1 {
		ev := h.events.wait(t, r, 1, "delivered")
		if ev.Rerouted != "" {
			rerouted++
			if ev.Source != "s2" || !strings.Contains(ev.Rerouted, "warming up") {
				t.Errorf("%s moved to %s because %q, want s2 because of warm-up", r, ev.Source, ev.Rerouted)
			}
		}
	}
	if got := byHelo(sink); got["warm.sluice.test"] != 3 || got["old.sluice.test"] != 17 {
		t.Fatalf("day 1 by source %v, want 3 from the warming source and 17 from the other", got)
	}
	if rerouted == 0 {
		t.Error("no event says why mail moved")
	}
	h.advance(nextMidnight(h) + time.Minute)
	day2 := enqueueN(h, "d2", 20)
	for _, r := range day2 {
		h.events.wait(t, r, 1, "delivered")
	}
	if got := byHelo(sink); got["warm.sluice.test"] != 3+5 || got["old.sluice.test"] != 17+15 {
		t.Fatalf("after day 2 by source %v, want 8 from the warming source (3+5) and 32 from the other", got)
	}
}

// TestWarmupWaitsWithoutPeer: a pool of one warming source sends its
// allowance and defers the rest, without counting an attempt, until the
// next UTC day, when the next allowance goes.
func TestWarmupWaitsWithoutPeer(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		cfg.Sources = []Source{{Name: "s1"}}
		cfg.Shaping = newPolicy(t, h, nil)
		w, err := shaping.NewWarmup(shaping.WarmupOptions{Now: h.clk.Now,
			Sources: []shaping.WarmupSource{{Name: "s1", Curve: []int{2, 3}}}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Warmup = w
	})
	h.start()
	rcpts := enqueueN(h, "w", 5)
	midnight := h.clk.Now().Add(nextMidnight(h))
	deferred := 0
	for _, r := range rcpts {
		waitFor(t, "outcome of "+r, func() bool { return len(h.events.of(r)) > 0 })
		ev := h.events.of(r)[0]
		if ev.Kind == "deferred" {
			deferred++
			if !ev.Retry.Equal(midnight) || !strings.Contains(ev.Reply, "warming up") {
				t.Errorf("%s deferred to %v (%q), want the next UTC day %v", r, ev.Retry, ev.Reply, midnight)
			}
		}
	}
	if _, n := sink.Count(); n != 2 || deferred != 3 {
		t.Fatalf("sent %d, deferred %d; want day 1's 2 sent and 3 waiting", n, deferred)
	}
	for _, id := range deferredIDs(h, rcpts) {
		if a := h.rcptInfo(id, 0).Attempts; a != 0 {
			t.Errorf("a waiting recipient counts %d attempts, want 0", a)
		}
	}
	h.advance(nextMidnight(h))
	sink.WaitRcpts(5, waitLimit)
	if _, n := sink.Count(); n != 5 {
		t.Fatalf("after the day rolled over %d sent, want all 5 (day 2 allows 3)", n)
	}
}

// deferredIDs returns the message ids of the recipients whose first event
// is a deferral.
func deferredIDs(h *harness, rcpts []string) []queue.ID {
	var ids []queue.ID
	for _, r := range rcpts {
		if evs := h.events.of(r); len(evs) > 0 && evs[0].Kind == "deferred" {
			ids = append(ids, evs[0].ID)
		}
	}
	return ids
}

// TestBlocklistReplyMovesSiteToPeer (issue #16's must-show): the sink
// refuses s1 with a Spamhaus listing. Every message is delivered from s2,
// none fails, the moved ones say why, the pair (s1, site) is marked once.
// After the retry time, with the listing gone, s1 sends again and a
// delivery clears the mark.
func TestBlocklistReplyMovesSiteToPeer(t *testing.T) {
	t.Parallel()
	var listed atomic.Bool
	listed.Store(true)
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Data: func(r mtatest.Received) error {
		if r.Helo == "one.sluice.test" && listed.Load() {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
				Message: "Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org"}
		}
		return nil
	}})
	var mu sync.Mutex
	var changes []string
	var bl *shaping.Blocklist
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		twoSources(cfg, "one.sluice.test", "two.sluice.test")
		cfg.Shaping = newPolicy(t, h, nil)
		var err error
		bl, err = shaping.NewBlocklist(shaping.BlocklistOptions{Now: h.clk.Now, OnChange: func(b shaping.Block, cleared bool) {
			mu.Lock()
			changes = append(changes, b.Source+map[bool]string{true: " cleared", false: " marked"}[cleared])
			mu.Unlock()
		}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Blocklist = bl
	})
	h.start()
	rerouted := 0
	for _, r := range enqueueN(h, "b", 10) {
		ev := h.events.wait(t, r, 1, "delivered")
		if ev.Source != "s2" {
			t.Errorf("%s delivered from %s, want s2", r, ev.Source)
		}
		if ev.Rerouted != "" {
			rerouted++
			if !strings.Contains(ev.Rerouted, "blocklisted") || !strings.Contains(ev.Rerouted, "spamhaus") {
				t.Errorf("%s says %q, want the blocklisting and the reply", r, ev.Rerouted)
			}
		}
	}
	if rerouted == 0 {
		t.Error("no event says why mail moved")
	}
	marks := bl.List()
	if len(marks) != 1 || marks[0].Source != "s1" || !strings.Contains(marks[0].Site, "mx1.example.test") {
		t.Fatalf("marks %+v, want one for s1 at the sink's site", marks)
	}
	listed.Store(false)
	h.advance(time.Hour) // the first retry
	for _, r := range enqueueN(h, "c", 10) {
		h.events.wait(t, r, 1, "delivered")
	}
	if got := byHelo(sink); got["one.sluice.test"] == 0 {
		t.Fatalf("after the retry time by source %v, want s1 sending again", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(changes, ",") != "s1 marked,s1 cleared" {
		t.Errorf("changes %v, want s1 marked once, then cleared", changes)
	}
}

// TestBlocklistWithoutPeerWaits: with one source, the refused message
// fails as any 5xx does, and the site's other mail waits for the retry
// time instead of being refused one by one.
func TestBlocklistWithoutPeerWaits(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Rcpt: func(string) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: "Unfortunately, messages from [127.0.0.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)."}
	}})
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: shaping.DefaultRuleName, MaxConnections: 1}})
		bl, err := shaping.NewBlocklist(shaping.BlocklistOptions{Now: h.clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Blocklist = bl
	})
	h.enqueue([]string{"first@example.test"}, nil)
	h.start()
	h.events.wait(t, "first@example.test", 1, "failed")
	rest := enqueueN(h, "r", 5)
	for _, r := range rest {
		ev := h.events.wait(t, r, 1, "deferred")
		if !strings.Contains(ev.Reply, "blocklisted") || ev.Retry.Before(h.clk.Now().Add(59*time.Minute)) {
			t.Errorf("%s deferred with %q until %v, want the blocklisting's retry time", r, ev.Reply, ev.Retry)
		}
	}
}

// refusingMX is a go-smtp receiver that refuses sessions from 127.0.0.1
// (its reply to EHLO, where go-smtp opens the session) with a blocklist
// reply, and records the recipients of the others.
type refusingMX struct {
	mu    sync.Mutex
	rcpts []string
}

func (m *refusingMX) NewSession(c *smtp.Conn) (smtp.Session, error) {
	if host, _, _ := net.SplitHostPort(c.Conn().RemoteAddr().String()); host == "127.0.0.1" {
		return nil, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: "Client host [127.0.0.1] blocked using b.barracudacentral.org"}
	}
	return &refusingSession{m: m}, nil
}

type refusingSession struct {
	m  *refusingMX
	to []string
}

func (s *refusingSession) Reset()                               { s.to = nil }
func (s *refusingSession) Logout() error                        { return nil }
func (s *refusingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *refusingSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *refusingSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.m.mu.Lock()
	s.m.rcpts = append(s.m.rcpts, s.to...)
	s.m.mu.Unlock()
	return nil
}

// TestBlocklistConnectionRefusalMovesQueue: a receiver that refuses s1's
// session itself for a blocklist: the destination's queued mail moves to
// s2 and is delivered; nothing fails.
func TestBlocklistConnectionRefusalMovesQueue(t *testing.T) {
	t.Parallel()
	mx := &refusingMX{}
	srv := smtp.NewServer(mx)
	srv.Domain = "refusing.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = ln.Addr().(*net.TCPAddr).Port
		twoSources(cfg, "one.sluice.test", "two.sluice.test")
		cfg.Shaping = newPolicy(t, h, nil)
		bl, err := shaping.NewBlocklist(shaping.BlocklistOptions{Now: h.clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Blocklist = bl
	})
	h.start()
	for _, r := range enqueueN(h, "k", 8) {
		if ev := h.events.wait(t, r, 1, "delivered"); ev.Source != "s2" {
			t.Errorf("%s delivered from %s, want s2", r, ev.Source)
		}
	}
	mx.mu.Lock()
	defer mx.mu.Unlock()
	if len(mx.rcpts) != 8 {
		t.Errorf("receiver got %d recipients, want 8", len(mx.rcpts))
	}
}
