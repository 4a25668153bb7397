package admin

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/queue"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

const testToken = "t0ken-for-tests"

// fixture is an admin API over real stores in a temp dir: a spool, an
// events store whose transactions feed a webhook outbox (one endpoint,
// tenant acme's), all on one injected clock.
type fixture struct {
	t      *testing.T
	now    time.Time
	spool  *queue.Store
	events *events.Store
	outbox outboxOnDB
	logs   *syncBuffer
	srv    *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), logs: &syncBuffer{}}
	clk := func() time.Time { return f.now }
	dir := t.TempDir()
	var err error
	f.spool, err = queue.Open(filepath.Join(dir, "spool.db"), queue.Options{Now: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.spool.Close() })
	out, err := webhook.NewOutbox([]webhook.Endpoint{{Tenant: "acme", URL: "https://hooks.example/", Secret: []byte("s3cret-s3cret-s3cret")}}, clk)
	if err != nil {
		t.Fatal(err)
	}
	f.events, err = events.Open(filepath.Join(dir, "events.db"), events.Options{NoSync: true, InTx: out.Append,
		Retention: -1, Now: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.events.Close(context.Background()) })
	f.outbox = outboxOnDB{out, f.events}
	h, err := NewHandler(f.config())
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

// config is the admin config over f's stores.
func (f *fixture) config() Config {
	return Config{
		Token: testToken, Queue: f.spool, Suppressions: f.spool, Stats: f.events,
		Privacy: f.stores(), Tenants: []string{"acme", "zeta"},
		Logger: slog.New(slog.NewJSONHandler(f.logs, nil)), Now: func() time.Time { return f.now },
		Gatherer: prometheus.NewRegistry(),
	}
}

func (f *fixture) stores() Stores {
	return Stores{Spool: f.spool, Events: f.events, Outbox: f.outbox}
}

// enqueue stores a message of acme to rcpts and records its sent events;
// it returns the message id.
func (f *fixture) enqueue(stream queue.Stream, rcpts ...string) queue.ID {
	f.t.Helper()
	m := &queue.Message{ID: f.spool.NewID(), Tenant: "acme", From: "news@acme.example", Rcpts: rcpts, Stream: stream,
		Created: f.now, Body: []byte("Subject: hi\r\n\r\nbody\r\n")}
	if err := f.spool.Enqueue(context.Background(), m); err != nil {
		f.t.Fatal(err)
	}
	for i := range rcpts {
		f.record(events.KindSent, m.ID, uint32(i))
	}
	return m.ID
}

// record stores one event of acme's recipient (id, rcpt), durably.
func (f *fixture) record(kind events.Kind, id queue.ID, rcpt uint32) {
	f.t.Helper()
	if !f.events.Record(events.Event{Time: f.now, Kind: kind, Tenant: "acme", Message: uint64(id), Rcpt: rcpt}) {
		f.t.Fatal("event dropped")
	}
	if err := f.events.Flush(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// do sends an API request with the token and returns the status and
// body.
func (f *fixture) do(method, path, body string) (int, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("X-Sluice-Actor", "tester")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// outboxOnDB is the webhook outbox over the events store that holds it:
// the Outbox the admin API is given.
type outboxOnDB struct {
	out *webhook.Outbox
	db  webhook.Store
}

func (o outboxOnDB) ExportRecipients(ctx context.Context, tenant string, ids []events.RecipientID) ([]webhook.Event, error) {
	return o.out.ExportRecipients(ctx, o.db, tenant, ids)
}

func (o outboxOnDB) EraseRecipients(ctx context.Context, tenant string, ids []events.RecipientID) (int, error) {
	return o.out.EraseRecipients(ctx, o.db, tenant, ids)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
