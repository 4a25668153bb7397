package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/tracking/events"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const secret = "0123456789abcdef-acme-secret"

// msgID returns a spool-like message id: acceptance time in µs.
func msgID(n int) uint64 { return uint64(t0.UnixMicro()) + uint64(n) }

// request is one request a receiver got.
type request struct {
	header http.Header
	body   []byte
	at     int // its index among the receiver's requests
}

// receiver is a webhook endpoint on loopback that records requests and
// answers with respond (200 when nil).
type receiver struct {
	srv     *httptest.Server
	respond func(n int, w http.ResponseWriter, r *http.Request) // n counts from 0

	mu       sync.Mutex
	cond     *sync.Cond
	reqs     []request
	inFlight int
	maxIn    int // the most requests seen in flight at once
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{respond: respond}
	rc.cond = sync.NewCond(&rc.mu)
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rc.mu.Lock()
	n := len(rc.reqs)
	rc.inFlight++
	rc.maxIn = max(rc.maxIn, rc.inFlight)
	rc.mu.Unlock()
	if rc.respond != nil {
		rc.respond(n, w, r)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	rc.mu.Lock()
	rc.inFlight--
	rc.reqs = append(rc.reqs, request{header: r.Header.Clone(), body: body, at: n})
	rc.cond.Broadcast()
	rc.mu.Unlock()
}

func (rc *receiver) url() string { return rc.srv.URL + "/hooks/sluice" }

// requests returns the requests so far.
func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

// waitRequests waits up to 10s for at least n requests and returns them.
func (rc *receiver) waitRequests(t *testing.T, n int) []request {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	timer := time.AfterFunc(10*time.Second, func() {
		rc.mu.Lock()
		rc.cond.Broadcast()
		rc.mu.Unlock()
	})
	defer timer.Stop()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for len(rc.reqs) < n {
		if time.Now().After(deadline) {
			t.Fatalf("receiver got %d requests, want %d", len(rc.reqs), n)
		}
		rc.cond.Wait()
	}
	return append([]request(nil), rc.reqs...)
}

// eventsOf returns the events of the 2xx-answered requests, in order,
// given which requests were answered 2xx.
func eventsOf(t *testing.T, reqs []request, ok func(n int) bool) []Event {
	t.Helper()
	var out []Event
	for _, r := range reqs {
		if ok(r.at) {
			out = append(out, decode(t, r.body)...)
		}
	}
	return out
}

func decode(t *testing.T, body []byte) []Event {
	t.Helper()
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("body is not a payload: %v\n%s", err, body)
	}
	return p.Events
}

// verifyIndependently checks a request's signature the way a receiver
// in another language would, without this package's code.
func verifyIndependently(t *testing.T, key string, r request, now time.Time) {
	t.Helper()
	h := r.header.Get("Sluice-Signature")
	var ts, sig string
	for _, part := range strings.Split(h, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("signature header %q: no timestamp", h)
	}
	if d := now.Sub(time.Unix(sec, 0)); d < -5*time.Minute || d > 5*time.Minute {
		t.Fatalf("signature timestamp %d is %v away from now", sec, d)
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(ts + "." + string(r.body)))
	want := m.Sum(nil)
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, want) {
		t.Fatalf("signature header %q does not verify", h)
	}
}

// sleeper records the dispatcher's waits and returns at once for the
// first free ones; later ones block until the dispatcher stops.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
	free  int
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	blocked := len(s.waits) > s.free
	s.mu.Unlock()
	if blocked {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (s *sleeper) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// fixture is an events store with an outbox, and its dispatcher.
type fixture struct {
	t      *testing.T
	path   string
	eps    []Endpoint
	cfg    Config
	now    func() time.Time // the outbox's clock, and the dispatcher's unless cfg.Now is set
	store  *events.Store
	out    *Outbox
	disp   *Dispatcher
	sleep  *sleeper
	cancel context.CancelFunc
	done   chan error
}

func newFixture(t *testing.T, eps []Endpoint, cfg Config) *fixture {
	t.Helper()
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "events.db"), eps: eps, cfg: cfg, sleep: &sleeper{free: 1 << 20}}
	f.open()
	t.Cleanup(f.close)
	return f
}

func endpoint(url string, kinds ...events.Kind) Endpoint {
	return Endpoint{Tenant: "acme", URL: url, Secret: []byte(secret), Kinds: kinds}
}

// open opens the store with the outbox hook and makes the dispatcher.
func (f *fixture) open() {
	f.t.Helper()
	// One clock for the outbox and the dispatcher (and the tests'
	// signature checks): the fixtures' instant t0, whatever the day.
	if f.now == nil {
		f.now = func() time.Time { return t0 }
	}
	if f.cfg.Now == nil {
		f.cfg.Now = f.now
	}
	out, err := NewOutbox(f.eps, f.now)
	if err != nil {
		f.t.Fatal(err)
	}
	store, err := events.Open(f.path, events.Options{NoSync: true, InTx: out.Append, Retention: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.t.Fatal(err)
	}
	cfg := f.cfg
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.sleep == nil {
		cfg.sleep = f.sleep.sleep
	}
	disp, err := NewDispatcher(store, out, cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	f.store, f.out, f.disp = store, out, disp
}

// start runs the dispatcher.
func (f *fixture) start() {
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel, f.done = cancel, make(chan error, 1)
	go func() { f.done <- f.disp.Run(ctx) }()
}

// stop stops the dispatcher and waits for it.
func (f *fixture) stop() {
	f.t.Helper()
	if f.cancel == nil {
		return
	}
	f.cancel()
	select {
	case err := <-f.done:
		if err != nil {
			f.t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		f.t.Fatal("dispatcher did not stop")
	}
	f.cancel = nil
}

// close stops the dispatcher and closes the store.
func (f *fixture) close() {
	f.stop()
	if f.store != nil {
		f.store.Close(context.Background())
		f.store = nil
	}
}

// record records evs and waits until they are committed.
func (f *fixture) record(evs ...events.Event) {
	f.t.Helper()
	for _, ev := range evs {
		if !f.store.Record(ev) {
			f.t.Fatalf("Record(%+v) refused", ev)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.store.Flush(ctx); err != nil {
		f.t.Fatal(err)
	}
}

// metrics returns the endpoint metrics of tenant.
func (f *fixture) metrics(tenant string) EndpointMetrics {
	for _, em := range f.disp.Metrics().Endpoints {
		if em.Tenant == tenant {
			return em
		}
	}
	f.t.Fatalf("no metrics for %q", tenant)
	return EndpointMetrics{}
}

// waitFor waits up to 10s for cond.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sent(n int, kind events.Kind) events.Event {
	return events.Event{Time: t0.Add(time.Duration(n) * time.Millisecond), Kind: kind, Tenant: "acme", Campaign: "nov",
		Message: msgID(n), Rcpt: uint32(n % 3)}
}
