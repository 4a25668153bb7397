package inbound

import (
	"testing"

	"sluice/queue"
	"sluice/tracking/token"
)

// TestLinkTokenComplaintIsMarketingOnly: an unsigned report whose only
// proof is a link token of the victim's copy (click, open, the one-click
// unsubscribe page, the mailto unsubscribe address: all travel with
// forwards and shared links) unsubscribes the victim from marketing and
// no more: transactional mail still flows. Before the fix it suppressed
// the victim for every stream. The same complaint proven by the VERP
// envelope token afterwards widens it to every stream (a stronger proof
// of the same return is news, not a replay).
func TestLinkTokenComplaintIsMarketingOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.enqueue(t, tenantA, victim)
	for _, c := range []struct {
		name string
		copy func() []byte
	}{
		{"click", func() []byte {
			return msgCopy{to: "friend@else.test", id: id, ctype: "text/html", body: html(e.urlToken(t, token.Click, tenantA, id, 0), "")}.bytes(t)
		}},
		{"open", func() []byte {
			return msgCopy{to: "friend@else.test", ctype: "text/html", body: html("", e.urlToken(t, token.Open, tenantA, id, 0))}.bytes(t)
		}},
		{"unsubscribe page", func() []byte {
			h := "List-Unsubscribe: <https://t.tenant-a.test/u/" + e.urlToken(t, token.Unsubscribe, tenantA, id, 0) + ">\r\n"
			return msgCopy{to: "friend@else.test", headers: h, body: "fwd"}.bytes(t)
		}},
		{"mailto", func() []byte {
			h := "List-Unsubscribe: <mailto:" + e.mailto(t, id) + ">\r\n"
			return msgCopy{to: "friend@else.test", headers: h, body: "fwd"}.bytes(t)
		}},
	} {
		e.send(t, "fbl@"+bounceDomain, arf(t, arfOpts{}, c.copy()))
		ev := e.next(t)
		if ev.Rcpt != victim || (ev.Kind != "complaint" && ev.Kind != "duplicate") {
			t.Fatalf("%s: event %+v", c.name, ev)
		}
		sup, ok := e.store.Suppressed(tenantA, victim)
		if !ok || sup.Scope != queue.ScopeMarketing {
			t.Errorf("%s: suppression %+v %v; want marketing only", c.name, sup, ok)
		}
		if _, blocked := e.store.SuppressedFor(tenantA, victim, queue.Transactional); blocked {
			t.Errorf("%s: a link token blocked transactional mail", c.name)
		}
	}
	// The receiver's own complaint, to the VERP envelope address: every
	// stream, counted once more (a complaint of a stronger proof).
	e.send(t, e.verp(t, id, 0), arf(t, arfOpts{}, msgCopy{to: victim, id: id, body: "hi"}.bytes(t)))
	if ev := e.next(t); ev.Kind != "complaint" || ev.Via != ViaVERP || ev.Scope != "all" {
		t.Errorf("verp complaint after a link one: %+v", ev)
	}
	if sup, _ := e.store.Suppressed(tenantA, victim); sup.Scope != queue.ScopeAll {
		t.Errorf("verp complaint did not widen the suppression: %+v", sup)
	}
}
