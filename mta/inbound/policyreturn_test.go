package inbound

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"sluice/mta/bounce"
	"sluice/queue"
	"sluice/tracking/token"
)

// policyCall is one call of OnPolicyReturn.
type policyCall struct {
	source, site string
	class        bounce.Class
	reason       string
}

// newPolicyEnv is newEnv with OnPolicyReturn recording its calls. The
// worker calls it before OnEvent for the same return, so once a return's
// event has arrived, its calls (if any) are in the channel.
func newPolicyEnv(t *testing.T, quorum int) (*env, chan policyCall, *atomic.Int64) {
	t.Helper()
	now := time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)
	var advance atomic.Int64 // the worker's clock runs this far ahead of now
	clk := func() time.Time { return now }
	workerClk := func() time.Time { return now.Add(time.Duration(advance.Load())) }
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
	calls := make(chan policyCall, 64)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	toks := keyTokens{kr}
	w := NewWorker(WorkerConfig{
		Store: store, Tokens: toks, Tracking: toks, SendingIPs: []netip.Prefix{netip.MustParsePrefix(ourIP + "/32")},
		Classifier: bounce.New(), Policy: &Policy{Store: store, SoftThreshold: 1, SoftWindow: 24 * time.Hour},
		Logger: log, Now: workerClk, OnEvent: func(ev Event) { e.events <- ev },
		OnPolicyReturn: func(source, site string, class bounce.Class, reason string) {
			calls <- policyCall{source, site, class, reason}
		},
		PolicyQuorum: quorum,
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
	return e, calls, &advance
}

// deliver claims every due recipient and completes them as delivered,
// through source at site as the delivery engine reports them (both ""
// for an entry as a binary from before sites were recorded leaves it).
func (e *env) deliver(t *testing.T, source, site string) {
	t.Helper()
	ctx := context.Background()
	work, err := e.store.Claim(ctx, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	var res []queue.Result
	for _, w := range work {
		for _, r := range w.Rcpts {
			res = append(res, queue.Result{ID: w.ID, Index: r.Index, Outcome: queue.OutcomeDelivered, Code: 250, Source: source, Site: site})
		}
	}
	if len(res) == 0 {
		t.Fatal("nothing to deliver")
	}
	if err := e.store.Complete(ctx, res); err != nil {
		t.Fatal(err)
	}
}

// An asynchronous DSN for mail the receiver accepted: a policy or spam
// refusal proven by its VERP address reaches OnPolicyReturn with the
// source and site that delivered it; a dead address does not (it
// suppresses instead); an entry without a recorded site still attributes
// the return but feeds nothing; a return proven by nothing but our
// message id feeds nothing either.
func TestPolicyReturnReachesShaping(t *testing.T) {
	t.Parallel()
	const rcpt = "reader@gmail.test"
	reputation := func(t *testing.T, id queue.ID) []byte {
		return dsn(t, rcpt, "5.7.1", "550 5.7.1 Message rejected: the sending IP "+ourIP+" is blocked for poor reputation",
			msgCopy{to: rcpt, id: id, body: "hi"}.bytes(t))
	}
	for _, tc := range []struct {
		name         string
		source, site string // recorded at delivery
		unverified   bool   // sent to the FBL mailbox, quoting only our message id
		data         func(t *testing.T, id queue.ID) []byte
		wantClass    bounce.Class
		want         *policyCall
	}{
		{name: "reputation block", source: "src-a1", site: "gmail", data: reputation,
			wantClass: bounce.PolicyBlocked, want: &policyCall{"src-a1", "gmail", bounce.PolicyBlocked, "blocked_ip"}},
		{name: "content block", source: "src-a1", site: "gmail", data: func(t *testing.T, id queue.ID) []byte {
			return dsn(t, rcpt, "5.7.1", "550 5.7.1 Message rejected as spam by content filter",
				msgCopy{to: rcpt, id: id, body: "hi"}.bytes(t))
		}, wantClass: bounce.SpamBlocked, want: &policyCall{source: "src-a1", site: "gmail", class: bounce.SpamBlocked}},
		{name: "user unknown", source: "src-a1", site: "gmail", data: func(t *testing.T, id queue.ID) []byte {
			return dsn(t, rcpt, "5.1.1", "550 5.1.1 <"+rcpt+">: user unknown", msgCopy{to: rcpt, id: id, body: "hi"}.bytes(t))
		}, wantClass: bounce.HardInvalidRecipient},
		{name: "another hop's refusal before DATA", source: "src-a1", site: "gmail", data: func(t *testing.T, id queue.ID) []byte {
			// A forwarder accepted our message and was refused onward
			// at RCPT: that judged its connection, not our source.
			return dsn(t, rcpt, "5.7.1", "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org "+
				"(in reply to RCPT TO command)", msgCopy{to: rcpt, id: id, body: "hi"}.bytes(t))
		}, wantClass: bounce.PolicyBlocked},
		{name: "entry from before sites were recorded", data: reputation, wantClass: bounce.PolicyBlocked},
		{name: "no proof", source: "src-a1", site: "gmail", unverified: true, data: reputation, wantClass: bounce.PolicyBlocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, calls, _ := newPolicyEnv(t, 1)
			id := e.enqueue(t, tenantA, rcpt)
			e.deliver(t, tc.source, tc.site)
			to := e.verp(t, id, 0)
			if tc.unverified {
				to = "fbl@" + bounceDomain
			}
			e.send(t, to, tc.data(t, id))
			ev := e.next(t)
			if ev.Kind != "bounce" || ev.Class != tc.wantClass || ev.ID != id || ev.Rcpt != rcpt || ev.Tenant != tenantA {
				t.Fatalf("event = %+v; want an attributed %s bounce of %s", ev, tc.wantClass, rcpt)
			}
			if tc.unverified != (ev.Via == ViaMessageIDUnverified) {
				t.Fatalf("via = %q", ev.Via)
			}
			var got *policyCall
			select {
			case c := <-calls:
				got = &c
			default:
			}
			switch {
			case tc.want == nil && got != nil:
				t.Fatalf("OnPolicyReturn called with %+v, want no call", *got)
			case tc.want != nil && got == nil:
				t.Fatalf("OnPolicyReturn not called, want %+v", *tc.want)
			case tc.want != nil:
				want := *tc.want
				if want.reason == "" {
					want.reason = got.reason // any reason of the taxonomy
				}
				if *got != want {
					t.Fatalf("OnPolicyReturn(%+v), want %+v", *got, want)
				}
			}
		})
	}
}

// One recipient's proven policy return does not reach shaping (redteam2):
// every recipient reads its own VERP address in its copy's Return-Path,
// so one DSN "blocked using zen.spamhaus.org" forged by a stranger marked
// the shared source blocklisted at the site, holding every tenant's mail
// there for an hour. Returns reach OnPolicyReturn once DefaultPolicyQuorum
// distinct mailboxes returned one for the same (source, site) within the
// window; a mailbox repeating itself (new messages, new tokens) or another
// site's mailbox does not count, and a mailbox's return ages out of the
// window.
func TestPolicyReturnNeedsQuorumOfMailboxes(t *testing.T) {
	t.Parallel()
	e, calls, advance := newPolicyEnv(t, 0) // the default quorum
	block := func(t *testing.T, rcpt, source, site string) {
		t.Helper()
		id := e.enqueue(t, tenantA, rcpt)
		e.deliver(t, source, site)
		e.send(t, e.verp(t, id, 0), dsn(t, rcpt, "5.7.1", "554 5.7.1 Client host ["+ourIP+"] blocked using zen.spamhaus.org",
			msgCopy{to: rcpt, id: id, body: "hi"}.bytes(t)))
		if ev := e.next(t); ev.Kind != "bounce" || ev.Class != bounce.PolicyBlocked || ev.Via != ViaVERP {
			t.Fatalf("event = %+v; want a policy_blocked bounce proven by VERP", ev)
		}
	}
	fed := func() int {
		n := 0
		for {
			select {
			case <-calls:
				n++
			default:
				return n
			}
		}
	}
	for range 3 { // one stranger, three messages
		block(t, "one@gmail.test", "src-a1", "gmail")
	}
	block(t, "ONE@gmail.test", "src-a1", "gmail")   // the same mailbox
	block(t, "one+2@gmail.test", "src-a1", "gmail") // and again: a subaddress
	block(t, "o.n.e@gmail.test", "src-a1", "gmail") // dots ignored
	block(t, "two@other.test", "src-a1", "other")   // another site
	block(t, "three@gmail.test", "src-a2", "gmail") // another source
	if n := fed(); n != 0 {
		t.Fatalf("%d returns fed to shaping from one mailbox per (source, site), want 0", n)
	}
	block(t, "two@gmail.test", "src-a1", "gmail")
	if n := fed(); n != 0 {
		t.Fatalf("%d returns fed with two mailboxes, want 0", n)
	}
	block(t, "three@gmail.test", "src-a1", "gmail")
	if n := fed(); n != 1 {
		t.Fatalf("%d returns fed with three mailboxes, want 1", n)
	}
	advance.Store(int64(DefaultPolicyWindow)) // the first three age out
	block(t, "four@gmail.test", "src-a1", "gmail")
	if n := fed(); n != 0 {
		t.Fatalf("%d returns fed after the window, want 0", n)
	}
}
