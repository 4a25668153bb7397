package inbound

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"sluice/mta/bounce"
	"sluice/mta/mtatest"
	"sluice/queue"
	"sluice/tracking/token"
)

// bounceDomain is the VERP / feedback-loop domain of the test MX.
const bounceDomain = "bounce.test"

// keyTokens opens tokens with a real keyring, as the coordinator's
// adapter does over *token.Keyring.
type keyTokens struct{ k *token.Keyring }

func (m keyTokens) mailbox(s string, kind token.Kind) (queue.ID, uint32, bool) {
	c, err := m.k.OpenMailbox(s)
	if err != nil || c.Kind != kind {
		return 0, 0, false
	}
	return queue.ID(c.Message), c.Rcpt, true
}

func (m keyTokens) OpenBounce(s string) (queue.ID, uint32, bool) { return m.mailbox(s, token.Bounce) }
func (m keyTokens) OpenUnsubscribe(s string) (queue.ID, uint32, bool) {
	return m.mailbox(s, token.MailUnsubscribe)
}

func (m keyTokens) OpenTracking(s string) (string, queue.ID, uint32, bool) {
	c, err := m.k.Open(s)
	if err != nil || (c.Kind != token.Open && c.Kind != token.Click && c.Kind != token.Unsubscribe) {
		return "", 0, 0, false
	}
	return c.Tenant, queue.ID(c.Message), c.Rcpt, true
}

var (
	_ Tokens         = keyTokens{}
	_ TrackingTokens = keyTokens{}
)

// env is an inbound MX on loopback with its worker, over a real spool.
type env struct {
	store  *queue.Store
	kr     *token.Keyring
	addr   string
	events chan Event
	now    time.Time
}

// ourIP is the test node's sending address, the Source-IP of genuine
// feedback reports.
const ourIP = "192.0.2.25"

// newEnv starts the MX and the worker, sending from ourIP; fbl may be nil.
func newEnv(t *testing.T, fbl *FBLAuth) *env {
	t.Helper()
	return newEnvSending(t, fbl, []netip.Prefix{netip.MustParsePrefix(ourIP + "/32")})
}

// newEnvSending is newEnv with the given sending addresses.
func newEnvSending(t *testing.T, fbl *FBLAuth, sending []netip.Prefix) *env {
	t.Helper()
	now := time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)
	clk := func() time.Time { return now }
	store, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{Now: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	kr, err := token.NewKeyring(token.Key{ID: 7, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: store, kr: kr, events: make(chan Event, 64), now: now}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	toks := keyTokens{kr}
	w := NewWorker(WorkerConfig{
		Store: store, Tokens: toks, Tracking: toks, FBL: fbl, SendingIPs: sending, Classifier: bounce.New(),
		Policy: &Policy{Store: store, SoftThreshold: 1, SoftWindow: 24 * time.Hour},
		Logger: log, Now: clk, OnEvent: func(ev Event) { e.events <- ev },
	})
	b := NewBackend(ServerConfig{Hostname: "mx.test", Domains: []string{bounceDomain}, FBLLocalParts: []string{"fbl"},
		Tokens: toks, Inbox: store, Logger: log, Now: clk, Accepted: w.Kick})
	srv := b.NewServer(nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; _ = srv.Close() })
	return e
}

// returnJournal returns the spool's journal entries of processed returns
// (bounces, complaints, unsubscribes), waiting for the worker's DoneReturn
// (the event comes before nothing: OnEvent runs after it).
func (e *env) returnJournal(t *testing.T) []queue.JournalEntry {
	t.Helper()
	all, err := e.store.ReadJournal(1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []queue.JournalEntry
	for _, j := range all {
		if j.Kind >= queue.JournalBounce {
			out = append(out, j)
		}
	}
	return out
}

// enqueue stores a message of tenant to rcpts and returns its id.
func (e *env) enqueue(t *testing.T, tenant string, rcpts ...string) queue.ID {
	t.Helper()
	m := &queue.Message{ID: e.store.NewID(), Tenant: tenant, From: "news@" + tenant, Rcpts: rcpts,
		Created: e.now, Body: []byte("Subject: hi\r\n\r\nhi\r\n")}
	if err := e.store.Enqueue(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// send delivers data to rcpt at the MX.
func (e *env) send(t *testing.T, rcpt string, data []byte) {
	t.Helper()
	_, err := mtatest.Submit(mtatest.Submission{Addr: e.addr, NoTLS: true, From: "", To: []string{rcpt}, Data: data})
	if err != nil {
		t.Fatalf("sending to %s: %v", rcpt, err)
	}
}

// next returns the next event of the worker.
func (e *env) next(t *testing.T) Event {
	t.Helper()
	select {
	case ev := <-e.events:
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no event from the worker")
		return Event{}
	}
}

// suppressed reports whether addr is suppressed for tenant.
func (e *env) suppressed(tenant, addr string) bool {
	_, ok := e.store.Suppressed(tenant, addr)
	return ok
}

// verp returns the VERP address of recipient idx of message id.
func (e *env) verp(t *testing.T, id queue.ID, idx uint32) string {
	t.Helper()
	tok, err := e.kr.SealMailbox(token.Claims{Kind: token.Bounce, Message: uint64(id), Rcpt: idx})
	if err != nil {
		t.Fatal(err)
	}
	return "b." + tok + "@" + bounceDomain
}

// mailto returns the mailto unsubscribe address of message id.
func (e *env) mailto(t *testing.T, id queue.ID) string {
	t.Helper()
	tok, err := e.kr.SealMailbox(token.Claims{Kind: token.MailUnsubscribe, Message: uint64(id)})
	if err != nil {
		t.Fatal(err)
	}
	return "u." + tok + "@" + bounceDomain
}

// urlToken seals a tracking token of kind for recipient idx of message id.
func (e *env) urlToken(t *testing.T, kind token.Kind, tenant string, id queue.ID, idx uint32) string {
	t.Helper()
	c := token.Claims{Kind: kind, Tenant: tenant, Message: uint64(id), Rcpt: idx, Issued: e.now}
	if kind == token.Click {
		c.URL = "https://shop.example/deal"
	}
	if kind == token.Unsubscribe {
		c.Addr = "someone@example.net"
	}
	tok, err := e.kr.Seal(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
