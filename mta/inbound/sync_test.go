package inbound

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/mta/bounce"
	"sluice/queue"
)

// Replies of remote MTAs at RCPT or end of data, one per class the policy
// treats differently.
const (
	replyUnknown  = "The email account that you tried to reach does not exist"
	replySpam     = "Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked."
	replyPolicy   = "Message not accepted for policy reasons."
	replyRate     = "Rate limit exceeded, too many messages"
	replyFull     = "Mailbox full"
	replyTimedOut = "connection timed out"
)

// syncClock is a settable clock for the spool.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *syncClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newSyncReturns is a SyncReturns over a real temporary spool whose policy
// suppresses after 3 soft failures within a day; its log goes to logs.
func newSyncReturns(t *testing.T) (*SyncReturns, *queue.Store, *syncClock, *bytes.Buffer) {
	t.Helper()
	clk := &syncClock{t: time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)}
	store, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	logs := &bytes.Buffer{}
	s := &SyncReturns{
		Classifier: bounce.New(),
		Policy:     &Policy{Store: store, SoftThreshold: 3, SoftWindow: 24 * time.Hour},
		Logger:     slog.New(slog.NewTextHandler(logs, nil)),
	}
	return s, store, clk, logs
}

// TestSyncReturnsPolicy: what a final 5xx during delivery does to the
// recipient. A hard 5.1.1 suppresses for every stream; a policy, spam or
// rate 5xx never suppresses (it is about the sender); nothing else of the
// tenant's, and no other tenant, is touched.
func TestSyncReturnsPolicy(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		code     int
		enhanced string
		reply    string
		class    bounce.Class
		supp     bool
	}{
		{"hard 5.1.1", 550, "5.1.1", replyUnknown, bounce.HardInvalidRecipient, true},
		{"hard, status in the text", 550, "", "5.1.1 " + replyUnknown, bounce.HardInvalidRecipient, true},
		{"spam", 550, "5.7.1", replySpam, bounce.SpamBlocked, false},
		{"policy", 554, "5.7.9", replyPolicy, bounce.PolicyBlocked, false},
		{"rate", 550, "5.7.1", replyRate, bounce.RateLimited, false},
		{"mailbox full, once", 552, "5.2.2", replyFull, bounce.SoftMailboxFull, false},
		{"expired after a 4xx, once", 451, "4.4.1", "expired: " + replyTimedOut, bounce.SoftTemporary, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, store, _, _ := newSyncReturns(t)
			class, supp, err := s.Apply(context.Background(), Failure{Tenant: tenantA, ID: 42, Rcpt: victim,
				Code: c.code, Enhanced: c.enhanced, Reply: c.reply})
			if err != nil || class != c.class || supp != c.supp {
				t.Fatalf("Apply = %s, %v, %v; want %s, %v", class, supp, err, c.class, c.supp)
			}
			sup, ok := store.Suppressed(tenantA, victim)
			if ok != c.supp {
				t.Fatalf("spool: suppressed %v (%+v), want %v", ok, sup, c.supp)
			}
			if ok && (sup.Scope != queue.ScopeAll || !sup.Scope.Blocks(queue.Transactional) ||
				sup.Reason != string(bounce.HardInvalidRecipient) || sup.Source != "delivery") {
				t.Errorf("suppression %+v: want every stream, reason %s, source delivery", sup, bounce.HardInvalidRecipient)
			}
			if _, ok := store.Suppressed(tenantB, victim); ok {
				t.Error("another tenant's recipient suppressed")
			}
			if _, ok := store.Suppressed(tenantA, attacker); ok {
				t.Error("another recipient suppressed")
			}
		})
	}
}

// TestSyncReturnsSoftThreshold: soft failures (mailbox full, temporary
// trouble that expired) count toward the threshold within the window, and
// the ones that fell out of the window do not.
func TestSyncReturnsSoftThreshold(t *testing.T) {
	t.Parallel()
	s, store, clk, logs := newSyncReturns(t)
	fail := func(code int, enhanced, reply string) bool {
		t.Helper()
		_, supp, err := s.Apply(context.Background(), Failure{Tenant: tenantA, ID: 7, Rcpt: victim, Code: code, Enhanced: enhanced, Reply: reply})
		if err != nil {
			t.Fatal(err)
		}
		return supp
	}
	if fail(552, "5.2.2", replyFull) || fail(451, "4.4.1", replyTimedOut) {
		t.Fatal("suppressed before the threshold")
	}
	clk.Add(25 * time.Hour) // both fall out of the window
	for range 2 {
		if fail(552, "5.2.2", replyFull) {
			t.Fatal("failures outside the window counted")
		}
	}
	if _, ok := store.Suppressed(tenantA, victim); ok {
		t.Fatal("suppressed before the threshold")
	}
	if !fail(451, "4.4.1", replyTimedOut) {
		t.Fatal("third soft failure within the window did not suppress")
	}
	sup, ok := store.Suppressed(tenantA, victim)
	if !ok || sup.Scope != queue.ScopeAll || sup.Reason != string(bounce.SoftTemporary) {
		t.Fatalf("suppression %+v %v", sup, ok)
	}
	if !strings.Contains(logs.String(), "recipient suppressed") || !strings.Contains(logs.String(), "source=delivery") {
		t.Errorf("no suppression log line:\n%s", logs)
	}
}

// TestSyncReturnsMatchAsync: the same reply, returned in a DSN to the VERP
// address (the worker's path) and met synchronously during delivery, gives
// the same class and the same verdict: one policy for both.
func TestSyncReturnsMatchAsync(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status, diag string
		code         int
		reply        string
		class        bounce.Class
	}{
		{"5.1.1", "550 5.1.1 " + replyUnknown, 550, replyUnknown, bounce.HardInvalidRecipient},
		{"5.7.1", "550 5.7.1 " + replySpam, 550, replySpam, bounce.SpamBlocked},
		{"5.7.9", "554 5.7.9 " + replyPolicy, 554, replyPolicy, bounce.PolicyBlocked},
		{"5.2.2", "552 5.2.2 " + replyFull, 552, replyFull, bounce.SoftMailboxFull},
	} {
		t.Run(c.status, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil) // its policy suppresses at the first soft failure
			id := e.enqueue(t, tenantA, victim, attacker)
			e.send(t, e.verp(t, id, 0), dsn(t, victim, c.status, c.diag, msgCopy{to: victim, id: id, body: "hi"}.bytes(t)))
			async := e.next(t)
			if async.Rcpt != victim || async.Via != ViaVERP || async.Class != c.class {
				t.Fatalf("async event %+v", async)
			}
			s := &SyncReturns{Classifier: bounce.New(), Policy: &Policy{Store: e.store, SoftThreshold: 1, SoftWindow: 24 * time.Hour},
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			class, supp, err := s.Apply(context.Background(), Failure{Tenant: tenantA, ID: id, Rcpt: attacker,
				Code: c.code, Enhanced: c.status, Reply: c.reply})
			if err != nil {
				t.Fatal(err)
			}
			if class != async.Class || supp != async.Suppressed {
				t.Errorf("sync %s suppressed=%v, async %s suppressed=%v", class, supp, async.Class, async.Suppressed)
			}
			if a, b := e.suppressed(tenantA, victim), e.suppressed(tenantA, attacker); a != b || a != supp {
				t.Errorf("spool: async recipient suppressed %v, sync recipient %v", a, b)
			}
		})
	}
}

// failingStore is a Suppressor whose writes fail, or block until ctx ends.
type failingStore struct{ block bool }

var errSpool = errors.New("spool on fire")

func (f failingStore) wait(ctx context.Context) error {
	if f.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return errSpool
}

func (f failingStore) Suppress(ctx context.Context, _ queue.Suppression) error { return f.wait(ctx) }
func (f failingStore) RecordSoftFailure(ctx context.Context, _, _, _, _ string, _ int, _ time.Duration) (bool, error) {
	return false, f.wait(ctx)
}

// TestSyncReturnsStoreFailure: a failing or stuck spool gives an error
// (wrapped, logged) and still the class, for the metrics; a stuck one is
// abandoned after Timeout.
func TestSyncReturnsStoreFailure(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		store failingStore
		want  error
	}{
		{"failing", failingStore{}, errSpool},
		{"stuck", failingStore{block: true}, context.DeadlineExceeded},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			logs := &bytes.Buffer{}
			s := &SyncReturns{Classifier: bounce.New(), Policy: &Policy{Store: c.store, SoftThreshold: 3, SoftWindow: time.Hour},
				Logger: slog.New(slog.NewTextHandler(logs, nil)), Timeout: 10 * time.Millisecond}
			for _, f := range []Failure{
				{Tenant: tenantA, ID: 1, Rcpt: victim, Code: 550, Enhanced: "5.1.1", Reply: replyUnknown},
				{Tenant: tenantA, ID: 1, Rcpt: victim, Code: 552, Enhanced: "5.2.2", Reply: replyFull},
			} {
				class, supp, err := s.Apply(context.Background(), f)
				if !errors.Is(err, c.want) || supp || class == "" {
					t.Errorf("Apply(%d %s) = %s, %v, %v; want the class and %v", f.Code, f.Enhanced, class, supp, err, c.want)
				}
			}
			if !strings.Contains(logs.String(), "suppression policy") {
				t.Errorf("error not logged:\n%s", logs)
			}
		})
	}
}

// TestRouteFailuresDoNotCountTowardSuppression: TLS that the sending side
// could not have or verify says nothing about the mailbox: however many
// such failures, they never suppress it (a fault of our own TLS must not
// suppress recipients; review8).
func TestRouteFailuresDoNotCountTowardSuppression(t *testing.T) {
	t.Parallel()
	s, store, _, _ := newSyncReturns(t)
	for range 5 {
		class, supp, err := s.Apply(context.Background(), Failure{Tenant: tenantA, ID: 7, Rcpt: victim, Code: 451, Enhanced: "4.7.5",
			Reply: "TLS is required, but was not offered by host mx.example.net[203.0.113.5]"})
		if err != nil {
			t.Fatal(err)
		}
		if supp || class != bounce.SoftTemporary {
			t.Fatalf("a route failure: %s, suppressed %v; want soft_temporary, not suppressed", class, supp)
		}
	}
	if _, ok := store.Suppressed(tenantA, victim); ok {
		t.Fatal("route failures suppressed the recipient")
	}
}
