package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sluice/admin"
	"sluice/configs"
	"sluice/internal/clock"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/tracking/webhook"
)

// reroutedHookEvent is a webhook event's fields this file checks, as a
// receiver would declare them.
type reroutedHookEvent struct {
	Kind      string  `json:"kind"`
	Recipient string  `json:"recipient"`
	Rerouted  *string `json:"rerouted"`
}

// TestWebhookCarriesRerouted: a node with two sources, s1 (127.0.0.1)
// warming up with an allowance of 1 at the site and s2 (127.0.0.2). Of 6
// messages the sink gets one from s1; every message that moved to s2
// because s1's allowance was spent reaches the tenant's webhook as a
// delivered event whose "rerouted" says so (delivery's Event.Rerouted
// through the spool's journal, the events store and the outbox); the one
// s1 sent has no "rerouted" key.
func TestWebhookCarriesRerouted(t *testing.T) {
	t.Parallel()
	got := newWaitLog[reroutedHookEvent]()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]byte(webhookSecret), r.Header.Get("Sluice-Signature"), body, clock.Now(), 5*time.Minute); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p struct{ Events []reroutedHookEvent }
		if err := json.Unmarshal(body, &p); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, ev := range p.Events {
			got.add(ev)
		}
	}))
	t.Cleanup(srv.Close)
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Sources = []configs.Source{
			{Name: "s1", Address: "127.0.0.1", HeloName: "one.sluice.test", Warmup: true, WarmupCurve: []int{1, 2}},
			{Name: "s2", Address: "127.0.0.2", HeloName: "two.sluice.test"},
		}
		cfg.Delivery.MaxMessagesPerConnection = 1 // a new connection per message: both sources get asked
		cfg.Tenants[0].Webhook = configs.Webhook{URL: srv.URL + "/hook", Secret: webhookSecret}
	})
	const n = 6
	for i := range n {
		to := fmt.Sprintf("r%d@example.test", i)
		if _, err := tn.submit("news@acme.example", []string{to}, plainMessage(to)); err != nil {
			t.Fatal(err)
		}
	}
	msgs := tn.sink.WaitRcpts(n, 15*time.Second)
	if len(msgs) != n {
		t.Fatalf("sink got %d of %d", len(msgs), n)
	}
	helo := map[string]string{}
	for _, m := range msgs {
		helo[m.To[0]] = m.Helo
	}
	evs, ok := got.until(20*time.Second, func(evs []reroutedHookEvent) bool {
		delivered := 0
		for _, ev := range evs {
			if ev.Kind == "delivered" {
				delivered++
			}
		}
		return delivered == n
	})
	if !ok {
		t.Fatalf("not every delivered event reached the webhook: %+v", evs)
	}
	moved := 0
	for _, ev := range evs {
		if ev.Kind != "delivered" {
			if ev.Rerouted != nil {
				t.Errorf("%s event has rerouted %q", ev.Kind, *ev.Rerouted)
			}
			continue
		}
		switch h := helo[ev.Recipient]; {
		case h == "one.sluice.test":
			if ev.Rerouted != nil {
				t.Errorf("%s, sent by s1 as chosen, has rerouted %q", ev.Recipient, *ev.Rerouted)
			}
		case ev.Rerouted != nil:
			moved++
			if !strings.Contains(*ev.Rerouted, "source s1 warming up: today's allowance at default is spent") {
				t.Errorf("%s moved to s2 with rerouted %q", ev.Recipient, *ev.Rerouted)
			}
		}
	}
	if moved == 0 {
		t.Fatalf("no delivered event says why its mail moved (sink by recipient %v): %+v", helo, evs)
	}
	if !strings.Contains(tn.logs.String(), `"rerouted":"source s1 warming up`) {
		t.Error("no delivery log line says rerouted")
	}
}

// TestLateReturnMarksBlocklist: a message delivered from one of two
// sources, then an RFC 3464 DSN for it at the node's inbound MX, to its
// VERP return path (proof a stranger cannot forge), whose diagnostic
// names a DNS blocklist: the classifier's blocked_ip marks that (source,
// site) pair, and `ctl sources --json` lists the mark with the reason
// "return: blocked_ip".
func TestLateReturnMarksBlocklist(t *testing.T) {
	t.Parallel()
	rl := newReturnLog()
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Sources = []configs.Source{
			{Name: "s1", Address: "127.0.0.1", HeloName: "one.sluice.test"},
			{Name: "s2", Address: "127.0.0.2", HeloName: "two.sluice.test"},
		}
		cfg.Inbound.Domains = []string{"bounces.test"}
		cfg.Inbound.PolicyQuorum = 1 // one mailbox's return is enough here (the default, 3, is inbound's test)
		cfg.Tenants[0].BounceDomain = "bounces.test"
	})
	// Restart with the return hook (startTestNode has no parameter for it).
	tn.n.shutdown(5 * time.Second)
	n, err := startNode(tn.cfg, tn.n.log, nopWriter{}, nodeOptions{onEvent: tn.events.add, onReturn: rl.add})
	if err != nil {
		t.Fatal(err)
	}
	tn.n = n

	const to = "listed@example.test"
	if _, err := tn.submit("news@acme.example", []string{to}, plainMessage(to)); err != nil {
		t.Fatal(err)
	}
	m := tn.sink.WaitRcpts(1, 10*time.Second)[0]
	source := map[string]string{"one.sluice.test": "s1", "two.sluice.test": "s2"}[m.Helo]
	if source == "" || !strings.HasPrefix(m.From, "b.") || !strings.HasSuffix(m.From, "@bounces.test") {
		t.Fatalf("delivered with EHLO %q from %q, want a source's name and a VERP return path", m.Helo, m.From)
	}
	tn.events.wait(t, to, "delivered", 10*time.Second)
	ctl := ctlFor(t, tn)
	if st := sourcesJSON(t, ctl); len(st.Blocklist) != 0 {
		t.Fatalf("marks before the return: %+v", st.Blocklist)
	}

	dsn := "From: MAILER-DAEMON@mx.remote.test\r\nTo: " + m.From + "\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test\r\n\r\n" +
		"Final-Recipient: rfc822; " + to + "\r\nAction: failed\r\nStatus: 5.7.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org\r\n" +
		"--B--\r\n"
	if err := sendToInbound(t, tn, "", m.From, dsn); err != nil {
		t.Fatalf("DSN refused: %v", err)
	}
	ret := rl.wait(t, 1, 10*time.Second)[0]
	if ret.Via != "verp" || ret.Rcpt != to || ret.Suppressed {
		t.Fatalf("return %+v, want one attributed by VERP to %s, not suppressing", ret, to)
	}
	var st admin.SourcesStatus
	waitFor(t, 10*time.Second, func() bool {
		st = sourcesJSON(t, ctl)
		return len(st.Blocklist) > 0
	})
	if len(st.Blocklist) != 1 {
		t.Fatalf("marks %+v, want %s's alone", st.Blocklist, source)
	}
	b := st.Blocklist[0]
	if b.Source != source || !strings.Contains(b.Site, "mx1.example.test") || b.Reason != "return: blocked_ip" ||
		!b.Standing || b.Count != 1 || b.Until.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("mark %+v, want %s at the sink's site for \"return: blocked_ip\", standing for about an hour", b, source)
	}
}

// sourcesJSON runs `ctl sources --json`.
func sourcesJSON(t *testing.T, ctl func(args ...string) string) admin.SourcesStatus {
	t.Helper()
	var st admin.SourcesStatus
	if err := json.Unmarshal([]byte(ctl("sources", "--json")), &st); err != nil {
		t.Fatalf("ctl sources --json: %v", err)
	}
	return st
}
