package inbound

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/mta/bounce"
	"sluice/queue"
	"sluice/tracking/token"
)

// fleetNode is one node of a two-node fleet without Redis: its spool (its
// ids carry its node number) and its returns worker; relay stands in for
// package fleet's hand-over through Redis.
type fleetNode struct {
	num    int
	store  *queue.Store
	w      *Worker
	events chan Event
	now    func() time.Time // the clock of the node's spool and worker
}

// newFleetPair starts nodes 1 and 2, sharing one token keyring as a
// fleet does.
func newFleetPair(t *testing.T) (kr *token.Keyring, n1, n2 *fleetNode) {
	t.Helper()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	kr, err := token.NewKeyring(token.Key{ID: 7, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)
	clk := func() time.Time { return now }
	start := func(num int) *fleetNode {
		st, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{Now: clk, Node: num})
		if err != nil {
			t.Fatal(err)
		}
		n := &fleetNode{num: num, store: st, events: make(chan Event, 16), now: clk}
		toks := keyTokens{kr}
		n.w = NewWorker(WorkerConfig{Store: st, Tokens: toks, Tracking: toks, Classifier: bounce.New(),
			Policy: &Policy{Store: st, SoftThreshold: 1, SoftWindow: 24 * time.Hour},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clk, OnEvent: func(ev Event) { n.events <- ev }})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = n.w.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done; _ = st.Close() })
		return n
	}
	return kr, start(1), start(2)
}

// receive stores a return as the inbound MX does and wakes the worker.
func (n *fleetNode) receive(t *testing.T, rcpt string, data []byte) {
	t.Helper()
	if err := n.store.AddReturn(t.Context(), &queue.Return{Rcpt: rcpt, Received: n.now(), Data: data}); err != nil {
		t.Fatal(err)
	}
	n.w.Kick()
}

// relay waits for from's worker to hand one return to to, and moves it
// into to's inbox as package fleet does (pinned).
func relay(t *testing.T, from, to *fleetNode) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := from.store.FleetReturns(8)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) > 0 {
			fr := out[0]
			if fr.Node != to.num {
				t.Fatalf("node %d handed a return to node %d, want %d", from.num, fr.Node, to.num)
			}
			if err := to.store.AddHandedReturn(t.Context(), &fr.Return); err != nil {
				t.Fatal(err)
			}
			if err := from.store.FleetReturnDone(t.Context(), fr.Seq); err != nil {
				t.Fatal(err)
			}
			to.w.Kick()
			return
		}
		select {
		case ev := <-from.events:
			t.Fatalf("node %d processed the return itself: %+v", from.num, ev)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %d handed nothing over", from.num)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (n *fleetNode) next(t *testing.T) Event {
	t.Helper()
	select {
	case ev := <-n.events:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatalf("no event at node %d", n.num)
		return Event{}
	}
}

// settled checks that n processed everything and kept nothing to hand
// over, and that no other event comes.
func (n *fleetNode) settled(t *testing.T) {
	t.Helper()
	if rets, _ := n.store.PendingReturns(8); len(rets) != 0 {
		t.Errorf("node %d still holds %d returns in its inbox", n.num, len(rets))
	}
	if out, _ := n.store.FleetReturns(8); len(out) != 0 {
		t.Errorf("node %d hands %d returns on (to node %d): a return would travel between nodes", n.num, len(out), out[0].Node)
	}
	select {
	case ev := <-n.events:
		t.Errorf("node %d: a second event %+v", n.num, ev)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestFleetBodyAttributionHandedOver: a complaint or DSN that reaches node
// 2 about node 1's message, whose only evidence is in the body (not an
// envelope b./u. token), is handed to node 1, which attributes it by the
// same route it would have used had the return come to its own MX. Before,
// node 2 logged these unattributed and node 1 never heard of them.
func TestFleetBodyAttributionHandedOver(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		make       func(t *testing.T, kr *token.Keyring, id queue.ID) []byte
		kind, via  string
		suppressed bool
	}{
		{"complaint, click token in the copy", func(t *testing.T, kr *token.Keyring, id queue.ID) []byte {
			tok := seal(t, kr, token.Claims{Kind: token.Click, Tenant: tenantA, Message: uint64(id), Rcpt: 1,
				URL: "https://shop.example/deal", Issued: time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)})
			return arf(t, arfOpts{origRcpt: victim}, msgCopy{to: victim, ctype: "text/html", enc: "quoted-printable",
				body: html(tok, "")}.bytes(t))
		}, "complaint", ViaToken, true},
		{"dsn, VERP address in the returned headers", func(t *testing.T, kr *token.Keyring, id queue.ID) []byte {
			tok, err := kr.SealMailbox(token.Claims{Kind: token.Bounce, Message: uint64(id), Rcpt: 1})
			if err != nil {
				t.Fatal(err)
			}
			cp := msgCopy{to: victim, headers: "Return-Path: <b." + tok + "@" + bounceDomain + ">\r\n", body: "hi"}
			return dsn(t, victim, "5.1.1", "550 5.1.1 user unknown", cp.bytes(t))
		}, "bounce", ViaVERPHeader, true},
		{"complaint, message id only", func(t *testing.T, _ *token.Keyring, id queue.ID) []byte {
			return arf(t, arfOpts{origRcpt: victim}, msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
		}, "complaint", ViaMessageIDUnverified, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kr, n1, n2 := newFleetPair(t)
			m := &queue.Message{ID: n1.store.NewID(), Tenant: tenantA, From: "news@" + tenantA, Rcpts: []string{attacker, victim},
				Created: time.Date(2030, 3, 4, 5, 0, 0, 0, time.UTC), Body: []byte("Subject: hi\r\n\r\nhi\r\n")}
			if err := n1.store.Enqueue(t.Context(), m); err != nil {
				t.Fatal(err)
			}
			if m.ID.Node() != 1 {
				t.Fatalf("node 1 minted id %s of node %d", m.ID, m.ID.Node())
			}
			n2.receive(t, "fbl@"+bounceDomain, tt.make(t, kr, m.ID))
			relay(t, n2, n1)
			ev := n1.next(t)
			if ev.Kind != tt.kind || ev.Via != tt.via || ev.ID != m.ID || ev.Rcpt != victim || ev.Suppressed != tt.suppressed {
				t.Errorf("node 1's event = %+v; want %s via %s for %s of %s, suppressed %v", ev, tt.kind, tt.via, victim, m.ID, tt.suppressed)
			}
			if _, ok := n1.store.Suppressed(tenantA, victim); ok != tt.suppressed {
				t.Errorf("suppressed at node 1 = %v, want %v", ok, tt.suppressed)
			}
			n1.settled(t)
			n2.settled(t)
		})
	}
}

// TestFleetUnattributableReturnOnce: a return whose evidence names
// messages of both nodes, known to neither (a VERP address of node 2's
// message whose directory entry is gone, and node 1's id), reaches node 1,
// which hands it to node 2; node 2 logs it unattributed, exactly once, and
// does not hand it back (a handed return is pinned to its receiver).
// Without the pin each node would pass it to the other forever.
func TestFleetUnattributableReturnOnce(t *testing.T) {
	t.Parallel()
	kr, n1, n2 := newFleetPair(t)
	gone2, unknown1 := n2.store.NewID(), n1.store.NewID()
	tok, err := kr.SealMailbox(token.Claims{Kind: token.Bounce, Message: uint64(gone2), Rcpt: 0})
	if err != nil {
		t.Fatal(err)
	}
	cp := msgCopy{to: victim, id: unknown1, headers: "Return-Path: <b." + tok + "@" + bounceDomain + ">\r\n", body: "hi"}
	n1.receive(t, "fbl@"+bounceDomain, dsn(t, victim, "5.1.1", "550 5.1.1 user unknown", cp.bytes(t)))
	relay(t, n1, n2)
	ev := n2.next(t)
	if ev.Kind != "unattributed" || !strings.EqualFold(ev.Rcpt, victim) {
		t.Errorf("node 2's event = %+v; want unattributed for %s", ev, victim)
	}
	n2.settled(t)
	n1.settled(t)
}

// TestSingleNodeKeepsReturns: a spool without a node number (a single
// node) never hands a return over, whatever ids it names.
func TestSingleNodeKeepsReturns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.send(t, "fbl@"+bounceDomain, arf(t, arfOpts{origRcpt: victim}, msgCopy{to: victim, id: queue.ID(1<<40 | 5), body: "hi"}.bytes(t)))
	if ev := e.next(t); ev.Kind != "unattributed" {
		t.Errorf("event = %+v, want unattributed", ev)
	}
	if out, _ := e.store.FleetReturns(8); len(out) != 0 {
		t.Errorf("a single node handed %d returns over", len(out))
	}
}

func seal(t *testing.T, kr *token.Keyring, c token.Claims) string {
	t.Helper()
	tok, err := kr.Seal(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestFleetProvenRouteBeatsLocalMessageID: a complaint at node 2 names,
// by its X-Sluice-ID alone, a message node 2 sent to the same address,
// and carries a click token of node 1's message. The token outranks the
// bare id (which anyone can write), so node 2 hands the complaint to
// node 1, which applies it; node 2 records nothing.
func TestFleetProvenRouteBeatsLocalMessageID(t *testing.T) {
	t.Parallel()
	kr, n1, n2 := newFleetPair(t)
	enqueue := func(n *fleetNode) queue.ID {
		m := &queue.Message{ID: n.store.NewID(), Tenant: tenantA, From: "news@" + tenantA, Rcpts: []string{attacker, victim},
			Created: time.Date(2030, 3, 4, 5, 0, 0, 0, time.UTC), Body: []byte("Subject: hi\r\n\r\nhi\r\n")}
		if err := n.store.Enqueue(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	id1, id2 := enqueue(n1), enqueue(n2)
	tok := seal(t, kr, token.Claims{Kind: token.Click, Tenant: tenantA, Message: uint64(id1), Rcpt: 1,
		URL: "https://shop.example/deal", Issued: time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)})
	n2.receive(t, "fbl@"+bounceDomain, arf(t, arfOpts{origRcpt: victim}, msgCopy{to: victim, id: id2, ctype: "text/html",
		enc: "quoted-printable", body: html(tok, "")}.bytes(t)))
	relay(t, n2, n1)
	if ev := n1.next(t); ev.Kind != "complaint" || ev.Via != ViaToken || ev.ID != id1 || !ev.Suppressed {
		t.Errorf("node 1's event = %+v; want the complaint applied by its token", ev)
	}
	n1.settled(t)
	n2.settled(t)
}
