package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestToken: every API and profile endpoint answers 401, with a JSON
// error and a WWW-Authenticate challenge, without the right bearer token
// (RFC 6750 §3); /healthz and /metrics are open.
func TestToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	protected := []struct{ method, path string }{
		{"GET", "/api/v1/queue/stats"}, {"GET", "/api/v1/queue/summary"}, {"GET", "/api/v1/queue/messages"},
		{"GET", "/api/v1/queue/holds"}, {"POST", "/api/v1/queue/suspend"}, {"POST", "/api/v1/queue/delete"},
		{"GET", "/api/v1/suppressions"}, {"POST", "/api/v1/suppressions/import"}, {"GET", "/api/v1/suppressions/export"},
		{"DELETE", "/api/v1/suppressions"}, {"GET", "/api/v1/stats"}, {"GET", "/api/v1/privacy/export"},
		{"POST", "/api/v1/privacy/erase"}, {"GET", "/debug/pprof/"},
		{"GET", "/api/v1/queue/messages/0000000000000001/headers"}, {"GET", "/api/v1/queue/messages/0000000000000001/body"},
		{"POST", "/api/v1/queue/messages/0000000000000001/hold"}, {"POST", "/api/v1/queue/messages/0000000000000001/release"},
		{"GET", "/api/v1/log-level"}, {"PUT", "/api/v1/log-level"}, {"GET", "/api/v1/top"},
	}
	for _, p := range protected {
		for _, auth := range []string{"", "Bearer wrong", "Bearer " + testToken + "x", "Basic " + testToken, testToken} {
			req, _ := http.NewRequest(p.method, f.srv.URL+p.path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var e struct{ Error string }
			_ = json.NewDecoder(resp.Body).Decode(&e)
			resp.Body.Close()
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="sluice"` || !strings.Contains(e.Error, "token") {
				t.Errorf("%s %s with %q: %d %q, want 401 with a challenge", p.method, p.path, auth, resp.StatusCode, e.Error)
			}
		}
	}
	if code, body := f.do("GET", "/debug/pprof/", ""); code != 200 {
		t.Fatalf("pprof with the token: %d %s", code, body)
	}
	for _, path := range []string{"/healthz", "/metrics"} {
		resp, err := http.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s without a token: %d, want 200", path, resp.StatusCode)
		}
	}
}

// TestNewHandlerRefuses: a config that would serve an open or broken API
// is refused.
func TestNewHandlerRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := map[string]func(*Config){
		"no token":    func(c *Config) { c.Token = "" },
		"no queue":    func(c *Config) { c.Queue = nil },
		"no events":   func(c *Config) { c.Privacy.Events = nil },
		"no spool":    func(c *Config) { c.Privacy.Spool = nil },
		"no logger":   func(c *Config) { c.Logger = nil },
		"no stats":    func(c *Config) { c.Stats = nil },
		"no suppress": func(c *Config) { c.Suppressions = nil },
	}
	for name, mutate := range cases {
		c := f.config()
		mutate(&c)
		if _, err := NewServer(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	srv, err := NewServer(f.config())
	if err != nil || srv.ReadHeaderTimeout != 10*time.Second {
		t.Fatalf("NewServer: %+v, %v", srv, err)
	}
}

// TestPrivacyBadInput: bad data subject requests get a 4xx with a JSON
// error.
func TestPrivacyBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name, method, path, body string
		code                     int
		msg                      string
	}{
		{"export without tenant", "GET", "export?address=a@example.test", "", 400, "tenant is required"},
		{"export without address", "GET", "export?tenant=acme", "", 400, "address"},
		{"export of a non-address", "GET", "export?tenant=acme&address=nobody", "", 400, "address"},
		{"export of an address with a space", "GET", "export?tenant=acme&address=a%20b@example.test", "", 400, "address"},
		{"export for an unknown tenant", "GET", "export?tenant=omega&address=a@example.test", "", 404, "unknown tenant"},
		{"erase with bad JSON", "POST", "erase", "{", 400, "JSON"},
		{"erase without tenant", "POST", "erase", `{"address":"a@example.test"}`, 400, "tenant is required"},
		{"erase of a non-address", "POST", "erase", `{"tenant":"acme","address":"@example.test"}`, 400, "address"},
		{"erase for an unknown tenant", "POST", "erase", `{"tenant":"omega","address":"a@example.test"}`, 404, "unknown tenant"},
		{"erase by GET", "GET", "erase?tenant=acme&address=a@example.test", "", 405, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := f.do(c.method, "/api/v1/privacy/"+c.path, c.body)
			if code != c.code {
				t.Fatalf("%s %s: %d %s, want %d", c.method, c.path, code, body, c.code)
			}
			if c.msg == "" {
				return
			}
			var e struct{ Error string }
			if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error, c.msg) {
				t.Fatalf("%s %s: body %s, want a JSON error about %q", c.method, c.path, body, c.msg)
			}
		})
	}
}

// TestPrivacyHTTP: the export and the erasure through the API answer the
// workflow's JSON, log an audit line with the actor and the address's
// hash (never the address), and a delivery line per recipient removed.
func TestPrivacyHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	subjects(t, f)
	code, body := f.do("GET", "/api/v1/privacy/export?tenant=acme&address=+ann@example.test+", "")
	var ex SubjectExport
	if err := json.Unmarshal(body, &ex); code != 200 || err != nil || len(ex.Directory) != 2 || len(ex.WebhookPending) != 3 {
		t.Fatalf("export: %d %s", code, body)
	}
	code, body = f.do("POST", "/api/v1/privacy/erase", `{"tenant":"acme","address":" ann@example.test"}`)
	var er Erasure
	if err := json.Unmarshal(body, &er); code != 200 || err != nil || er.DirectoryEntries != 2 || er.WebhookEntries != 3 || er.QueuedRemoved != 2 {
		t.Fatalf("erase: %d %s", code, body)
	}
	if strings.Contains(string(body), "Removed") {
		t.Fatalf("erase answers its internal list: %s", body)
	}
	logs := f.logs.String()
	erased := 0
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(line, "ann@") {
			t.Fatalf("a log line names the address: %s", line)
		}
		switch l["msg"] {
		case "admin: privacy export", "admin: privacy erase":
			if l["actor"] != "tester" || l["rcpt_hash"] != er.RcptHash || l["remote"] == "" {
				t.Fatalf("audit line: %s", line)
			}
		case "delivery":
			if l["result"] == "erased" && l["reply"] == "erased on request by an operator: tester" {
				erased++
			}
		}
	}
	if erased != 2 || !strings.Contains(logs, `"msg":"admin: privacy erase"`) {
		t.Fatalf("want 2 delivery lines and the erase audit line:\n%s", logs)
	}
}

// TestPrivacyStoreError: a store that fails is a 500 naming the store,
// logged with the cause.
func TestPrivacyStoreError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	subjects(t, f)
	c := f.config()
	c.Privacy.Outbox = failingOutbox{f.outbox}
	h, err := NewHandler(c)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	code, body := f.do("POST", "/api/v1/privacy/erase", `{"tenant":"acme","address":"ann@example.test"}`)
	if code != 500 || !strings.Contains(string(body), "events store error") || strings.Contains(string(body), "fire") {
		t.Fatalf("erase with a failing outbox: %d %s", code, body)
	}
	if !strings.Contains(f.logs.String(), "disk on fire") {
		t.Fatalf("the cause is not logged:\n%s", f.logs.String())
	}
}
