package tracking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/mail"
	"strings"
	"testing"
	"time"

	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/rewrite"
	"sluice/tracking/token"
)

// TestUnsubscribeInChromium follows a message's List-Unsubscribe URL in a
// real headless browser, clicks the page's button with a real mouse event,
// and checks the confirmation and the suppression. Skipped (loudly) when no
// Chromium is installed: apt-get install chromium.
func TestUnsubscribeInChromium(t *testing.T) {
	t.Parallel()
	bin := findChromium()
	if bin == "" {
		logSkip(t, "no chromium in PATH (apt-get install -y chromium)")
	}
	te := newEdge(t, func(c *tracking.Config) {
		c.TenantName = func(string) string { return "ACME Shop" }
	})
	te.supp.called = make(chan struct{}, 1)

	// The message as the submission path prepares it.
	tok := te.seal(t, token.Claims{Kind: token.Unsubscribe, Rcpt: 1, Addr: "jane.doe@example.org"})
	msg := "From: news@acme.example\r\nTo: jane.doe@example.org\r\nSubject: Spring sale\r\n" +
		"Content-Type: text/plain\r\n\r\nHello.\r\n"
	out, res, err := rewrite.Message([]byte(msg), rewrite.Options{
		Unsubscribe: &rewrite.Unsubscribe{HTTPS: te.base + "/u/" + tok, Mailto: "mailto:u.x@bounce.example"},
	})
	if err != nil || !res.Unsubscribe {
		t.Fatalf("rewrite: %v %+v", err, res)
	}
	m, err := mail.ReadMessage(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post: %q", m.Header.Get("List-Unsubscribe-Post"))
	}
	var unsubURL string
	for _, part := range strings.Split(m.Header.Get("List-Unsubscribe"), ",") {
		part = strings.Trim(strings.TrimSpace(part), "<>")
		if strings.HasPrefix(part, "http") {
			unsubURL = part
		}
	}
	if unsubURL == "" {
		t.Fatalf("no HTTP URI in List-Unsubscribe: %q", m.Header.Get("List-Unsubscribe"))
	}

	ws := startChromium(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := dialWebSocket(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.c.Close()
	c := &cdp{ws: conn}

	res1, err := c.call("", "Target.createTarget", map[string]any{"url": unsubURL})
	if err != nil {
		t.Fatal(err)
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	json.Unmarshal(res1, &target)
	res2, err := c.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		t.Fatal(err)
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	json.Unmarshal(res2, &attached)
	sid := attached.SessionID

	page := c.waitText(t, sid, "Unsubscribe")
	if !strings.Contains(page, "ACME Shop") || !strings.Contains(page, "j***@e***.org") {
		t.Errorf("page text:\n%s", page)
	}
	if calls, _ := te.supp.snapshot(); len(calls) != 0 {
		t.Fatalf("loading the page suppressed: %+v", calls)
	}

	// A real click: mouse down and up at the button's centre.
	v, err := c.eval(sid, `(() => { const r = document.querySelector("button").getBoundingClientRect(); return [r.x + r.width/2, r.y + r.height/2]; })()`)
	if err != nil {
		t.Fatal(err)
	}
	var xy [2]float64
	if err := json.Unmarshal(v, &xy); err != nil {
		t.Fatalf("button position %s: %v", v, err)
	}
	for _, typ := range []string{"mousePressed", "mouseReleased"} {
		if _, err := c.call(sid, "Input.dispatchMouseEvent", map[string]any{
			"type": typ, "x": xy[0], "y": xy[1], "button": "left", "clickCount": 1,
		}); err != nil {
			t.Fatal(err)
		}
	}
	done := c.waitText(t, sid, "You are unsubscribed")
	if !strings.Contains(done, "ACME Shop will no longer send marketing email to j***@e***.org") {
		t.Errorf("confirmation text:\n%s", done)
	}
	calls, committed := te.supp.snapshot()
	want := queue.Suppression{Tenant: "acme", Addr: "jane.doe@example.org", Scope: queue.ScopeMarketing,
		Reason: "unsubscribe", Source: "edge", Created: t0, Detail: "one_click"}
	if len(calls) != 1 || committed != 1 || calls[0] != want {
		t.Errorf("suppressions %+v (committed %d), want %+v", calls, committed, want)
	}
	ev := te.rec.take(t)
	if ev.Kind != "unsubscribe" || ev.Rcpt != 1 {
		t.Errorf("event %+v", ev)
	}
}
