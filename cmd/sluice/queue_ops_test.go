package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"sluice/configs"
	"sluice/mta/delivery"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

// TestSuspendResumeDomain: with example.test suspended, other domains
// flow and nothing is delivered for it; after resume it is. Driven through
// `sluice ctl` against the admin API.
func TestSuspendResumeDomain(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, nil)
	tn.dns.AddMX("other.test", 10, "mx1.example.test")
	ctl := ctlFor(t, tn)
	ctl("queue", "suspend", "domain", "example.test")
	for _, to := range []string{"a@example.test", "b@other.test"} {
		if _, err := tn.submit("news@acme.example", []string{to}, plainMessage(to)); err != nil {
			t.Fatal(err)
		}
	}
	tn.events.wait(t, "b@other.test", "delivered", 5*time.Second)
	if out := ctl("queue", "summary", "--json"); !strings.Contains(out, `"key": "example.test"`) || !strings.Contains(out, `"held": 1`) {
		t.Fatalf("summary while suspended:\n%s", out)
	}
	if out := ctl("queue", "holds"); !strings.Contains(out, "example.test") {
		t.Fatalf("holds:\n%s", out)
	}
	if n, _ := tn.sink.Count(); n != 1 {
		t.Fatalf("sink got %d messages while example.test was suspended, want 1", n)
	}
	if out := ctl("queue", "resume", "domain", "example.test", "--json"); !strings.Contains(out, `"released": 1`) {
		t.Fatalf("resume: %s", out)
	}
	tn.events.wait(t, "a@example.test", "delivered", 5*time.Second)
}

// TestSuspendSite: a suspended site's mail is deferred without a
// connection; other sites flow; after resume and retry it is delivered.
func TestSuspendSite(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, dns *dnstest.Server) {
		cfg.Shaping.Rules = []configs.ShapingRule{{Name: "partner", Domains: []string{"example.test"}}}
		dns.AddMX("other.test", 10, "mx1.example.test")
	})
	ctl := ctlFor(t, tn)
	ctl("queue", "suspend", "site", "partner")
	for _, to := range []string{"a@example.test", "b@other.test"} {
		if _, err := tn.submit("news@acme.example", []string{to}, plainMessage(to)); err != nil {
			t.Fatal(err)
		}
	}
	tn.events.wait(t, "b@other.test", "delivered", 5*time.Second)
	ev := tn.events.wait(t, "a@example.test", "deferred", 5*time.Second)
	if !strings.Contains(ev.Reply, "suspended by an operator") || ev.MX != "" {
		t.Fatalf("suspended site: %+v", ev)
	}
	ctl("queue", "resume", "site", "partner")
	ctl("queue", "retry", "--domain", "example.test")
	if ev := tn.events.wait(t, "a@example.test", "delivered", 5*time.Second); ev.Attempt != 1 {
		t.Fatalf("delivered at attempt %d: the hold must not count attempts", ev.Attempt)
	}
}

// TestResumeWakesDelivery: resuming held mail wakes the scheduler whoever
// resumes it (here the spool directly, not the admin API), rather than
// leaving the mail until the scheduler's next timer, up to a minute later.
func TestResumeWakesDelivery(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, nil)
	ctx := context.Background()
	if err := tn.n.store.Suspend(ctx, "tenant", "acme", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.submit("news@acme.example", []string{"a@example.test"}, plainMessage("a@example.test")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool { // set aside by the scheduler
		g, _ := tn.n.store.Summary("tenant")
		return len(g) == 1 && g[0].Held == 1
	})
	// Let the scheduler go back to sleep with nothing due.
	time.Sleep(200 * time.Millisecond)
	if _, err := tn.n.store.Resume(ctx, "tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	tn.events.wait(t, "a@example.test", "delivered", 10*time.Second)
}

// TestShapingSuspensionCostsNoAttempt: a site suspended by shaping after
// repeated connection failures defers its mail until the suspension ends
// without counting attempts, even when an operator retries everything
// (`ctl queue retry --all`) meanwhile.
func TestShapingSuspensionCostsNoAttempt(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close() // connections to it are refused at once
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Routes = []configs.Route{{Domain: "dead.test", Host: deadAddr}}
	})
	ctl := ctlFor(t, tn)
	if _, err := tn.submit("news@acme.example", []string{"x@dead.test"}, plainMessage("x@dead.test")); err != nil {
		t.Fatal(err)
	}
	suspended := func(after int) (delivery.Event, bool) {
		evs, ok := tn.events.until(15*time.Second, func(evs []delivery.Event) bool {
			n := 0
			for _, ev := range evs {
				if ev.Rcpt == "x@dead.test" && strings.Contains(ev.Reply, "suspended after repeated connection failures") {
					n++
				}
			}
			return n > after
		})
		var last delivery.Event
		for _, ev := range evs {
			if ev.Rcpt == "x@dead.test" && strings.Contains(ev.Reply, "suspended after repeated") {
				last = ev
			}
		}
		return last, ok
	}
	first, ok := suspended(0)
	if !ok {
		t.Fatalf("the site was not suspended; events %+v", tn.events.all("x@dead.test"))
	}
	for i := 1; i <= 3; i++ {
		if out := ctl("queue", "retry", "--all", "--json"); !strings.Contains(strings.Join(strings.Fields(out), ""), `"retried":1`) {
			t.Fatalf("retry --all: %s", out)
		}
		ev, ok := suspended(i)
		if !ok {
			t.Fatalf("retry %d: no deferral while suspended", i)
		}
		if ev.Attempt != first.Attempt {
			t.Fatalf("retry %d while suspended: attempt %d, first suspended deferral was attempt %d", i, ev.Attempt, first.Attempt)
		}
	}
}
