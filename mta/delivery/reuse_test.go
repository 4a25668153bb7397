package delivery

import (
	"fmt"
	"testing"
	"time"
)

// TestBackToBackMessagesShareOneConnection: messages queued together for
// one domain go out over one pooled connection with no RSET round trip
// between them; and when the receiver drops the connection after each
// message (silently, or with a 421 right after the 250), the next message
// is sent again on a new connection (outbound's Result.Unanswered), not
// deferred: every recipient is delivered on its first attempt.
func TestBackToBackMessagesShareOneConnection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		after     string
		wantConns int
	}{
		{after: "", wantConns: 1},
		{after: "drop", wantConns: 6},
		{after: "421", wantConns: 6},
	} {
		t.Run("after="+tc.after, func(t *testing.T) {
			t.Parallel()
			mx := startRawMX(t, "", tc.after)
			h := newHarness(t, func(_ *harness, cfg *Config) {
				cfg.Port = mx.port()
				cfg.MaxConnsPerDest = 1
			})
			const n = 6
			for i := range n {
				h.enqueue([]string{fmt.Sprintf("r%d@example.test", i)}, nil)
			}
			h.start()
			for i := range n {
				ev := h.events.wait(t, fmt.Sprintf("r%d@example.test", i), 1, "delivered")
				if ev.Attempt != 1 {
					t.Errorf("%s delivered on attempt %d, want 1", ev.Rcpt, ev.Attempt)
				}
			}
			if evs := h.events.all(); len(evs) != n {
				t.Errorf("%d events for %d recipients: %+v", len(evs), n, evs)
			}
			got := mx.counts()
			if got.msgs != n || got.conns != tc.wantConns || got.rsets != 0 {
				t.Errorf("MX saw %d messages over %d connections with %d RSETs; want %d over %d with 0",
					got.msgs, got.conns, got.rsets, n, tc.wantConns)
			}
		})
	}
}

// TestIdleConnectionIsCheckedWithRSET: a pooled connection whose next
// message comes after a pause longer than the idle check (read on the
// engine's clock, threshold injected) is checked with RSET first; a
// shorter pause is not. When the receiver dropped the connection
// meanwhile, the failed check sends the message over a new connection,
// still on its first attempt.
func TestIdleConnectionIsCheckedWithRSET(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		after     string
		wantConns int
		wantRsets int
	}{
		// One connection throughout; only the long pause costs an RSET.
		{after: "", wantConns: 1, wantRsets: 1},
		// Each message on its own connection; the RSET after the long
		// pause meets a closed socket and never reaches the receiver.
		{after: "drop", wantConns: 3, wantRsets: 0},
	} {
		t.Run("after="+tc.after, func(t *testing.T) {
			t.Parallel()
			mx := startRawMX(t, "", tc.after)
			h := newHarness(t, func(_ *harness, cfg *Config) {
				cfg.Port = mx.port()
				cfg.MaxConnsPerDest = 1
				cfg.IdleTimeout = time.Minute // the pooled connection waits, in real time, for the next message
				cfg.idleCheck = 10 * time.Second
			})
			h.start()
			for i, pause := range []time.Duration{0, 5 * time.Second, 11 * time.Second} {
				h.clk.Advance(pause)
				rcpt := fmt.Sprintf("p%d@example.test", i)
				h.enqueue([]string{rcpt}, nil)
				if ev := h.events.wait(t, rcpt, 1, "delivered"); ev.Attempt != 1 {
					t.Errorf("%s delivered on attempt %d, want 1", rcpt, ev.Attempt)
				}
				if i == 1 {
					if got := mx.counts(); got.rsets != 0 {
						t.Errorf("RSET after a pause shorter than the idle check")
					}
				}
			}
			if got := mx.counts(); got.msgs != 3 || got.conns != tc.wantConns || got.rsets != tc.wantRsets {
				t.Errorf("MX saw %d messages over %d connections with %d RSETs; want 3 over %d with %d",
					got.msgs, got.conns, got.rsets, tc.wantConns, tc.wantRsets)
			}
		})
	}
}
