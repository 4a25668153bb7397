package ctl

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"sluice/admin"
	"sluice/queue"
	"sluice/reputation"
	"sluice/tracking/events"
)

// TestTenantStatusResume: `tenant status` shows a guard's pause and
// windows through the admin API, `tenant resume` lifts it (audited) and
// puts the set-aside marketing back; --json prints the API's document.
func TestTenantStatusResume(t *testing.T) {
	t.Parallel()
	var g *reputation.Guard
	n := newNode(t, func(c *admin.Config) {
		var err error
		g, err = reputation.New(reputation.Config{}, reputation.Deps{Holds: c.Queue.(*queue.Store),
			Receiver: func(uint64, uint32) (string, string, bool) { return "yahoo.com", "", true },
			Logger:   slog.New(slog.DiscardHandler), Now: c.Now}) // the node's one clock (spool, events, admin)
		if err != nil {
			t.Fatal(err)
		}
		c.Reputation = g
	})
	ctx := context.Background()
	for m := uint64(1); m <= 1000; m++ {
		g.Observe(ctx, events.Event{Kind: events.KindDelivered, Tenant: "acme", Campaign: "spring", Message: m})
		if m%100 == 0 {
			g.Observe(ctx, events.Event{Kind: events.KindComplaint, Tenant: "acme", Message: m})
		}
	}
	n.enqueue("r@yahoo.com")
	if _, err := n.spool.Claim(ctx, 10, 10); err != nil { // sets the marketing recipient aside
		t.Fatal(err)
	}
	c := &client{base: n.addr, token: token, actor: "ann", http: &http.Client{Timeout: 10 * time.Second}}
	var out, errb bytes.Buffer
	if err := tenantStatus(c, []string{"acme"}, out_(&out, false), &errb); err != nil {
		t.Fatalf("status: %v %s", err, errb.String())
	}
	for _, want := range []string{"marketing: PAUSED", "complaint rate 0.90% >= 0.30% (9 of 1000", "spring", "last 10000 messages", "1.00%"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := tenantStatus(c, []string{"acme"}, out_(&out, true), &errb); err != nil || !strings.Contains(out.String(), `"complaint_rate": 0.01`) {
		t.Fatalf("status --json: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := tenantResume(c, []string{"acme"}, out_(&out, false), &errb); err != nil {
		t.Fatalf("resume: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "marketing resumed, 1 recipients back") {
		t.Fatalf("resume output: %s", out.String())
	}
	if !strings.Contains(n.logs.String(), `"msg":"admin: tenant resume"`) {
		t.Fatalf("no audit line: %s", n.logs.String())
	}
	out.Reset()
	if err := tenantStatus(c, []string{"acme"}, out_(&out, false), &errb); err != nil || !strings.Contains(out.String(), "marketing: flowing") {
		t.Fatalf("status after resume: %v\n%s", err, out.String())
	}
	if err := tenantStatus(c, []string{"nobody"}, out_(io.Discard, false), &errb); err == nil {
		t.Fatal("status of an unknown tenant succeeded")
	}
}

func out_(w io.Writer, json bool) out { return out{w: w, json: json} }
