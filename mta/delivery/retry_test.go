package delivery

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/mtatest"
	"sluice/queue"
)

// TestDeferredMailComesBackAtItsRetryTime: a recipient deferred on its
// first attempt is booked for the retry policy's first delay; it is not
// tried again before then (mail that falls due meanwhile goes out alone),
// and at that time (the test's clock moved, the scheduler woken) it is
// tried again and delivered, on attempt 2.
func TestDeferredMailComesBackAtItsRetryTime(t *testing.T) {
	t.Parallel()
	var tries atomic.Int64
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Rcpt: func(to string) error {
		if strings.HasPrefix(to, "later@") && tries.Add(1) == 1 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
		}
		return nil
	}})
	h := newHarness(t, func(_ *harness, cfg *Config) { cfg.Port = sink.Port() })
	t0 := h.clk.Now()
	id := h.enqueue([]string{"later@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "later@example.test", 1, "deferred")
	retry := t0.Add(testRetry.First)
	if !ev.Retry.Equal(retry) {
		t.Fatalf("deferred until %v, want %v", ev.Retry, retry)
	}
	if due, ok := h.store.NextDue(); !ok || !due.Equal(retry) {
		t.Fatalf("spool's next due %v (%v), want %v", due, ok, retry)
	}

	// Just before: other mail falls due and goes; the deferred one waits.
	h.clk.Advance(testRetry.First - time.Second)
	h.enqueue([]string{"marker@example.test"}, nil)
	h.events.wait(t, "marker@example.test", 1, "delivered")
	if n := len(h.events.of("later@example.test")); n != 1 || tries.Load() != 1 {
		t.Fatalf("tried again before its retry time: %d events, %d RCPTs", n, tries.Load())
	}

	h.advance(time.Second)
	ev = h.events.wait(t, "later@example.test", 2, "delivered")
	if ev.Attempt != 2 || !ev.Time.Equal(retry) {
		t.Errorf("delivered on attempt %d at %v, want attempt 2 at %v", ev.Attempt, ev.Time, retry)
	}
	if _, err := h.store.Message(id); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("delivered message still in the spool: %v", err)
	}
}

// TestExpiryTurnsDeferralIntoFailure: a temporary failure of a message
// older than the retry policy's MaxAge is final: the recipient fails with
// "expired:" and the last reply, and leaves the spool.
func TestExpiryTurnsDeferralIntoFailure(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Rcpt: func(string) error {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}
	}})
	retry := queue.RetryPolicy{First: 10 * time.Minute, Max: time.Hour, MaxAge: time.Hour}
	h := newHarness(t, func(_ *harness, cfg *Config) {
		cfg.Port = sink.Port()
		cfg.Retry = retry
	})
	id := h.enqueue([]string{"full@example.test"}, nil)
	h.start()
	h.events.wait(t, "full@example.test", 1, "deferred")
	h.advance(retry.MaxAge)
	ev := h.events.wait(t, "full@example.test", 2, "failed")
	if ev.Code != 452 || ev.Enhanced != "4.2.2" || !strings.HasPrefix(ev.Reply, "expired: ") || !strings.Contains(ev.Reply, "mailbox full") {
		t.Errorf("expired with %d %s %q", ev.Code, ev.Enhanced, ev.Reply)
	}
	if _, err := h.store.Message(id); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("expired message still in the spool: %v", err)
	}
}
