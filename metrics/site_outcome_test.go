package metrics

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"sluice/internal/event"
	"sluice/mta/delivery"
	"sluice/mta/shaping"
)

// A delivery outcome is counted under the rule of the site its MX belongs
// to (as the engine keyed it), "default" for any other site or without a
// policy; a permanent failure also counts for its tenant.
func TestDeliveryOutcome(t *testing.T) {
	t.Parallel()
	p, err := shaping.New([]shaping.Rule{{Name: "gmail", MXPatterns: []string{"*.google.test"}}}, shaping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := New()
	m.DeliveryOutcome(p, delivery.Event{Kind: event.Delivered, Domain: "gmail.test", MX: "mx1.google.test", Latency: time.Second})
	m.DeliveryOutcome(p, delivery.Event{Kind: event.Failed, Tenant: "acme", Domain: "other.test", MX: "mx.other.test"})
	m.DeliveryOutcome(p, delivery.Event{Kind: event.Deferred, Domain: "gmail.test"}) // no MX reached
	m.DeliveryOutcome(nil, delivery.Event{Kind: event.Delivered, Domain: "x.test", MX: "mx1.google.test"})
	wantLines(t, scrape(t, m),
		`sluice_delivery_site_recipients_total{result="delivered",rule="gmail"} 1`,
		`sluice_delivery_site_recipients_total{result="failed",rule="default"} 1`,
		`sluice_delivery_site_recipients_total{result="deferred",rule="default"} 1`,
		`sluice_delivery_site_recipients_total{result="delivered",rule="default"} 1`,
		`sluice_delivery_site_latency_seconds_count{rule="gmail"} 1`,
		`sluice_returns_tenant_total{kind="failed",tenant="acme"} 1`,
	)
}

// Serve serves /metrics on its own listener until shut down.
func TestServe(t *testing.T) {
	t.Parallel()
	m := New()
	m.TenantReturn("acme", "bounce")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := m.Serve(ln, slog.New(slog.NewTextHandler(io.Discard, nil)))
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantLines(t, string(body), `sluice_returns_tenant_total{kind="bounce",tenant="acme"} 1`)
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/metrics"); err == nil {
		t.Error("still serving after Shutdown")
	}
}
