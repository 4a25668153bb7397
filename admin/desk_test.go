package admin

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/queue"
)

// TestLifterRun: the Lifter, running on its own, resumes a timed
// suspension once the injected clock passes its end, and leaves an
// untimed one alone.
func TestLifterRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var mu sync.Mutex
	now := f.now
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ctx := context.Background()
	end := now.Add(2 * time.Hour)
	if err := f.spool.SuspendUntil(ctx, "domain", "example.test", "ctl:ann", "maintenance", end); err != nil {
		t.Fatal(err)
	}
	if err := f.spool.Suspend(ctx, "tenant", "acme", "ctl:bob"); err != nil {
		t.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Lifter{Queue: f.spool, Logger: slog.New(slog.DiscardHandler), Every: time.Millisecond, Now: clk}.Run(run)
	}()
	defer func() { stop(); <-done }()
	waitHolds := func(want int) []queue.Hold {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			h := f.spool.Holds()
			if len(h) == want {
				return h
			}
			if time.Now().After(deadline) {
				t.Fatalf("holds %+v, want %d", h, want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitHolds(2)
	mu.Lock()
	now = end
	mu.Unlock()
	if h := waitHolds(1); h[0].Kind != "tenant" {
		t.Fatalf("lifted the wrong hold: %+v", h)
	}
}

// TestHoldInfo: a spool hold's end and reason are shown as stored; the
// form an interim admin packed into "by" (actor US end US reason) still
// reads; the reason cannot smuggle in a control.
func TestHoldInfo(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	end := since.Add(90 * time.Minute)
	cases := []struct {
		name string
		in   queue.Hold
		want HoldInfo
	}{
		{"stored", queue.Hold{Kind: "site", Name: "gmail", By: "ctl:ann", Since: since, Reason: "a b", Until: end},
			HoldInfo{Kind: "site", Name: "gmail", By: "ctl:ann", Since: since, Reason: "a b", Until: end}},
		{"packed", queue.Hold{Kind: "site", Name: "gmail", By: packed("ctl:ann", end, cleanText("a\x1fb\nc", 200)), Since: since},
			HoldInfo{Kind: "site", Name: "gmail", By: "ctl:ann", Since: since, Reason: "a b c", Until: end}},
		{"plain", queue.Hold{By: "ctl:old", Since: since}, HoldInfo{By: "ctl:old", Since: since}},
	}
	for _, c := range cases {
		if got := holdInfo(c.in); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	if got := cleanText(strings.Repeat("é", 150), 201); len(got) != 200 {
		t.Fatalf("cut inside a rune: %d bytes", len(got))
	}
	for _, d := range []string{"0s", "-1h", "91d", "2400h", "soon"} {
		if _, err := parseHoldDuration(d); err == nil {
			t.Errorf("duration %q accepted", d)
		}
	}
}

// packed is a hold's "by" as the interim admin wrote it, with an end and
// a reason packed in.
func packed(actor string, until time.Time, reason string) string {
	u := ""
	if !until.IsZero() {
		u = until.UTC().Format(time.RFC3339Nano)
	}
	return actor + unitSep + u + unitSep + reason
}

// TestHoldMessageOnSpool: POST .../hold holds one message in the real
// spool, with its end and reason stored there: Claim takes the other
// message and not it; .../release puts it back.
func TestHoldMessageOnSpool(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.enqueue(queue.Marketing, "a@example.test", "b@example.test")
	other := f.enqueue(queue.Marketing, "c@example.test")
	if code, body := f.do("POST", "/api/v1/queue/messages/"+id.String()+"/hold", `{"reason":"tenant asked","duration":"30m"}`); code != 200 {
		t.Fatalf("hold: %d %s", code, body)
	}
	h := f.spool.Holds()
	if len(h) != 1 || h[0].Kind != "message" || h[0].Name != id.String() || h[0].By != "tester" ||
		h[0].Reason != "tenant asked" || !h[0].Until.Equal(f.now.Add(30*time.Minute)) {
		t.Fatalf("spool holds: %+v", h)
	}
	claimed := func() []queue.ID {
		t.Helper()
		w, err := f.spool.Claim(context.Background(), 100, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []queue.ID
		for _, x := range w {
			ids = append(ids, x.ID)
		}
		return ids
	}
	if got := claimed(); len(got) != 1 || got[0] != other {
		t.Fatalf("claimed %v, want only %v", got, other)
	}
	code, body := f.do("POST", "/api/v1/queue/messages/"+id.String()+"/release", "")
	if code != 200 || !strings.Contains(string(body), `"released": 2`) {
		t.Fatalf("release: %d %s", code, body)
	}
	if got := claimed(); len(got) != 1 || got[0] != id {
		t.Fatalf("after release claimed %v, want %v", got, id)
	}
}

// TestMessageEndpoints: reads of a stored message are bounded and
// audited, an unknown message is 404, a message is held through /hold
// only, and the log level is 501 without a LevelVar.
func TestMessageEndpoints(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.enqueue(queue.Marketing, "a@example.test")
	cases := []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/api/v1/queue/messages/" + id.String() + "/headers", 200, "Subject: hi\r\n"},
		{"GET", "/api/v1/queue/messages/" + id.String() + "/body?max=4", 200, "Subj"},
		{"GET", "/api/v1/queue/messages/" + id.String() + "/body?max=99999999999", 400, ""},
		{"GET", "/api/v1/queue/messages/0000000000000001/body", 404, ""},
		{"GET", "/api/v1/queue/messages/zz/headers", 400, ""},
		{"POST", "/api/v1/queue/messages/0000000000000001/hold", 404, ""},
		{"POST", "/api/v1/queue/messages/" + id.String() + "/hold", 200, ""},
		{"POST", "/api/v1/queue/suspend", 400, ""}, // kind message goes through /hold
		{"GET", "/api/v1/log-level", 501, ""},
		{"GET", "/api/v1/top?n=0", 400, ""},
	}
	for _, c := range cases {
		body := ""
		if c.path == "/api/v1/queue/suspend" {
			body = `{"kind":"message","name":"` + id.String() + `"}`
		}
		code, got := f.do(c.method, c.path, body)
		if code != c.code || (c.body != "" && string(got) != c.body) {
			t.Errorf("%s %s: %d %q, want %d %q", c.method, c.path, code, got, c.code, c.body)
		}
	}
	if !strings.Contains(f.logs.String(), `"msg":"admin: queue read","actor":"tester"`) {
		t.Fatalf("reads not audited:\n%s", f.logs.String())
	}
}

// TestTopWithoutMetrics: without a metrics registry, top's delivered and
// failed come from the spool's totals.
func TestTopWithoutMetrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enqueue(queue.Marketing, "a@example.test")
	if code, _ := f.do("POST", "/api/v1/queue/bounce", `{"domain":"example.test"}`); code != 200 {
		t.Fatal("bounce")
	}
	code, body := f.do("GET", "/api/v1/top", "")
	var top Top
	if err := json.Unmarshal(body, &top); code != 200 || err != nil || top.Counters.Failed != 1 || !top.Time.Equal(f.now) {
		t.Fatalf("top: %d %s", code, body)
	}
}
