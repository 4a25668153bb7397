package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/configs"
	"sluice/dkim"
	"sluice/internal/clock"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/mta/tlsrpt"
)

// manualClock is a clock the test moves.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// startNodeWith is startTestNode with start-up options of its own (the
// TLS reporter's hook).
func startNodeWith(t *testing.T, mutate func(*configs.Config, *dnstest.Server), opts nodeOptions) *testNode {
	t.Helper()
	dns := dnstest.NewServer(t)
	sink := mtatest.NewSink(t, mtatest.SinkOptions{TLS: true})
	dns.AddMX("example.test", 10, "mx1.example.test")
	dns.AddA("mx1.example.test", "127.0.0.1")
	cfg := testConfig(t, dns, sink.Port())
	mutate(cfg, dns)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tn := &testNode{t: t, cfg: cfg, dns: dns, sink: sink, events: newEventLog(), logs: &syncBuffer{}}
	opts.onEvent = tn.events.add
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(tn.logs, testLogWriter()), &slog.HandlerOptions{Level: slog.LevelInfo}))
	n, err := startNode(cfg, log, io.Discard, opts)
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	tn.n = n
	t.Cleanup(func() {
		if tn.n != nil {
			tn.n.shutdown(5 * time.Second)
		}
	})
	return tn
}

// TestTLSReportsEndToEnd: a node with delivery.tls_reports delivers to a
// domain whose MTA-STS policy cannot be fetched (an sts-policy-fetch-error
// in the delivery's statistics) and that publishes `_smtp._tls` with an
// https and a mailto rua. Once the reporter's clock passes the end of the
// UTC day, one Tick posts the gzipped RFC 8460 report to the https
// receiver and queues the mailed one, DKIM-signed for the From domain,
// under the system tenant; the node delivers it.
func TestTLSReportsEndToEnd(t *testing.T) {
	t.Parallel()
	type post struct {
		ctype string
		body  []byte
	}
	posts := make(chan post, 4)
	rcv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts <- post{r.Header.Get("Content-Type"), b}
	}))
	t.Cleanup(rcv.Close)
	dir := t.TempDir()
	caFile, keyFile := filepath.Join(dir, "rcv.pem"), filepath.Join(dir, "dkim.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rcv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := dkim.GenerateKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	if err := dkim.WritePrivateKey(keyFile, key); err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	fc := &manualClock{t: start}
	tn := startNodeWith(t, func(cfg *configs.Config, dns *dnstest.Server) {
		cfg.Delivery.TLSReports = true
		cfg.Delivery.TLSReportOrg = "Sluice Test"
		cfg.Delivery.TLSReportFrom = "tlsrpt@acme.example"
		cfg.Delivery.TLSCAFile = caFile
		cfg.DKIM.Keys = []configs.DKIMKey{{Domain: "acme.example", Selector: "s1", File: keyFile}}
		dns.AddTXT("_mta-sts.example.test", "v=STSv1; id=1;") // mta-sts.example.test has no address: fetch error
		dns.AddTXT("_smtp._tls.example.test", "v=TLSRPTv1; rua="+rcv.URL+"/tlsrpt,mailto:reports@example.test")
	}, nodeOptions{tlsrptHook: func(rc *tlsrpt.Config) {
		rc.Now = fc.Now
		rc.Rand = func(int64) int64 { return 0 } // no delay after midnight
		rc.Interval = time.Hour                  // the test ticks
	}})
	if _, err := tn.submit("ops@acme.example", []string{"ann@example.test"}, plainMessage("ann@example.test")); err != nil {
		t.Fatal(err)
	}
	tn.events.wait(t, "ann@example.test", "delivered", 10*time.Second)

	ctx := context.Background()
	rep := tn.n.tlsReports
	if err := rep.Tick(ctx); err != nil { // the day's counts to the store
		t.Fatal(err)
	}
	y, m, d := start.UTC().Date()
	fc.Set(time.Date(y, m, d+1, 0, 1, 0, 0, time.UTC))
	if err := rep.Tick(ctx); err != nil { // the day closes, the reports go
		t.Fatal(err)
	}

	var p post
	select {
	case p = <-posts:
	case <-time.After(10 * time.Second):
		t.Fatal("no report reached the https receiver")
	}
	if p.ctype != "application/tlsrpt+gzip" {
		t.Fatalf("Content-Type %q", p.ctype)
	}
	zr, err := gzip.NewReader(bytes.NewReader(p.body))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	var report struct {
		Org      string `json:"organization-name"`
		Policies []struct {
			Policy struct {
				Type   string `json:"policy-type"`
				Domain string `json:"policy-domain"`
			} `json:"policy"`
			Summary struct {
				Failures int `json:"total-failure-session-count"`
			} `json:"summary"`
			Details []struct {
				Result string `json:"result-type"`
			} `json:"failure-details"`
		} `json:"policies"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatalf("report: %v\n%s", err, raw)
	}
	if report.Org != "Sluice Test" || len(report.Policies) != 1 || report.Policies[0].Policy.Domain != "example.test" ||
		report.Policies[0].Summary.Failures < 1 || len(report.Policies[0].Details) == 0 ||
		report.Policies[0].Details[0].Result != "sts-policy-fetch-error" {
		t.Fatalf("report does not carry the fetch error of example.test:\n%s", raw)
	}

	got := tn.sink.WaitRcpts(2, 10*time.Second)
	var mail *mtatest.Received
	for i := range got {
		if len(got[i].To) == 1 && got[i].To[0] == "reports@example.test" {
			mail = &got[i]
		}
	}
	if mail == nil {
		t.Fatal("the mailed report did not arrive")
	}
	if sig := headerValue(mail.Data, "DKIM-Signature"); !strings.Contains(sig, "d=acme.example;") {
		t.Fatalf("mailed report not signed for acme.example: %q", sig)
	}
	if mail.From != "tlsrpt@acme.example" || !strings.Contains(headerValue(mail.Data, "Content-Type"), "multipart/report") {
		t.Fatalf("mailed report: from %q, Content-Type %q", mail.From, headerValue(mail.Data, "Content-Type"))
	}
	if ev := tn.events.wait(t, "reports@example.test", "delivered", 10*time.Second); ev.Tenant != tlsrpt.SystemTenant {
		t.Fatalf("report mail queued under tenant %q, want %q", ev.Tenant, tlsrpt.SystemTenant)
	}
}
