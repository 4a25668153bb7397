package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sluice/configs"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

// TestSlowSitesDoNotBlockFastOnes: two slow destinations (the sink takes
// 100 ms per message for them) with most of the queue, due first, and 38
// fast ones. The in-flight bound is small, so without per-domain
// admission the slow mail would hold every slot; with it, the fast
// domains are all delivered while the slow ones are still draining.
func TestSlowSitesDoNotBlockFastOnes(t *testing.T) {
	var slowDone atomic.Int64
	tn := startTestNode(t, mtatest.SinkOptions{Data: func(r mtatest.Received) error {
		if strings.HasPrefix(r.To[0], "slow") {
			time.Sleep(100 * time.Millisecond) // a slow receiver
			slowDone.Add(1)
		}
		return nil
	}}, func(cfg *configs.Config, dns *dnstest.Server) {
		cfg.Submission.AllowPlaintextAuthOnLoopback = true
		cfg.Tenants[0].MaxRecipients = 0
		cfg.Queue.MaxInFlight = 100
		cfg.Delivery.MaxConnectionsPerDomain = 2 // 20 recipients pending per domain at most
		for i := 0; i < 40; i++ {
			// Each domain its own MX host, so its own site.
			dom := fmt.Sprintf("d%d.test", i)
			dns.AddMX(dom, 10, "mx."+dom)
			dns.AddA("mx."+dom, "127.0.0.1")
		}
	})
	// Queue everything first (the tenant is held), then release it all at
	// once: the slow mail is due first, so it is what a plain scheduler
	// would claim first. This keeps the test independent of how fast the
	// submissions themselves go.
	ctx := context.Background()
	if err := tn.n.store.Suspend(ctx, "tenant", "acme", "test"); err != nil {
		t.Fatal(err)
	}
	const slowEach, fastEach = 100, 10
	for i := 0; i < 2; i++ {
		submitMany(t, tn, "slow", fmt.Sprintf("d%d.test", i), slowEach, 2)
	}
	for i := 2; i < 40; i++ {
		submitMany(t, tn, "fast", fmt.Sprintf("d%d.test", i), fastEach, 1)
	}
	waitFor(t, 10*time.Second, func() bool { // the scheduler has set it all aside
		g, _ := tn.n.store.Summary("tenant")
		return len(g) == 1 && g[0].Held == 2*slowEach+38*fastEach
	})
	if _, err := tn.n.store.Resume(ctx, "tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	fast := 38 * fastEach
	deadline := time.Now().Add(60 * time.Second)
	for {
		n := 0
		for _, m := range tn.sink.Messages() {
			if strings.HasPrefix(m.To[0], "fast") {
				n++
			}
		}
		if n == fast {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d fast-domain messages delivered", n, fast)
		}
		time.Sleep(20 * time.Millisecond)
	}
	done := slowDone.Load()
	t.Logf("all %d fast-domain messages delivered while %d of %d slow-domain ones were", fast, done, 2*slowEach)
	if done >= 2*slowEach/2 { // without per-domain admission this is over 100
		t.Fatalf("fast domains waited for the slow ones: %d of %d slow messages were delivered first", done, 2*slowEach)
	}
	tn.sink.WaitRcpts(fast+2*slowEach, 60*time.Second)
}
