package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/admin"
	"sluice/fleet/redistest"
	"sluice/queue"
)

// ctlAt runs `sluice ctl --json ARGS` against m's admin API, fails the
// test on a non-zero exit, and decodes its output into v (when not nil).
func ctlAt(t *testing.T, m *fleetMember, v any, args ...string) {
	t.Helper()
	var out, errb bytes.Buffer
	args = append([]string{"--admin", m.adminAt, "--token", "t0ken", "--json"}, args...)
	if code := runCtl(args, &out, &errb); code != 0 {
		t.Fatalf("ctl %v at %s: exit %d: %s", args, m.id, code, errb.String())
	}
	if v != nil {
		if err := json.Unmarshal(out.Bytes(), v); err != nil {
			t.Fatalf("ctl %v at %s: %v: %s", args, m.id, err, out.String())
		}
	}
}

// holdsAt lists m's holds as "kind:name".
func holdsAt(t *testing.T, m *fleetMember) map[string]admin.HoldInfo {
	t.Helper()
	var res struct {
		Holds []admin.HoldInfo `json:"holds"`
	}
	ctlAt(t, m, &res, "queue", "holds")
	out := map[string]admin.HoldInfo{}
	for _, h := range res.Holds {
		out[h.Kind+":"+h.Name] = h
	}
	return out
}

// acmeAt is m's summary of acme's waiting recipients (zero when none).
func acmeAt(t *testing.T, m *fleetMember) queue.Group {
	t.Helper()
	var res struct {
		Groups []queue.Group `json:"groups"`
	}
	ctlAt(t, m, &res, "queue", "summary", "--by", "tenant")
	for _, g := range res.Groups {
		if g.Key == "acme" {
			return g
		}
	}
	return queue.Group{}
}

// submitStream submits one message of acme's stream ("marketing" or
// "transactional") to rcpt at m.
func submitStream(t *testing.T, m *fleetMember, stream, rcpt string) {
	t.Helper()
	c, err := smtp.Dial(m.submit)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := "From: news@acme.example\r\nTo: " + rcpt + "\r\nX-Sluice-Stream: " + stream + "\r\nSubject: s\r\n\r\nhello\r\n"
	if err := sendOne(c, "news@acme.example", rcpt, msg); err != nil {
		t.Fatalf("submit %s at %s: %v", stream, m.id, err)
	}
}

// TestFleetHoldsAcrossProcesses runs two `sluice serve` processes on one
// redis-server: `ctl queue suspend tenant acme` at A holds acme's mail at
// B (set aside, shown by B's `ctl queue holds` with A's reason); `ctl
// queue resume` at B releases it at B; and the reputation guard's pause
// (the stream hold acme/marketing) set at A holds acme's marketing at B
// while its transactional mail is delivered, and shows in B's `ctl tenant
// status`.
func TestFleetHoldsAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process fleet test skipped in -short mode")
	}
	srv := redistest.Start(t, redistest.Config{})
	nodes, _ := startFleetNodes(t, srv.URL(), "a", "b")
	a, b := nodes[0], nodes[1]

	ctlAt(t, a, nil, "queue", "suspend", "tenant", "acme", "--reason", "abuse report", "--duration", "2h")
	start := time.Now()
	waitFor(t, 2*time.Second, func() bool { _, ok := holdsAt(t, b)["tenant:acme"]; return ok })
	t.Logf("suspend at A held at B after %v", time.Since(start))
	if h := holdsAt(t, b)["tenant:acme"]; h.Reason != "abuse report" || h.Until.IsZero() {
		t.Fatalf("B's hold = %+v: want A's reason and end", h)
	}
	submitStream(t, b, "marketing", "held@example.net")
	waitFor(t, 5*time.Second, func() bool { return acmeAt(t, b).Held == 1 })

	ctlAt(t, b, nil, "queue", "resume", "tenant", "acme")
	waitFor(t, 5*time.Second, func() bool { _, ok := holdsAt(t, a)["tenant:acme"]; return !ok })
	waitFor(t, 10*time.Second, func() bool { g := acmeAt(t, b); return g.Held+g.Queued+g.InFlight+g.Deferred == 0 })

	// What the reputation guard writes when acme's complaints cross the
	// pause threshold: a stream hold of acme's marketing.
	ctlAt(t, a, nil, "queue", "suspend", "stream", "acme/marketing", "--reason", "complaint rate 0.4%")
	waitFor(t, 2*time.Second, func() bool { _, ok := holdsAt(t, b)["stream:acme/marketing"]; return ok })
	var st struct {
		Paused *struct {
			Reason string `json:"reason"`
		} `json:"paused"`
	}
	ctlAt(t, b, &st, "tenant", "status", "acme")
	if st.Paused == nil || st.Paused.Reason != "complaint rate 0.4%" {
		t.Fatalf("B's tenant status: paused = %+v", st.Paused)
	}
	submitStream(t, b, "marketing", "paused@example.net")
	submitStream(t, b, "transactional", "reset@example.net")
	waitFor(t, 10*time.Second, func() bool { g := acmeAt(t, b); return g.Held == 1 && g.Queued+g.InFlight+g.Deferred == 0 })
}
