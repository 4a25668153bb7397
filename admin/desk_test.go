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
	if err := f.spool.Suspend(ctx, "domain", "example.test", packBy("ctl:ann", end, "maintenance")); err != nil {
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

// TestHoldInfo: a hold's by, end and reason survive the spool's "by"
// field; an old plain "by" is a hold without end; the reason cannot
// smuggle in a separator or a control.
func TestHoldInfo(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	end := since.Add(90 * time.Minute)
	h := holdInfo(queue.Hold{Kind: "site", Name: "gmail", By: packBy("ctl:ann", end, cleanText("a\x1fb\nc", 200)), Since: since})
	if h.By != "ctl:ann" || !h.Until.Equal(end) || h.Reason != "a b c" {
		t.Fatalf("round trip: %+v", h)
	}
	if h := holdInfo(queue.Hold{By: "ctl:old"}); h.By != "ctl:old" || !h.Until.IsZero() || h.Reason != "" {
		t.Fatalf("plain by: %+v", h)
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

// TestMessageEndpoints: reads of a stored message are bounded and
// audited, an unknown message is 404, a hold on a spool without message
// holds is 501, and the log level is 501 without a LevelVar.
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
		{"POST", "/api/v1/queue/messages/" + id.String() + "/hold", 501, ""},
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
