package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"sluice/configs"
	"sluice/internal/clock"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/mta/tlsrpt"
	"sluice/tracking/webhook"
)

// tlsHookEvent is a webhook event's transport fields, as a receiver
// would declare them.
type tlsHookEvent struct {
	Kind        string `json:"kind"`
	Recipient   string `json:"recipient"`
	TLS         *bool  `json:"tls"`
	TLSVerified bool   `json:"tls_verified"`
	TLSVersion  string `json:"tls_version"`
	TLSCipher   string `json:"tls_cipher"`
	TLSPolicy   string `json:"tls_policy"`
	TLSResult   string `json:"tls_result"`
}

// TestWebhookCarriesTLS: a message delivered over STARTTLS reaches the
// tenant's webhook as a delivered event saying so (tls, tls_version,
// tls_cipher, tls_policy, tls_result): delivery's outcome went through the
// spool's journal (version 2) into the events store and its outbox.
func TestWebhookCarriesTLS(t *testing.T) {
	t.Parallel()
	got := newWaitLog[tlsHookEvent]()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]byte(webhookSecret), r.Header.Get("Sluice-Signature"), body, clock.Now(), 5*time.Minute); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p struct{ Events []tlsHookEvent }
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
		cfg.Tenants[0].Webhook = configs.Webhook{URL: srv.URL + "/hook", Secret: webhookSecret}
	})
	if _, err := tn.submit("news@acme.example", []string{"ann@example.test"}, plainMessage("ann@example.test")); err != nil {
		t.Fatal(err)
	}
	if m := tn.sink.WaitRcpts(1, 10*time.Second)[0]; !m.TLS {
		t.Fatal("the sink received the message in clear")
	}
	evs, ok := got.until(20*time.Second, func(evs []tlsHookEvent) bool {
		for _, ev := range evs {
			if ev.Kind == "delivered" {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no delivered event reached the webhook: %+v", evs)
	}
	for _, ev := range evs {
		switch ev.Kind {
		case "delivered":
			if ev.TLS == nil || !*ev.TLS || ev.TLSVersion != "TLS 1.3" || ev.TLSCipher == "" ||
				ev.TLSPolicy != "opportunistic" || ev.TLSResult != "success" {
				t.Errorf("delivered event without its transport: %+v", ev)
			}
		case "sent":
			if ev.TLS != nil || ev.TLSPolicy != "" {
				t.Errorf("sent event with a transport: %+v", ev)
			}
		}
	}
}

// TestTLSReportMailIsExempt: a mailed TLS report, queued by the reporter's
// Enqueue (tlsrpt.SpoolEnqueue), carries delivery.FlagTLSReport: delivery sends
// it outside the receiver's policy ("exempt", RFC 8460 §5.3).
func TestTLSReportMailIsExempt(t *testing.T) {
	t.Parallel()
	tn := startTestNode(t, mtatest.SinkOptions{}, nil)
	msg := "From: tlsrpt@acme.example\r\nTo: reports@example.test\r\nSubject: Report Domain: example.test\r\n\r\nreport\r\n"
	if err := tlsrpt.SpoolEnqueue(tn.n.store, nil, nil)(context.Background(), "tlsrpt@acme.example", "reports@example.test", []byte(msg)); err != nil {
		t.Fatal(err)
	}
	ev := tn.events.wait(t, "reports@example.test", "delivered", 10*time.Second)
	if ev.TLSPolicy != "exempt" || ev.TLSPolicySource != "tls-report" || ev.Tenant != tlsrpt.SystemTenant {
		t.Fatalf("report delivered under policy %q (%q), tenant %q; want exempt", ev.TLSPolicy, ev.TLSPolicySource, ev.Tenant)
	}
	// Tenant mail to the same site is not.
	if _, err := tn.submit("news@acme.example", []string{"ann@example.test"}, plainMessage("ann@example.test")); err != nil {
		t.Fatal(err)
	}
	if ev := tn.events.wait(t, "ann@example.test", "delivered", 10*time.Second); ev.TLSPolicy == "exempt" || ev.TLSPolicy == "" {
		t.Fatalf("tenant mail delivered under policy %q", ev.TLSPolicy)
	}
}
