package inbound

import (
	"testing"

	"sluice/queue"
	"sluice/tracking/token"
)

// TestReplayedReturnsCountOnce: every recipient sees its own VERP return
// path, tracking links and mailto unsubscribe address, and can replay a
// return naming itself as often as it likes. Each kind of return (hard
// bounce by VERP envelope, by VERP in the returned headers, complaint,
// mailto unsubscribe) is applied, journaled and published once per
// (message, recipient); replays come out as "duplicate" events that
// journal nothing. Before the fix every copy was journaled (a bounce
// event, a webhook, a hard bounce in the reputation windows).
func TestReplayedReturnsCountOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.enqueue(t, tenantA, victim, attacker)
	cp := msgCopy{to: victim, id: id, body: "hi"}.bytes(t)
	bounce := dsn(t, victim, "5.1.1", "550 5.1.1 <"+victim+">: Recipient address rejected: User unknown", cp)
	cases := []struct {
		name, rcpt, kind string
		data             func() []byte
	}{
		{"verp envelope", e.verp(t, id, 0), "bounce", func() []byte { return bounce }},
		{"verp in headers", "fbl@" + bounceDomain, "bounce", func() []byte {
			// Same recipient of another message: the header form's own key.
			id2 := e.enqueue(t, tenantA, "bob@dest.test")
			c := msgCopy{to: "bob@dest.test", id: id2, headers: "Return-Path: <" + e.verp(t, id2, 0) + ">\r\n", body: "hi"}.bytes(t)
			return dsn(t, "bob@dest.test", "5.1.1", "550 5.1.1 User unknown", c)
		}},
		{"complaint by token", "fbl@" + bounceDomain, "complaint", func() []byte {
			tok := e.urlToken(t, token.Click, tenantA, id, 1)
			c := msgCopy{to: attacker, id: id, ctype: "text/html", body: html(tok, "")}.bytes(t)
			return arf(t, arfOpts{origRcpt: attacker}, c)
		}},
	}
	for _, c := range cases {
		data := c.data()
		before := len(e.returnJournal(t))
		for i := 0; i < 4; i++ {
			e.send(t, c.rcpt, data)
			ev := e.next(t)
			if i == 0 && ev.Kind != c.kind {
				t.Fatalf("%s: first copy: event %+v, want kind %s", c.name, ev, c.kind)
			}
			if i > 0 && (ev.Kind != "duplicate" || ev.Suppressed) {
				t.Errorf("%s: copy %d: event %+v, want a duplicate that applies nothing", c.name, i+1, ev)
			}
		}
		if got := len(e.returnJournal(t)) - before; got != 1 {
			t.Errorf("%s: 4 copies journaled %d events, want 1", c.name, got)
		}
	}
	// The mailto unsubscribe, same rule.
	before := len(e.returnJournal(t))
	for i := 0; i < 3; i++ {
		e.send(t, e.mailto(t, id), []byte("Subject: unsubscribe\r\n\r\nunsubscribe\r\n"))
		if ev := e.next(t); i > 0 && ev.Kind != "duplicate" {
			t.Errorf("mailto unsubscribe copy %d: %+v", i+1, ev)
		}
	}
	if got := len(e.returnJournal(t)) - before; got != 1 {
		t.Errorf("mailto: 3 copies journaled %d events, want 1", got)
	}
	// Another kind for the same recipient of the same message is news: a
	// complaint after the hard bounce counts.
	tok := e.urlToken(t, token.Open, tenantA, id, 0)
	e.send(t, e.verp(t, id, 0), arf(t, arfOpts{origRcpt: victim}, msgCopy{to: victim, id: id, ctype: "text/html", body: html("", tok)}.bytes(t)))
	if ev := e.next(t); ev.Kind != "complaint" {
		t.Errorf("complaint after a bounce of the same recipient: %+v", ev)
	}
	// And the memory is durable: the spool says so after the fact.
	if got := e.store.ReturnsApplied([]queue.ReturnKey{{ID: id, Index: 0, Kind: "bounce:hard_invalid_recipient"}}); !got[0] {
		t.Error("the applied bounce is not recorded in the spool")
	}
}

// TestReportedAddressInAnyForm: a report naming the recipient in another
// spelling (a trailing dot, upper case) still picks that recipient among
// the tokens' (one canonical form, queue.NormalizeAddr).
func TestReportedAddressInAnyForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.enqueue(t, tenantA, attacker, victim)
	body := html(e.urlToken(t, token.Click, tenantA, id, 0), e.urlToken(t, token.Open, tenantA, id, 1))
	e.send(t, "fbl@"+bounceDomain, arf(t, arfOpts{origRcpt: "ALICE@Dest.Test."}, msgCopy{to: victim, id: id, ctype: "text/html", body: body}.bytes(t)))
	if ev := e.next(t); ev.Rcpt != victim || ev.Index != 1 || ev.Via != ViaToken || !ev.Suppressed {
		t.Errorf("event %+v; want %s (index 1), the reported address", ev, victim)
	}
}
