package tracking_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
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
		`<input type="hidden" name="List-Unsubscribe" value="One-Click">`, // the field the POST handler requires
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

// multipartBody writes fields (name, value pairs) as multipart/form-data
// and returns it with its Content-Type.
func multipartBody(fields ...string) (io.Reader, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	w.Close()
	return &b, w.FormDataContentType()
}

// raw returns a body with a Content-Type.
func raw(body, ct string) func() (io.Reader, string) {
	return func() (io.Reader, string) { return strings.NewReader(body), ct }
}

const form = "application/x-www-form-urlencoded"

// TestUnsubscribePost: every shape of the RFC 8058 §3.1 one-click body
// unsubscribes, over real HTTP.
func TestUnsubscribePost(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		body func() (io.Reader, string)
	}{
		{"urlencoded", oneClickForm},
		{"urlencoded with charset", raw("List-Unsubscribe=One-Click", form+"; charset=UTF-8")},
		{"urlencoded media type in capitals", raw("List-Unsubscribe=One-Click", "Application/X-WWW-Form-URLEncoded")},
		{"urlencoded among other fields", raw("utm=a+b&x=%26&List-Unsubscribe=One-Click&z", form)},
		{"urlencoded percent-encoded", raw("List%2DUnsubscribe=One%2dClick", form)},
		{"urlencoded value case", raw("list-unsubscribe=one-click", form)},
		{"urlencoded twice, second one-click", raw("List-Unsubscribe=no&List-Unsubscribe=One-Click", form)},
		{"urlencoded trailing newline pair", raw("List-Unsubscribe=One-Click&", form)},
		{"multipart", func() (io.Reader, string) { return multipartBody("List-Unsubscribe", "One-Click") }},
		{"multipart among other fields", func() (io.Reader, string) {
			return multipartBody("a", "1", "b", strings.Repeat("x", 10000), "List-Unsubscribe", "One-Click", "c", "3")
		}},
		{"multipart after a file", func() (io.Reader, string) {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			f, _ := w.CreateFormFile("List-Unsubscribe", "x.txt") // a file of that name is not the field
			f.Write([]byte("One-Click"))
			w.WriteField("List-Unsubscribe", "One-Click")
			w.Close()
			return &b, w.FormDataContentType()
		}},
		{"multipart, capitals, charset, quoted boundary", raw(
			"--b:1\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b:1--\r\n",
			`Multipart/Form-Data; charset=utf-8; boundary="b:1"`)},
		{"multipart quoted-printable", raw(
			"--q\r\nContent-Disposition: form-data; name=List-Unsubscribe\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nOne=2DClick\r\n--q--\r\n",
			"multipart/form-data; boundary=q")},
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
				Reason: "unsubscribe", Source: "edge", Created: t0, Detail: "one_click"}
			if len(calls) != 1 || done != 1 || calls[0] != want {
				t.Errorf("suppressions %+v (done %d), want %+v", calls, done, want)
			}
			ev := te.rec.take(t)
			wantEv := events.Event{Time: t0, Kind: events.KindUnsubscribe, Tenant: "acme", Message: msgID(accepted), Rcpt: 2, Reason: "one_click"}
			if ev != wantEv {
				t.Errorf("event\n got %+v\nwant %+v", ev, wantEv)
			}
			if st := te.edge.Stats(); st.Unsubscribes != 1 || st.BadUnsubscribe != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestUnsubscribePostRefused: a POST that is not the one-click field (an
// empty body, a link scanner's or a bot's POST, a malformed form) is a 400
// with a short text and unsubscribes nobody; one over the body limit is
// refused by fasthttp itself (its own 400, before the handler).
func TestUnsubscribePostRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		body    func() (io.Reader, string)
		fastErr bool // refused by fasthttp, not the handler
	}{
		{"no body", func() (io.Reader, string) { return nil, "" }, false},
		{"empty urlencoded", raw("", form), false},
		{"text/plain", raw("List-Unsubscribe=One-Click", "text/plain"), false},
		{"no content type", raw("List-Unsubscribe=One-Click", ""), false},
		{"json", raw(`{"List-Unsubscribe":"One-Click"}`, "application/json"), false},
		{"other field", raw("foo=bar", form), false},
		{"field without value", raw("List-Unsubscribe", form), false},
		{"empty value", raw("List-Unsubscribe=", form), false},
		{"other value", raw("List-Unsubscribe=One-Click-Later", form), false},
		{"plus is a space", raw("List-Unsubscribe=+One-Click", form), false},
		{"bad escape", raw("List-Unsubscribe=One%2GClick", form), false},
		{"bad media type", raw("List-Unsubscribe=One-Click", "application/x-www-form-urlencoded/x"), false},
		{"multipart without boundary", raw("--x\r\n", "multipart/form-data"), false},
		{"multipart malformed", raw("--x\r\ngarbage", "multipart/form-data; boundary=x"), false},
		{"multipart other value", func() (io.Reader, string) { return multipartBody("List-Unsubscribe", "One-Click2") }, false},
		{"multipart other field", func() (io.Reader, string) { return multipartBody("foo", "bar") }, false},
		{"multipart wrong boundary", func() (io.Reader, string) {
			b, _ := multipartBody("List-Unsubscribe", "One-Click")
			return b, "multipart/form-data; boundary=other"
		}, false},
		{"multipart file only", func() (io.Reader, string) {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			f, _ := w.CreateFormFile("List-Unsubscribe", "x.txt")
			f.Write([]byte("One-Click"))
			w.Close()
			return &b, w.FormDataContentType()
		}, false},
		{"over the body limit", raw("List-Unsubscribe=One-Click&pad="+strings.Repeat("x", 70<<10), form), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			te, tok := unsubEdge(t)
			body, ct := c.body()
			var resp *http.Response
			var text string
			if c.fastErr {
				resp, text = te.headersOnly(t, "/u/"+tok, body, ct)
			} else {
				resp, text = te.do(t, http.MethodPost, "/u/"+tok, body, "Content-Type", ct)
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, text)
			}
			if calls, _ := te.supp.snapshot(); len(calls) != 0 {
				t.Errorf("suppressed %+v", calls)
			}
			if evs := te.rec.events(); len(evs) != 0 {
				t.Errorf("recorded %+v", evs)
			}
			if c.fastErr {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if !strings.Contains(text, "List-Unsubscribe=One-Click") || len(text) > 200 || strings.Contains(text, "<") {
				t.Errorf("400 body %q", text)
			}
			if st := te.edge.Stats(); st.BadUnsubscribe != 1 || st.Unsubscribes != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestUnsubscribePageFormAccepted submits the confirmation page's own form
// as a browser does (its fields, urlencoded, to its action): it must be a
// body the handler accepts.
func TestUnsubscribePageFormAccepted(t *testing.T) {
	t.Parallel()
	te, tok := unsubEdge(t)
	_, page := te.get(t, "/u/"+tok)
	forms := regexp.MustCompile(`(?s)<form method="post">(.*?)</form>`).FindStringSubmatch(page)
	if forms == nil {
		t.Fatalf("no POST form without action (posts to the page's own URL):\n%s", page)
	}
	vals := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`).FindAllStringSubmatch(forms[1], -1) {
		vals.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	resp, body := te.do(t, http.MethodPost, "/u/"+tok, strings.NewReader(vals.Encode()), "Content-Type", form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You are unsubscribed") {
		t.Fatalf("the page's form (%s) got %d:\n%s", vals.Encode(), resp.StatusCode, body)
	}
	if calls, _ := te.supp.snapshot(); len(calls) != 1 {
		t.Errorf("suppressions %+v", calls)
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
	// The retry, within RepeatWindow, is written: a failed one is no
	// repeat.
	te.supp.mu.Lock()
	te.supp.err = nil
	te.supp.mu.Unlock()
	body, ct = oneClickForm()
	if resp, _ := te.do(t, http.MethodPost, "/u/"+tok, body, "Content-Type", ct); resp.StatusCode != http.StatusOK {
		t.Fatalf("retry: status %d", resp.StatusCode)
	}
	if _, done := te.supp.snapshot(); done != 1 {
		t.Errorf("retry: %d suppressions written, want 1", done)
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

// lookupSuppressor is a suppressor that can be asked first, as
// queue.Store can: marketing is blocked once a suppression was written.
type lookupSuppressor struct{ *suppressor }

func (l lookupSuppressor) SuppressedFor(tenant, addr string, st queue.Stream) (string, bool) {
	calls, done := l.snapshot()
	for _, c := range calls[:done] {
		if c.Tenant == tenant && c.Addr == addr && c.Scope.Blocks(st) {
			return c.Reason, true
		}
	}
	return "", false
}

// TestUnsubscribeReplayRecordedOnce: one one-click link POSTed again and
// again (a retrying client, or a stranger holding the link: 2,000 POSTs a
// second from one connection were 2,000 unsubscribe events, webhook calls
// and spool commits, live) is answered done every time but recorded once:
// nothing is written when the Suppressor can say the recipient is already
// unsubscribed, and written and recorded once per RepeatWindow when it
// cannot (a standalone edge's remote Suppressor, an admin API call each).
func TestUnsubscribeReplayRecordedOnce(t *testing.T) {
	t.Parallel()
	post := func(te *testEdge, tok string) {
		t.Helper()
		body, ct := oneClickForm()
		if resp, page := te.do(t, http.MethodPost, "/u/"+tok, body, "Content-Type", ct); resp.StatusCode != http.StatusOK ||
			!strings.Contains(page, "You are unsubscribed") {
			t.Fatalf("status %d: %s", resp.StatusCode, page)
		}
	}
	claims := token.Claims{Kind: token.Unsubscribe, Rcpt: 2, Addr: "John.Doe@Example.com"}

	ls := lookupSuppressor{&suppressor{}}
	te := newEdge(t, func(c *tracking.Config) { c.Suppressor = ls })
	tok := te.seal(t, claims)
	for range 20 {
		post(te, tok)
	}
	if calls, _ := ls.snapshot(); len(calls) != 1 {
		t.Errorf("with a lookup: %d suppressions written, want 1", len(calls))
	}
	if evs := te.rec.events(); len(evs) != 1 {
		t.Errorf("with a lookup: %d events, want 1", len(evs))
	}

	te = newEdge(t, nil) // a Suppressor that cannot be asked (a standalone edge's)
	tok = te.seal(t, claims)
	for range 20 {
		post(te, tok)
	}
	if evs := te.rec.events(); len(evs) != 1 {
		t.Errorf("without a lookup: %d events, want 1 per window", len(evs))
	}
	if calls, _ := te.supp.snapshot(); len(calls) != 1 {
		t.Errorf("without a lookup: %d suppressions written, want 1 per window", len(calls))
	}
	te.clock.Add(10 * time.Second)
	post(te, tok)
	if evs := te.rec.events(); len(evs) != 2 {
		t.Errorf("without a lookup, after the window: %d events, want 2", len(evs))
	}
	if st := te.edge.Stats(); st.Unsubscribes != 2 {
		t.Errorf("stats %+v, want 2 unsubscribes", st)
	}
}

// TestUnsubscribeOverOtherSuppressionRecorded: a recipient already kept
// from marketing for another reason (a hard bounce) who clicks one-click
// unsubscribe is still recorded as having opted out, and the tenant told:
// were the bounce lifted, the opt-out must stand (review8 of b9dc531).
func TestUnsubscribeOverOtherSuppressionRecorded(t *testing.T) {
	t.Parallel()
	claims := token.Claims{Kind: token.Unsubscribe, Tenant: "acme", Rcpt: 2, Addr: "ann@example.com"}
	ls := lookupSuppressor{&suppressor{}}
	te := newEdge(t, func(c *tracking.Config) { c.Suppressor = ls })
	if err := ls.Suppress(context.Background(), queue.Suppression{Tenant: claims.Tenant, Addr: queue.NormalizeAddr(claims.Addr),
		Scope: queue.ScopeAll, Reason: "bounce", Source: "test"}); err != nil {
		t.Fatal(err)
	}
	tok := te.seal(t, claims)
	body, ct := oneClickForm()
	if resp, page := te.do(t, http.MethodPost, "/u/"+tok, body, "Content-Type", ct); resp.StatusCode != http.StatusOK ||
		!strings.Contains(page, "You are unsubscribed") {
		t.Fatalf("status %d: %s", resp.StatusCode, page)
	}
	calls, _ := ls.snapshot()
	if len(calls) != 2 || calls[1].Reason != "unsubscribe" {
		t.Fatalf("suppressions written %+v, want the bounce and then the unsubscribe", calls)
	}
	if evs := te.rec.events(); len(evs) != 1 {
		t.Fatalf("%d events, want the unsubscribe's", len(evs))
	}
}
