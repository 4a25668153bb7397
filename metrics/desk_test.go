package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sluice/accounting"
	"sluice/internal/event"
)

// The desk's hooks export their families with the bounded labels named
// in their help.
func TestDeskHooks(t *testing.T) {
	t.Parallel()
	m := New()
	if strings.Contains(scrape(t, m), "sluice_dns_lookup_seconds") {
		t.Error("DNS family exported before any lookup")
	}
	m.ObserveDNS("MX", 3*time.Millisecond, "ok")
	m.ObserveDNS("TLSA", time.Second, "timeout")
	m.SiteOutcome("gmail", event.Delivered, 2*time.Second)
	m.SiteOutcome("default", event.Deferred, 0)
	m.TenantReturn("acme", "complaint")
	s := m.TimeSigner(fakeSigner{signed: true})
	if _, ok, err := s.Sign([]byte("x")); !ok || err != nil {
		t.Fatal("the wrapper changed the result")
	}
	m.TimeSigner(fakeSigner{}).Sign(nil)
	m.TimeSigner(fakeSigner{err: errors.New("bad key")}).Sign(nil)
	if m.TimeSigner(nil) != nil {
		t.Error("TimeSigner(nil) is not nil")
	}
	wantLines(t, scrape(t, m),
		`sluice_dns_lookup_seconds_count{result="ok",type="MX"} 1`,
		`sluice_dns_lookup_seconds_count{result="timeout",type="TLSA"} 1`,
		`sluice_delivery_site_recipients_total{result="delivered",rule="gmail"} 1`,
		`sluice_delivery_site_recipients_total{result="deferred",rule="default"} 1`,
		`sluice_delivery_site_latency_seconds_count{rule="gmail"} 1`,
		`sluice_returns_tenant_total{kind="complaint",tenant="acme"} 1`,
		`sluice_dkim_sign_seconds_count{result="signed"} 1`,
		`sluice_dkim_sign_seconds_count{result="unsigned"} 1`,
		`sluice_dkim_sign_seconds_count{result="error"} 1`,
	)
}

type fakeSigner struct {
	signed bool
	err    error
}

func (f fakeSigner) Sign([]byte) ([]byte, bool, error) { return nil, f.signed, f.err }
func (fakeSigner) FieldsLen() int                      { return 0 }

type fakeAccounting struct{ s accounting.Stats }

func (f fakeAccounting) Stats() accounting.Stats { return f.s }

func TestRegisterAccounting(t *testing.T) {
	t.Parallel()
	m := New()
	m.RegisterAccounting(fakeAccounting{accounting.Stats{Lines: 7, Bytes: 700, Backlog: 3, WriteErrors: 2, CompressErrors: 1, Rotations: 4}})
	wantLines(t, scrape(t, m),
		"sluice_accounting_lines_total 7", "sluice_accounting_bytes_total 700", "sluice_accounting_backlog 3",
		"sluice_accounting_write_errors_total 2", "sluice_accounting_compress_errors_total 1", "sluice_accounting_rotations_total 4")
}

// Handler serves /metrics and /healthz over real HTTP, as `sluice edge`
// does on its admin listener.
func TestHandler(t *testing.T) {
	t.Parallel()
	m := New()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "sluice_build_info") {
		t.Errorf("/metrics: %d %.200s", code, body)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, _ := get("/api/v1/queue"); code != http.StatusNotFound {
		t.Errorf("/api/v1/queue: %d, want 404", code)
	}
}
