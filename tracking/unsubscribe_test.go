package tracking_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

var htmlHeaders = map[string]string{
	"Content-Type":            "text/html; charset=utf-8",
	"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
	"Referrer-Policy":         "no-referrer",
	"X-Content-Type-Options":  "nosniff",
	"Cache-Control":           "no-store, no-cache, must-revalidate, private",
}

func checkHTMLHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	for k, want := range htmlHeaders {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}

func unsubEdge(t *testing.T) (*testEdge, string) {
	te := newEdge(t, func(c *tracking.Config) {
		c.TenantName = func(id string) string {
			if id == "acme" {
				return "ACME <Shop> & Co"
			}
			return id
		}
	})
	return te, te.seal(t, token.Claims{Kind: token.Unsubscribe, Rcpt: 2, Addr: "John.Doe@Example.com"})
}

func TestUnsubscribePage(t *testing.T) {
	t.Parallel()
	te, tok := unsubEdge(t)
	resp, body := te.get(t, "/u/"+tok, "Cookie", "session=abc; tracking=1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	checkHTMLHeaders(t, resp)
	for _, want := range []string{
		`<html lang="en">`,
		`<form method="post">`,
		`<button type="submit">Unsubscribe</button>`,
		`ACME &lt;Shop&gt; &amp; Co`, // the tenant's display name, escaped
		`J***@E***.com`,              // the address, masked
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	for _, bad := range []string{"<script", "John", "Doe", "Example.com", "onclick", "<iframe"} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if n := strings.Count(body, "<button"); n != 1 {
		t.Errorf("%d buttons", n)
	}
	if n := strings.Count(body, "<form"); n != 1 {
		t.Errorf("%d forms", n)
	}
	// GET and HEAD never suppress nor record.
	if resp, body := te.do(t, http.MethodHead, "/u/"+tok, nil); resp.StatusCode != 200 || body != "" {
		t.Errorf("HEAD: %d %q", resp.StatusCode, body)
	}
	if calls, _ := te.supp.snapshot(); len(calls) != 0 {
		t.Errorf("GET suppressed: %+v", calls)
	}
	if evs := te.rec.events(); len(evs) != 0 {
		t.Errorf("GET recorded %+v", evs)
	}
	if st := te.edge.Stats(); st.Pages != 2 || st.Unsubscribes != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestUnsubscribePost(t *testing.T) {
	t.Parallel()
	multi := func(fields ...string) (io.Reader, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for i := 0; i+1 < len(fields); i += 2 {
			w.WriteField(fields[i], fields[i+1])
		}
		w.Close()
		return &b, w.FormDataContentType()
	}
	for _, c := range []struct {
		name   string
		body   func() (io.Reader, string)
		detail string
	}{
		{"one-click urlencoded", oneClickForm, "one_click"},
		{"one-click multipart", func() (io.Reader, string) { return multi("List-Unsubscribe", "One-Click") }, "one_click"},
		{"empty body", func() (io.Reader, string) { return nil, "" }, "empty"},
		{"empty body with form type", func() (io.Reader, string) {
			return strings.NewReader(""), "application/x-www-form-urlencoded"
		}, "empty"},
		{"other body", func() (io.Reader, string) { return strings.NewReader("hello"), "text/plain" }, "other"},
		{"malformed multipart", func() (io.Reader, string) {
			return strings.NewReader("--x\r\ngarbage"), "multipart/form-data; boundary=x"
		}, "other"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			te, tok := unsubEdge(t)
			body, ct := c.body()
			resp, page := te.do(t, http.MethodPost, "/u/"+tok, body, "Content-Type", ct, "Cookie", "a=b")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, page)
			}
			checkHTMLHeaders(t, resp)
			if !strings.Contains(page, "You are unsubscribed") || !strings.Contains(page, "J***@E***.com") {
				t.Errorf("confirmation page:\n%s", page)
			}
			calls, done := te.supp.snapshot()
			want := queue.Suppression{Tenant: "acme", Addr: "john.doe@example.com", Scope: queue.ScopeMarketing,
				Reason: "unsubscribe", Source: "edge", Created: t0, Detail: c.detail}
			if len(calls) != 1 || done != 1 || calls[0] != want {
				t.Errorf("suppressions %+v (done %d), want %+v", calls, done, want)
			}
			ev := te.rec.take(t)
			wantEv := events.Event{Time: t0, Kind: events.KindUnsubscribe, Tenant: "acme", Message: msgID(accepted), Rcpt: 2, Reason: c.detail}
			if ev != wantEv {
				t.Errorf("event\n got %+v\nwant %+v", ev, wantEv)
			}
		})
	}
}

// TestUnsubscribeDurableFirst: the 200 is not written until the suppressor
// has returned.
func TestUnsubscribeDurableFirst(t *testing.T) {
	t.Parallel()
	te, tok := unsubEdge(t)
	te.supp.called = make(chan struct{}, 1)
	te.supp.gate = make(chan struct{})
	type result struct {
		status   int
		doneSeen int
	}
	res := make(chan result, 1)
	go func() { // no t.Fatal off the test's goroutine
		body, ct := oneClickForm()
		resp, err := te.http.Post(te.base+"/u/"+tok, ct, body)
		if err != nil {
			res <- result{status: -1}
			return
		}
		resp.Body.Close()
		_, done := te.supp.snapshot()
		res <- result{resp.StatusCode, done}
	}()
	<-te.supp.called
	select {
	case r := <-res:
		t.Fatalf("answered %d before the suppression was committed", r.status)
	case <-time.After(200 * time.Millisecond):
	}
	close(te.supp.gate)
	r := <-res
	if r.status != http.StatusOK || r.doneSeen != 1 {
		t.Errorf("status %d, suppressions committed when answered: %d", r.status, r.doneSeen)
	}
}

func TestUnsubscribeSuppressorFails(t *testing.T) {
	t.Parallel()
	te, tok := unsubEdge(t)
	te.supp.err = errDisk
	body, ct := oneClickForm()
	resp, page := te.do(t, http.MethodPost, "/u/"+tok, body, "Content-Type", ct)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d", resp.StatusCode)
	}
	checkHTMLHeaders(t, resp)
	if strings.Contains(page, "unsubscribed") || !strings.Contains(page, "could not unsubscribe") || strings.Contains(page, errDisk.Error()) {
		t.Errorf("error page:\n%s", page)
	}
	if evs := te.rec.events(); len(evs) != 0 {
		t.Errorf("recorded %+v", evs)
	}
	if st := te.edge.Stats(); st.SuppressError != 1 || st.Unsubscribes != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestUnsubscribeWithoutAddress(t *testing.T) {
	t.Parallel()
	te := newEdge(t, nil)
	tok := te.seal(t, token.Claims{Kind: token.Unsubscribe})
	resp, body := te.get(t, "/u/"+tok)
	expect404(t, resp, body)
	form, ct := oneClickForm()
	resp, body = te.do(t, http.MethodPost, "/u/"+tok, form, "Content-Type", ct)
	expect404(t, resp, body)
	if calls, _ := te.supp.snapshot(); len(calls) != 0 {
		t.Errorf("suppressed %+v", calls)
	}
}

func TestMaskedAddresses(t *testing.T) {
	t.Parallel()
	te := newEdge(t, nil)
	re := regexp.MustCompile(`to <strong>([^<]*)</strong>`)
	for addr, want := range map[string]string{
		"j@example.com":         "j***@e***.com",
		"jane@mail.example.org": "j***@m***.org",
		"ülrich@bücher.de":      "ü***@b***.de",
		"x@localhost":           "x***@l***",
	} {
		tok := te.seal(t, token.Claims{Kind: token.Unsubscribe, Addr: addr})
		_, body := te.get(t, "/u/"+tok)
		m := re.FindStringSubmatch(body)
		if m == nil || m[1] != want {
			t.Errorf("%s shown as %q, want %q", addr, m, want)
		}
	}
}
