package tracking_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// t0 is the tests' "now"; messages were accepted an hour before, so the
// scanner window does not apply unless a test wants it to.
var (
	t0       = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	accepted = t0.Add(-time.Hour)
)

// msgID is a spool-like message id: acceptance time in µs.
func msgID(at time.Time) uint64 { return uint64(at.UnixMicro()) }

const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// recorder is a Recorder that keeps what it is given.
type recorder struct {
	mu  sync.Mutex
	evs []events.Event
}

func (r *recorder) Record(ev events.Event) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	return true
}

func (r *recorder) events() []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Event(nil), r.evs...)
}

// last returns the one event recorded since the previous call.
func (r *recorder) take(t *testing.T) events.Event {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.evs) != 1 {
		t.Fatalf("%d events recorded, want 1: %+v", len(r.evs), r.evs)
	}
	ev := r.evs[0]
	r.evs = nil
	return ev
}

// suppressor is a Suppressor that keeps what it is given. With gate set,
// Suppress waits for it to be closed; with err set, it fails.
type suppressor struct {
	mu     sync.Mutex
	calls  []queue.Suppression
	done   int // calls that returned
	called chan struct{}
	gate   chan struct{}
	err    error
}

func (s *suppressor) Suppress(ctx context.Context, sup queue.Suppression) error {
	s.mu.Lock()
	s.calls = append(s.calls, sup)
	called, gate, err := s.called, s.gate, s.err
	s.mu.Unlock()
	if called != nil {
		called <- struct{}{}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.done++
	s.mu.Unlock()
	return nil
}

func (s *suppressor) snapshot() ([]queue.Suppression, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]queue.Suppression(nil), s.calls...), s.done
}

var errDisk = errors.New("disk on fire")

// testEdge is an Edge serving on a loopback listener.
type testEdge struct {
	edge  *tracking.Edge
	base  string // "http://127.0.0.1:port"
	keys  *token.Keyring
	rec   *recorder
	supp  *suppressor
	clock *testClock
	http  *http.Client
}

func testKeyring(t testing.TB, id uint8, secret string) *token.Keyring {
	t.Helper()
	k, err := token.NewKeyring(token.Key{ID: id, Secret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newEdge starts an edge; mod may change its config.
func newEdge(t testing.TB, mod func(*tracking.Config)) *testEdge {
	t.Helper()
	te := &testEdge{
		keys:  testKeyring(t, 1, "edge test secret, 32 bytes long!"),
		rec:   &recorder{},
		supp:  &suppressor{},
		clock: &testClock{t: t0},
	}
	cfg := tracking.Config{
		Keyring:    te.keys,
		Events:     te.rec,
		Suppressor: te.supp,
		Now:        te.clock.Now,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	e, err := tracking.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	te.edge = e
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	te.base = "http://" + ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- e.Serve(ln) }()
	tr := &http.Transport{}
	te.http = &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return te
}

// seal makes a token with te's keyring.
func (te *testEdge) seal(t testing.TB, c token.Claims) string {
	t.Helper()
	if c.Tenant == "" {
		c.Tenant = "acme"
	}
	if c.Message == 0 {
		c.Message = msgID(accepted)
	}
	if c.Issued.IsZero() {
		c.Issued = accepted
	}
	tok, err := te.keys.Seal(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// do sends a request and returns the response with its body read.
func (te *testEdge) do(t testing.TB, method, path string, body io.Reader, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, te.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", firefox)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			// An empty User-Agent stops net/http sending its own.
			req.Header.Del(hdr[i])
			if http.CanonicalHeaderKey(hdr[i]) == "User-Agent" {
				req.Header.Set("User-Agent", "")
			}
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := te.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if c := resp.Header.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("%s %s set a cookie: %q", method, path, c)
	}
	return resp, string(b)
}

// headersOnly POSTs the headers of a request whose body is over the
// server's limit (Content-Length says how long), without the body, and reads
// the answer. fasthttp refuses on the Content-Length alone and closes; a
// client still writing the body when that close lands gets a reset, and may
// lose the answer with it, so a test must not race that write.
func (te *testEdge) headersOnly(t testing.TB, path string, body io.Reader, ct string) (*http.Response, string) {
	t.Helper()
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(te.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", path, ct, len(b))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	return resp, string(text)
}

func (te *testEdge) get(t testing.TB, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	return te.do(t, http.MethodGet, path, nil, hdr...)
}

// expect404 checks a bare 404: no detail, no redirect.
func expect404(t *testing.T, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
	if body != "not found\n" {
		t.Errorf("404 body %q", body)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		t.Errorf("404 with Location %q", loc)
	}
}

// form returns an application/x-www-form-urlencoded one-click body.
func oneClickForm() (io.Reader, string) {
	return strings.NewReader("List-Unsubscribe=One-Click"), "application/x-www-form-urlencoded"
}
