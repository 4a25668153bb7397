package delivery

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
	"sluice/queue"
)

// siteCounts returns the shaping counts of the one site the policy knows.
func siteCounts(t *testing.T, p *shaping.Policy) shaping.Status {
	t.Helper()
	st := p.Status()
	if len(st) != 1 {
		t.Fatalf("policy knows %d sites, want 1: %+v", len(st), st)
	}
	return st[0]
}

// TestObserveOncePerTransaction: shaping hears once per SMTP transaction
// (its "Use by the delivery engine", step 5): four single messages, a VERP
// message of three recipients (three transactions, all delivered) and a
// message refused at RCPT make seven deliveries and one permanent failure
// in the policy's counts, not five deliveries.
func TestObserveOncePerTransaction(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Rcpt: func(to string) error {
		if strings.HasPrefix(to, "gone@") {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}})
	var pol *shaping.Policy
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		pol = newPolicy(t, h, nil)
		cfg.Shaping = pol
		cfg.ReturnPath = func(w *queue.Work, r queue.WorkRcpt) string {
			if w.Tenant == "verp" {
				return fmt.Sprintf("b-%d@bounce.acme.example", r.Index)
			}
			return ""
		}
	})
	for i := range 4 {
		h.enqueue([]string{fmt.Sprintf("r%d@example.test", i)}, nil)
	}
	h.enqueue([]string{"v0@example.test", "v1@example.test", "v2@example.test"}, func(m *queue.Message) { m.Tenant = "verp" })
	h.enqueue([]string{"gone@example.test"}, nil)
	h.start()
	for _, r := range []string{"r0", "r1", "r2", "r3", "v0", "v1", "v2"} {
		h.events.wait(t, r+"@example.test", 1, "delivered")
	}
	h.events.wait(t, "gone@example.test", 1, "failed")
	if got, want := siteCounts(t, pol).Counts, (shaping.Counts{Delivered: 7, PermFailed: 1}); got != want {
		t.Errorf("shaping counted %+v, want %+v", got, want)
	}
}

// TestFailedConnectionObservedOnce: five messages wait for one connection
// that is refused: shaping counts one failed connection attempt, not one
// per message, and every message is deferred.
func TestFailedConnectionObservedOnce(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	refused := closedPort(t)
	var pol *shaping.Policy
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Routes = []Route{{Domain: "example.test", Host: refused}}
		cfg.MaxConnsPerDest = 1
		pol = newPolicy(t, h, nil)
		cfg.Shaping = pol
		cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			<-gate // until every message waits behind this attempt
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	})
	const n = 5
	for i := range n {
		h.enqueue([]string{fmt.Sprintf("r%d@example.test", i)}, nil)
	}
	h.start()
	waitFor(t, "the messages queued behind the dial", func() bool { return h.queued("example.test") == n-1 })
	close(gate)
	for i := range n {
		h.events.wait(t, fmt.Sprintf("r%d@example.test", i), 1, "deferred")
	}
	if got, want := siteCounts(t, pol).Counts, (shaping.Counts{ConnectFailed: 1}); got != want {
		t.Errorf("shaping counted %+v, want %+v", got, want)
	}
}

// queued returns how many jobs wait in domain's destination queue.
func (h *harness) queued(domain string) int {
	e := h.engine
	e.mu.Lock()
	var ds []*dest
	for _, d := range e.dests {
		if d.domain == domain {
			ds = append(ds, d)
		}
	}
	e.mu.Unlock()
	n := 0
	for _, d := range ds {
		d.mu.Lock()
		n += d.queue.len()
		d.mu.Unlock()
	}
	return n
}

// TestThrottleRetryWaitsForBackoff: a "slow down" reply puts the site into
// backoff, and the mail it deferred is retried no sooner than the policy's
// RetryAfter (here the 2 h quiet period, past the queue's 10 min); a 451
// 4.3.2 (the receiver's own condition, a temporary failure, not a
// throttle) at the same site, still in backoff, keeps the queue's normal
// delay.
func TestThrottleRetryWaitsForBackoff(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Rcpt: func(to string) error {
		switch {
		case strings.HasPrefix(to, "slow@"):
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "rate limit exceeded, slow down"}
		case strings.HasPrefix(to, "busy@"):
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "busy, try again later"}
		}
		return nil
	}})
	const quiet = 2 * time.Hour
	var pol *shaping.Policy
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		pol = newPolicy(t, h, []shaping.Rule{{Name: "default", QuietPeriod: quiet}})
		cfg.Shaping = pol
	})
	t0 := h.clk.Now()
	h.enqueue([]string{"slow@example.test"}, nil)
	h.start()
	if ev := h.events.wait(t, "slow@example.test", 1, "deferred"); !ev.Retry.Equal(t0.Add(quiet)) {
		t.Errorf("throttled mail retried at +%v, want +%v (the backoff's RetryAfter)", ev.Retry.Sub(t0), quiet)
	}
	if st := siteCounts(t, pol); st.Limits.State != shaping.Backoff {
		t.Fatalf("site is %v after a throttle, want backoff", st.Limits.State)
	}
	h.enqueue([]string{"busy@example.test"}, nil)
	if ev := h.events.wait(t, "busy@example.test", 1, "deferred"); !ev.Retry.Equal(t0.Add(testRetry.First)) {
		t.Errorf("4.3.2 retried at +%v, want the queue's +%v", ev.Retry.Sub(t0), testRetry.First)
	}
}

// TestMidSession421DropsOnlyItsConnection: the receiver answers the first
// connection that starts a second transaction with "421 4.3.2 … closing"
// to its MAIL. Only that connection goes: the message it was sending (and,
// with VERP, the recipients of the message not yet sent) goes again over
// another connection, on its first attempt, and nothing is deferred; the
// site's other connection keeps delivering.
func TestMidSession421DropsOnlyItsConnection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		verp bool
		msgs int // messages, or with VERP recipients of one message
	}{
		{name: "messages", msgs: 10},
		{name: "verp", verp: true, msgs: 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var said atomic.Int64 // the connection that got the 421
			mx := startRawMXWith(t, rawOptions{
				delay: func(int) time.Duration { return 2 * time.Millisecond }, // both connections share the work
				mail: func(conn, n int) string {
					if n == 2 && said.CompareAndSwap(0, int64(conn)) {
						return "421 4.3.2 raw.example.test busy, closing connection"
					}
					return ""
				},
			})
			h := newHarness(t, func(_ *harness, cfg *Config) {
				cfg.Port = mx.port()
				cfg.MaxConnsPerDest = 2
				if tc.verp {
					cfg.ReturnPath = func(_ *queue.Work, r queue.WorkRcpt) string { return fmt.Sprintf("b-%d@bounce.acme.example", r.Index) }
				}
			})
			rcpt := func(i int) string { return fmt.Sprintf("r%d@example.test", i) }
			if tc.verp {
				rcpts := make([]string, tc.msgs)
				for i := range rcpts {
					rcpts[i] = rcpt(i)
				}
				h.enqueue(rcpts, nil)
			} else {
				for i := range tc.msgs {
					h.enqueue([]string{rcpt(i)}, nil)
				}
			}
			h.start()
			for i := range tc.msgs {
				if ev := h.events.wait(t, rcpt(i), 1, "delivered"); ev.Attempt != 1 {
					t.Errorf("%s delivered on attempt %d, want 1", ev.Rcpt, ev.Attempt)
				}
			}
			if evs := h.events.all(); len(evs) != tc.msgs {
				t.Errorf("%d events for %d recipients (something deferred?)", len(evs), tc.msgs)
			}
			if said.Load() == 0 {
				t.Fatal("no connection got to a second transaction: the 421 was never said")
			}
			got := mx.counts()
			if got.msgs != tc.msgs || got.conns > 3 {
				t.Errorf("MX saw %d messages over %d connections; want %d over at most 3 (two, and one for the 421's)", got.msgs, got.conns, tc.msgs)
			}
			if c := int(said.Load()); mx.messagesOn(c) != 1 {
				t.Errorf("the 421 connection carried %d messages, want 1", mx.messagesOn(c))
			}
		})
	}
}
