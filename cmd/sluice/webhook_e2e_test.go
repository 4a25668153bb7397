package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sluice/configs"
	"sluice/internal/clock"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/tracking/token"
	"sluice/tracking/webhook"
)

const webhookSecret = "e2e-webhook-secret-0123456789"

// webhookEvent is the payload event as a receiver in another language
// would declare it: no import of tracking/webhook.
type webhookEvent struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Time      string `json:"time"`
	Tenant    string `json:"tenant"`
	Campaign  string `json:"campaign"`
	MessageID string `json:"message_id"`
	Rcpt      uint32 `json:"rcpt"`
	Recipient string `json:"recipient"`
	Link      *int   `json:"link"`
	Machine   bool   `json:"machine"`
	Reason    string `json:"reason"`
	Proxy     string `json:"proxy"`
	IP        string `json:"ip"`
	UAClass   string `json:"ua_class"`
}

// webhookSink is a tenant's endpoint: it checks each request's signature
// and records the events of those that verify.
// While down is set it answers 503 to everything.
type webhookSink struct {
	*waitLog[webhookEvent]
	bad     *waitLog[string] // why a request was refused
	down    atomic.Bool
	refused *waitLog[int] // the requests answered 503, numbered
}

func newWebhookSink(t *testing.T) (*webhookSink, string) {
	s := &webhookSink{waitLog: newWaitLog[webhookEvent](), bad: newWaitLog[string](), refused: newWaitLog[int]()}
	var refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			s.refused.add(int(refused.Add(1)))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		// The signature algorithm is checked independently of Verify in
		// tracking/webhook; here, that the node signs with the tenant's
		// secret.
		if err := webhook.Verify([]byte(webhookSecret), r.Header.Get("Sluice-Signature"), body, clock.Now(), 5*time.Minute); err != nil {
			s.bad.add(err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p struct{ Events []webhookEvent }
		if err := json.Unmarshal(body, &p); err != nil {
			s.bad.add("json: " + err.Error())
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, ev := range p.Events {
			s.add(ev)
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL + "/hooks/sluice"
}

var queuedID = regexp.MustCompile(`queued as ([0-9a-f]{16})`)

// TestWebhookEndToEnd: a submitted newsletter's sent and delivered events
// and the edge's open and click reach the tenant's endpoint, signed, in
// order, with the message id of the submission reply and the recipient's
// address; the human (proxied) open and the scanner's click are told
// apart, and a DNT open is never sent.
func TestWebhookEndToEnd(t *testing.T) {
	sink, url := newWebhookSink(t)
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Tracking.BaseURL = "http://edge.test"
		cfg.Tenants[0].Tracking = "all"
		cfg.Tenants[0].Webhook = configs.Webhook{URL: url, Secret: webhookSecret}
	})
	reply, err := tn.submit("news@acme.example", []string{"ann@example.test"}, newsletter)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	id := queuedID.FindStringSubmatch(reply)
	if id == nil {
		t.Fatalf("reply %q: no queue id", reply)
	}
	m := tn.sink.WaitRcpts(1, 10*time.Second)[0]
	// The delivered event is recorded after the spool's commit, which may
	// follow the sink's reply: wait for it, so that the order is known.
	tn.events.wait(t, "ann@example.test", "delivered", 10*time.Second)
	edge := "http://" + tn.n.edgeLn.Addr().String()
	get := func(path string, header map[string]string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, edge+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no redirects
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 && resp.StatusCode != 302 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
	px := pixel.FindStringSubmatch(string(m.Data))
	cl := clickLink.FindStringSubmatch(string(m.Data))
	if px == nil || cl == nil {
		t.Fatalf("no pixel or tracked link in:\n%s", m.Data)
	}
	gmail := "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
	get("/o/"+px[1]+".gif", map[string]string{"User-Agent": "Mozilla/5.0", "DNT": "1"}) // anonymous: never sent
	get("/o/"+px[1]+".gif", map[string]string{"User-Agent": gmail})                     // a person, through Gmail's proxy
	get("/c/"+cl[1], map[string]string{"User-Agent": "Go-http-client/1.1"})             // a scanner

	evs, ok := sink.until(20*time.Second, func(evs []webhookEvent) bool {
		n := 0
		for _, ev := range evs {
			if ev.Kind == "click" {
				n++
			}
		}
		return n > 0
	})
	if !ok {
		bad, _ := sink.bad.until(0, func([]string) bool { return true })
		t.Fatalf("no click event within 20s; got %+v; refused requests: %q", evs, bad)
	}
	if bad, _ := sink.bad.until(0, func([]string) bool { return true }); len(bad) > 0 {
		t.Fatalf("requests refused by the receiver: %q", bad)
	}
	var kinds []string
	seen := map[string]bool{}
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
		if seen[ev.ID] {
			t.Errorf("event id %s delivered twice", ev.ID)
		}
		seen[ev.ID] = true
		if ev.Tenant != "acme" || ev.Campaign != "nov-2026" || ev.MessageID != id[1] || ev.Rcpt != 0 || ev.Recipient != "ann@example.test" {
			t.Errorf("%s event: %+v (want message %s to ann@example.test in nov-2026)", ev.Kind, ev, id[1])
		}
		if _, err := time.Parse(time.RFC3339Nano, ev.Time); err != nil {
			t.Errorf("%s event: time %q: %v", ev.Kind, ev.Time, err)
		}
	}
	if got := strings.Join(kinds, ","); got != "sent,delivered,open,click" {
		t.Fatalf("event kinds %s, want sent,delivered,open,click (the DNT open never sent)", got)
	}
	open, click := evs[2], evs[3]
	if open.Machine || open.Proxy != "google" || open.UAClass != "google_proxy" || open.IP != "127.0.0.0/24" {
		t.Errorf("proxied human open: %+v", open)
	}
	if !click.Machine || click.Reason == "" || click.UAClass != "scanner" || click.Link == nil {
		t.Errorf("scanner click: %+v", click)
	}

	var metrics string
	scrape := func() bool {
		resp, err := http.Get("http://" + tn.n.adminLn.Addr().String() + "/metrics")
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(body)
		return strings.Contains(metrics, `sluice_webhook_events_sent_total{tenant="acme"} 4`)
	}
	if !waitUntil(10*time.Second, scrape) {
		t.Fatalf("/metrics does not count 4 webhook events sent:\n%s", metrics)
	}
	for _, want := range []string{
		`sluice_webhook_outbox_events{tenant="acme"} 0`,
		`sluice_webhook_failed_requests_total{tenant="acme"} 0`,
		`sluice_webhook_events_dropped_total{reason="expired",tenant="acme"} 0`,
		// The edge's own counters, read at scrape time (zeros included).
		`sluice_tracking_requests_total{kind="open"} 1`, // the Gmail-proxied one
		`sluice_tracking_requests_total{kind="anonymous"} 1`,
		`sluice_tracking_requests_total{kind="click_machine"} 1`,
		`sluice_tracking_requests_total{kind="bad_token"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q in:\n%s", want, grepLines(metrics, "sluice_tracking"))
		}
	}
}

// TestWebhookPrivacyErase: while the tenant's endpoint is down, events
// of ann and bob wait in the outbox; ann's pending ones show in her
// export, and her erasure (through `sluice ctl`) removes them: once the
// endpoint is back, bob's events arrive and none of ann's ever does.
func TestWebhookPrivacyErase(t *testing.T) {
	sink, url := newWebhookSink(t)
	sink.down.Store(true)
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, dns *dnstest.Server) {
		cfg.Tenants[0].Webhook = configs.Webhook{URL: url, Secret: webhookSecret}
		cfg.Webhooks.RetryFirst = configs.Duration{Duration: 10 * time.Millisecond}
		cfg.Webhooks.RetryMax = configs.Duration{Duration: 100 * time.Millisecond}
		dns.AddMX("other.test", 10, "mx1.example.test")
	})
	ctl := ctlFor(t, tn)
	const ann, bob = "ann@example.test", "bob@other.test"
	if _, err := tn.submit("news@acme.example", []string{ann, bob}, plainMessage(ann)); err != nil {
		t.Fatal(err)
	}
	tn.events.wait(t, ann, "delivered", 10*time.Second)
	tn.events.wait(t, bob, "delivered", 10*time.Second)
	if _, ok := sink.refused.until(10*time.Second, func(n []int) bool { return len(n) > 0 }); !ok {
		t.Fatal("the endpoint got no request while down")
	}

	// ann's sent and delivered events wait in the outbox: her export shows them.
	var ex privacyExport
	waitFor(t, 10*time.Second, func() bool {
		ex = exportOf(t, ctl, ann)
		return len(ex.WebhookPending) == 2
	})
	for _, ev := range ex.WebhookPending {
		if ev.Rcpt != ex.Directory[0].Index || ev.MessageID != ex.Directory[0].MessageID || ev.ID == "" {
			t.Fatalf("pending webhook event of someone else in ann's export: %+v", ev)
		}
	}

	var er privacyErasure
	if err := json.Unmarshal([]byte(ctl("privacy", "erase", "--tenant", "acme", ann, "--yes")), &er); err != nil {
		t.Fatal(err)
	}
	if er.WebhookEntries != 2 || er.Events != 2 {
		t.Fatalf("erasure: %+v, want 2 events and 2 webhook entries", er)
	}
	// A request read from the outbox before the erasure may be in flight:
	// let two more fail, the second read after the first's answer, so
	// after the erasure.
	refused, _ := sink.refused.until(0, func([]int) bool { return true })
	if _, ok := sink.refused.until(10*time.Second, func(n []int) bool { return len(n) >= len(refused)+2 }); !ok {
		t.Fatal("the dispatcher stopped retrying")
	}
	sink.down.Store(false)

	evs, ok := sink.until(20*time.Second, func(evs []webhookEvent) bool {
		n := 0
		for _, ev := range evs {
			if ev.Recipient == bob {
				n++
			}
		}
		return n == 2
	})
	if !ok {
		t.Fatalf("bob's two events did not arrive; got %+v", evs)
	}
	waitFor(t, 10*time.Second, func() bool {
		m := tn.n.webhooks.Metrics()
		return len(m.Endpoints) == 1 && m.Endpoints[0].Pending == 0
	})
	evs, _ = sink.until(0, func([]webhookEvent) bool { return true })
	for _, ev := range evs {
		if ev.Recipient != bob || ev.Rcpt != 1 {
			t.Fatalf("an event of ann was sent after her erasure: %+v", ev)
		}
	}
}

// waitUntil polls cond until it holds or timeout passes, and reports
// whether it held.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	for end := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// TestWebhookStandaloneEdge: `sluice edge`, a process of its own with its
// own events store, pushes the opens it records to the tenant's webhook
// too (without recipient addresses: it has no spool).
func TestWebhookStandaloneEdge(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped in -short mode")
	}
	sink, url := newWebhookSink(t)
	dir := t.TempDir()
	edgeAddr := freeAddr(t)
	conf := fmt.Sprintf(`data_dir = %q
[tracking]
listen = %q
token_secret = %q
suppress_via = "http://127.0.0.1:1"
[admin]
token = "edge-test-admin-token"
listen = %q
[[tenant]]
name = "acme"
password_hash = %q
sender_domains = ["acme.example"]
[tenant.webhook]
url = %q
secret = %q
kinds = ["open"]
`, filepath.Join(dir, "edge-data"), edgeAddr, strings.Repeat("ab", 32), freeAddr(t), hashFor(t, testPassword), url, webhookSecret)
	path, kr := writeConfig(t, filepath.Join(dir, "edge.toml"), conf)
	accepted := clock.Now().Add(-time.Minute) // not an "early" (prefetch) open
	msg := uint64(accepted.UnixMicro())
	tok, err := kr.Seal(token.Claims{Kind: token.Open, Tenant: "acme", Message: msg, Issued: accepted})
	if err != nil {
		t.Fatal(err)
	}

	edge := startChild(t, "edge", path, edgeAddr)
	cmd, logs := edge.cmd, edge.logs
	req, _ := http.NewRequest(http.MethodGet, "http://"+edgeAddr+"/o/"+tok+".gif", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("open at the standalone edge: %d\n%s", resp.StatusCode, logs.String())
	}
	evs, ok := sink.until(20*time.Second, func(evs []webhookEvent) bool { return len(evs) > 0 })
	if !ok {
		t.Fatalf("no webhook from the standalone edge\n%s", logs.String())
	}
	ev := evs[0]
	want := fmt.Sprintf("%016x", msg)
	if len(evs) != 1 || ev.Kind != "open" || ev.MessageID != want || ev.Machine || ev.UAClass != "browser" || ev.Recipient != "" {
		t.Fatalf("got %+v, want one human open of %s without recipient", evs, want)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sluice edge exit: %v\n%s", err, logs.String())
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
