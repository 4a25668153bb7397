package reputation

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sluice/internal/clock"
	"sluice/mta/delivery"
	"sluice/mta/mtatest"
	"sluice/mta/mx"
	"sluice/mta/mx/dnstest"
	"sluice/queue"
	"sluice/tracking/events"
)

// TestEndToEnd runs the guard as serve wires it: a real spool, the
// delivery engine sending to a go-smtp sink over loopback, the events
// store fed by the spool's journal with the guard as its subscriber.
// Complaints reach the spool's journal as the inbound worker journals
// them (DoneReturn of a returned message). Past the limit the tenant's
// marketing stream is paused: its transactional mail still reaches the
// sink while its marketing waits, and Resume sends it.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := clock.Now

	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	dns := dnstest.NewServer(t)
	dns.AddMX("fbl.test", 10, "mx.fbl.test")
	dns.AddA("mx.fbl.test", "127.0.0.1")
	resolver, err := mx.New(mx.Config{Servers: []string{dns.Addr()}, Now: now})
	if err != nil {
		t.Fatal(err)
	}

	var kick atomic.Pointer[delivery.Engine]
	var follower atomic.Pointer[events.Follower]
	spool, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{Now: now, Logger: log, InitialMmapSize: 1 << 20,
		OnDue: func() {
			if e := kick.Load(); e != nil {
				e.Kick()
			}
		},
		OnJournal: func() {
			if f := follower.Load(); f != nil {
				f.Kick()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { spool.Close() })

	th := DefaultThresholds()
	th.ComplaintPause, th.MinVolume = 0.05, 20
	g, err := New(Config{Thresholds: &th, FBLDomains: []string{"fbl.test"}, SaveInterval: time.Hour},
		Deps{Holds: spool, Receiver: DirectoryReceiver(spool), Logger: log, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := events.Open(filepath.Join(t.TempDir(), "events.db"), events.Options{Now: now, Logger: log, InTx: g.Hook(nil)})
	if err != nil {
		t.Fatal(err)
	}
	g.d.Events, g.d.Saver = ev, ev
	f := ev.Follow(spool, events.FollowOptions{Logger: log})
	follower.Store(f)
	eng, err := delivery.New(delivery.Config{Store: spool, Resolver: resolver, Port: sink.Port(), HeloName: "mta.sluice.test",
		DisableTLS: true, Logger: log, Now: now, ConnectTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	kick.Store(eng)
	done := make(chan struct{}, 3)
	for _, run := range []func(context.Context) error{eng.Run, f.Run, g.Run} {
		go func() { _ = run(ctx); done <- struct{}{} }()
	}
	t.Cleanup(func() {
		stop, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		eng.Stop(stop)
		cancel()
		for range 3 {
			<-done
		}
		ev.Close(stop)
	})

	send := func(st queue.Stream, i int) queue.ID {
		t.Helper()
		m := &queue.Message{ID: spool.NewID(), Tenant: "bad", From: "news@bad.example", Stream: st,
			Rcpts: []string{fmt.Sprintf("%s%d@fbl.test", st, i)}, Created: now(),
			Body: []byte("Subject: hi\r\n\r\nhello\r\n")}
		if err := spool.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	var ids []queue.ID
	for i := range 40 {
		ids = append(ids, send(queue.Marketing, i))
	}
	sink.WaitRcpts(40, 10*time.Second)
	for i, id := range ids[:4] { // 10 %: over the 5 % limit at 40 delivered
		r := &queue.Return{ID: spool.NewID(), Rcpt: "fbl@bounce.test", Received: now(), Data: []byte("ARF")}
		if err := spool.AddReturn(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := spool.DoneReturn(ctx, r.ID, queue.JournalEntry{Kind: queue.JournalComplaint, Time: now(), Tenant: "bad",
			ID: id, Reply: "complaint"}); err != nil {
			t.Fatalf("complaint %d: %v", i, err)
		}
	}
	waitFor(t, "the pause", func() bool { return g.Status("bad").Paused != nil })

	var held []queue.ID
	for i := range 3 {
		held = append(held, send(queue.Marketing, 100+i))
		send(queue.Transactional, i)
	}
	sink.WaitRcpts(43, 10*time.Second)
	// The marketing messages, queued before each transactional one, were
	// claimed first and set aside by the hold.
	waitFor(t, "the marketing set aside", func() bool {
		for _, id := range held {
			if m, err := spool.Message(id); err != nil || !m.Rcpts[0].Held {
				return false
			}
		}
		return true
	})
	got := sink.Messages()
	var tr, mk int
	for _, m := range got[40:] {
		switch {
		case strings.HasPrefix(m.To[0], "transactional"):
			tr++
		default:
			mk++
		}
	}
	if tr != 3 || mk != 0 {
		t.Fatalf("while paused the sink got %d transactional and %d marketing, want 3 and 0", tr, mk)
	}
	if n, err := g.Resume(ctx, "bad", "test"); err != nil || n != 3 {
		t.Fatalf("resume = %d, %v; want 3 released", n, err)
	}
	if got := sink.WaitRcpts(46, 10*time.Second); len(got) != 46 {
		t.Fatalf("after resume the sink has %d messages, want 46", len(got))
	}
	// The guard records its event through the store's asynchronous queue.
	waitFor(t, "the paused event stored for the tenant", func() bool {
		var paused bool
		_ = ev.Range(ctx, "bad", time.Time{}, now().Add(time.Hour), func(e events.Event) bool {
			paused = paused || (e.Kind == KindPaused && e.Reason == "complaint_rate")
			return true
		})
		return paused
	})
}

// waitFor polls cond for up to 10 s (the pipeline is asynchronous).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
