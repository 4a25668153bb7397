package inbound

import (
	"testing"

	"sluice/mta/bounce"
	"sluice/queue"
	"sluice/tracking/token"
)

// The trust boundary: a return changes a recipient's state only with proof
// a stranger cannot produce for someone else. Each test sends real reports
// to the inbound MX on loopback and reads the worker's events and the spool.

const (
	tenantA  = "tenant-a.test"
	tenantB  = "tenant-b.test"
	attacker = "mallory@dest.test"
	victim   = "alice@dest.test"
)

// TestForgedComplaintNotApplied: a co-recipient sees the message's
// X-Sluice-ID and files a complaint naming the victim, unauthenticated.
// Before the trust rule this suppressed the victim for every stream.
func TestForgedComplaintNotApplied(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		make func(t *testing.T, id queue.ID) []byte
	}{
		{"arf, copy inline", func(t *testing.T, id queue.ID) []byte {
			return arf(t, arfOpts{origRcpt: victim}, msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
		}},
		{"arf, copy in base64", func(t *testing.T, id queue.ID) []byte {
			return arf(t, arfOpts{origRcpt: victim, enc: "base64", ftype: "fraud"}, msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
		}},
		{"arf, headers only", func(t *testing.T, id queue.ID) []byte {
			return arf(t, arfOpts{origRcpt: victim, headersOn: true}, msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
		}},
		{"jmrp shape", func(t *testing.T, id queue.ID) []byte {
			return jmrp(t, victim, msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
		}},
		{"arf with a made-up token", func(t *testing.T, id queue.ID) []byte {
			body := html("AQdCAAtzdHJhbmdlci5jb22AgICAgICAgAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "")
			return arf(t, arfOpts{origRcpt: victim}, msgCopy{to: victim, id: id, ctype: "text/html", enc: "quoted-printable", body: body}.bytes(t))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			id := e.enqueue(t, tenantA, attacker, victim)
			e.send(t, "fbl@"+bounceDomain, tt.make(t, id))
			ev := e.next(t)
			if ev.Kind != "complaint" || ev.Via != ViaMessageIDUnverified || ev.Suppressed || ev.Rcpt != victim || ev.ID != id {
				t.Errorf("event = %+v; want an unverified complaint for %s, not suppressed", ev, victim)
			}
			if e.suppressed(tenantA, victim) {
				t.Errorf("%s suppressed by a forged complaint", victim)
			}
			if j := e.returnJournal(t); len(j) != 0 {
				t.Errorf("forged complaint journaled for the event store: %+v", j)
			}
		})
	}
}

// TestOwnTokenCannotNameAnother: a forger's report carrying their own
// (genuine) token but naming the victim is attributed to the forger.
func TestOwnTokenCannotNameAnother(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.enqueue(t, tenantA, attacker, victim)
	tok := e.urlToken(t, token.Click, tenantA, id, 0)
	e.send(t, "fbl@"+bounceDomain, arf(t, arfOpts{origRcpt: victim},
		msgCopy{to: victim, id: id, ctype: "text/html", body: html(tok, "")}.bytes(t)))
	ev := e.next(t)
	if ev.Rcpt != attacker || ev.Via != ViaToken || !ev.Suppressed {
		t.Errorf("event = %+v; want the token's own recipient %s", ev, attacker)
	}
	if e.suppressed(tenantA, victim) {
		t.Errorf("%s suppressed through another recipient's token", victim)
	}
}

// TestGenuineComplaintApplied: complaints carrying a MAC'd per-recipient
// token, in the envelope, the returned headers or the returned body under
// any transfer encoding, suppress that recipient.
func TestGenuineComplaintApplied(t *testing.T) {
	t.Parallel()
	type setup struct {
		rcpt string // envelope recipient at the MX
		data []byte
		via  string
		// verpInCopy: the token in the copy is the VERP (b.) one.
		verpInCopy bool
	}
	tests := []struct {
		name string
		make func(t *testing.T, e *env, id queue.ID) setup
	}{
		{"verp envelope", func(t *testing.T, e *env, id queue.ID) setup {
			return setup{e.verp(t, id, 1), arf(t, arfOpts{}, msgCopy{to: victim, id: id, body: "hi"}.bytes(t)), ViaVERP, false}
		}},
		{"verp in returned Return-Path", func(t *testing.T, e *env, id queue.ID) setup {
			cp := msgCopy{to: victim, id: id, headers: "Return-Path: <" + e.verp(t, id, 1) + ">\r\n", body: "hi"}
			return setup{"fbl@" + bounceDomain, arf(t, arfOpts{origRcpt: victim}, cp.bytes(t)), ViaVERPHeader, false}
		}},
		{"verp token in the returned body", func(t *testing.T, e *env, id queue.ID) setup {
			cp := msgCopy{to: victim, id: id, body: "bounces go to " + e.verp(t, id, 1)}
			return setup{"fbl@" + bounceDomain, arf(t, arfOpts{}, cp.bytes(t)), ViaToken, true}
		}},
		{"list-unsubscribe https token in headers", func(t *testing.T, e *env, id queue.ID) setup {
			h := "List-Unsubscribe: <https://t.tenant-a.test/u/" + e.urlToken(t, token.Unsubscribe, tenantA, id, 1) + ">\r\n"
			return setup{"fbl@" + bounceDomain, arf(t, arfOpts{headersOn: true}, msgCopy{to: victim, id: id, headers: h, body: "hi"}.bytes(t)), ViaToken, false}
		}},
		{"list-unsubscribe folded, copy base64", func(t *testing.T, e *env, id queue.ID) setup {
			h := "List-Unsubscribe: <mailto:unsub@tenant-a.test>,\r\n <https://t.tenant-a.test/u/" +
				e.urlToken(t, token.Unsubscribe, tenantA, id, 1) + ">\r\n"
			return setup{"fbl@" + bounceDomain, arf(t, arfOpts{origRcpt: victim, enc: "base64"}, msgCopy{to: victim, id: id, headers: h, body: "hi"}.bytes(t)), ViaToken, false}
		}},
		{"click token in quoted-printable html", func(t *testing.T, e *env, id queue.ID) setup {
			cp := msgCopy{to: victim, id: id, ctype: "text/html; charset=utf-8", enc: "quoted-printable",
				body: html(e.urlToken(t, token.Click, tenantA, id, 1), "")}
			return setup{"fbl@" + bounceDomain, arf(t, arfOpts{origRcpt: victim}, cp.bytes(t)), ViaToken, false}
		}},
		{"open pixel in base64 html, copy base64 again", func(t *testing.T, e *env, id queue.ID) setup {
			cp := msgCopy{to: victim, id: id, ctype: "text/html", enc: "base64", body: html("", e.urlToken(t, token.Open, tenantA, id, 1))}
			return setup{"fbl@" + bounceDomain, arf(t, arfOpts{enc: "base64"}, cp.bytes(t)), ViaToken, false}
		}},
		{"click token in multipart/alternative, jmrp shape", func(t *testing.T, e *env, id queue.ID) setup {
			tok := e.urlToken(t, token.Click, tenantA, id, 1)
			body := "--alt\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				string(encode(t, "base64", []byte("See https://t.tenant-a.test/c/"+tok+" for offers"))) +
				"--alt\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
				string(encode(t, "quoted-printable", []byte(html(tok, "")))) + "--alt--\r\n"
			cp := msgCopy{to: victim, id: id, ctype: `multipart/alternative; boundary="alt"`, body: body}
			return setup{"fbl@" + bounceDomain, jmrp(t, victim, cp.bytes(t)), ViaToken, false}
		}},
		{"mailto unsubscribe token in headers", func(t *testing.T, e *env, id queue.ID) setup {
			// The mailto token carries recipient index 0: one-recipient
			// messages (per-recipient tracked copies).
			one := e.enqueue(t, tenantA, victim)
			h := "List-Unsubscribe: <mailto:" + e.mailto(t, one) + "?subject=unsubscribe>\r\n"
			return setup{"fbl@" + bounceDomain, arf(t, arfOpts{}, msgCopy{to: victim, id: one, headers: h, body: "hi"}.bytes(t)), ViaToken, false}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			id := e.enqueue(t, tenantA, attacker, victim)
			s := tt.make(t, e, id)
			e.send(t, s.rcpt, s.data)
			ev := e.next(t)
			if ev.Kind != "complaint" || ev.Via != s.via || !ev.Suppressed || ev.Rcpt != victim {
				t.Errorf("event = %+v; want a complaint via %s suppressing %s", ev, s.via, victim)
			}
			// Proof weighs what it unlocks: VERP tokens block every
			// stream, link tokens marketing only (ApplyLinkProven).
			want := queue.ScopeAll
			if s.via == ViaToken && !s.verpInCopy {
				want = queue.ScopeMarketing
			}
			if sup, ok := e.store.Suppressed(tenantA, victim); !ok || sup.Scope != want || ev.Scope != want.String() {
				t.Errorf("%s: suppression %+v %v, event scope %q; want scope %s", victim, sup, ok, ev.Scope, want)
			}
			if e.suppressed(tenantA, attacker) {
				t.Errorf("co-recipient %s suppressed", attacker)
			}
			// The event reaches the event store through the spool's
			// journal, written with the return's removal from the inbox.
			j := e.returnJournal(t)
			if len(j) != 1 || j[0].Kind != queue.JournalComplaint || j[0].Tenant != tenantA || j[0].ID != ev.ID ||
				j[0].Index != ev.Index || j[0].Reply != string(bounce.Complaint) {
				t.Errorf("journal = %+v; want one complaint for %s (index %d)", j, victim, ev.Index)
			}
		})
	}
}

// TestForgedBounceNotSuppressed: bounces naming a recipient and our
// message id, without a token, neither suppress nor count a soft failure
// (the policy here suppresses at the first soft failure); the same DSN to
// the VERP address does.
func TestForgedBounceNotSuppressed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		data     func(t *testing.T, id queue.ID) []byte
		viaVERP  bool
		wantSupp bool
	}{
		{"dsn 5.1.1", func(t *testing.T, id queue.ID) []byte {
			return dsn(t, victim, "5.1.1", "550 5.1.1 <"+victim+">: Recipient address rejected: User unknown", msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
		}, false, false},
		{"dsn mailbox full", func(t *testing.T, id queue.ID) []byte {
			return dsn(t, victim, "5.2.2", "552 5.2.2 Mailbox full", msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
		}, false, false},
		{"plain-text bounce", func(t *testing.T, id queue.ID) []byte { return plainBounce(victim, id) }, false, false},
		{"dsn 5.1.1 to the verp address", func(t *testing.T, id queue.ID) []byte {
			return dsn(t, victim, "5.1.1", "550 5.1.1 User unknown", msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
		}, true, true},
		{"dsn mailbox full to the verp address", func(t *testing.T, id queue.ID) []byte {
			return dsn(t, victim, "5.2.2", "552 5.2.2 Mailbox full", msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
		}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			id := e.enqueue(t, tenantA, attacker, victim)
			rcpt := "fbl@" + bounceDomain
			if tt.viaVERP {
				rcpt = e.verp(t, id, 1)
			}
			e.send(t, rcpt, tt.data(t, id))
			ev := e.next(t)
			if ev.Kind != "bounce" || ev.Rcpt != victim || ev.Suppressed != tt.wantSupp {
				t.Errorf("event = %+v; want a bounce of %s, suppressed %v", ev, victim, tt.wantSupp)
			}
			if !tt.viaVERP && ev.Via != ViaMessageIDUnverified {
				t.Errorf("via = %q, want %q", ev.Via, ViaMessageIDUnverified)
			}
			if got := e.suppressed(tenantA, victim); got != tt.wantSupp {
				t.Errorf("suppressed = %v, want %v", got, tt.wantSupp)
			}
		})
	}
}

// TestVERPCrossTenant: a valid token of tenant A's message acts on tenant
// A's recipient only, whatever message id of tenant B the return quotes;
// a tracking token whose tenant disagrees with the directory is refused.
func TestVERPCrossTenant(t *testing.T) {
	t.Parallel()
	t.Run("verp", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil)
		idA := e.enqueue(t, tenantA, victim)
		idB := e.enqueue(t, tenantB, victim)
		e.send(t, e.verp(t, idA, 0), dsn(t, victim, "5.1.1", "550 5.1.1 User unknown", msgCopy{to: victim, id: idB, body: "hi"}.bytes(t)))
		ev := e.next(t)
		if ev.Tenant != tenantA || ev.ID != idA || !ev.Suppressed {
			t.Errorf("event = %+v; want tenant A's message %s suppressed", ev, idA)
		}
		if !e.suppressed(tenantA, victim) || e.suppressed(tenantB, victim) {
			t.Errorf("suppressed A=%v B=%v; want A only", e.suppressed(tenantA, victim), e.suppressed(tenantB, victim))
		}
	})
	t.Run("tracking token naming another tenant", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil)
		idA := e.enqueue(t, tenantA, victim)
		tok := e.urlToken(t, token.Click, tenantB, idA, 0) // tenant B's claim on A's message
		e.send(t, "fbl@"+bounceDomain, arf(t, arfOpts{origRcpt: victim},
			msgCopy{to: victim, id: idA, ctype: "text/html", body: html(tok, "")}.bytes(t)))
		ev := e.next(t)
		if ev.Suppressed || ev.Via != ViaMessageIDUnverified {
			t.Errorf("event = %+v; want unverified", ev)
		}
		if e.suppressed(tenantA, victim) || e.suppressed(tenantB, victim) {
			t.Error("a token with the wrong tenant suppressed")
		}
	})
}

// TestURLTokenNeverProvesBounce: tracking URLs and the mailto unsubscribe
// address travel with the recipient's copy to link scanners, proxies and
// forwards: a DSN quoting them proves nothing about the address's
// deliverability (before the fix each of these suppressed the recipient
// for every stream). A VERP address in the returned headers does.
func TestURLTokenNeverProvesBounce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		copy    func(t *testing.T, e *env, id queue.ID) msgCopy
		applied bool
	}{
		{"click token", func(t *testing.T, e *env, id queue.ID) msgCopy {
			return msgCopy{to: victim, id: id, ctype: "text/html", body: html(e.urlToken(t, token.Click, tenantA, id, 1), "")}
		}, false},
		{"open pixel", func(t *testing.T, e *env, id queue.ID) msgCopy {
			return msgCopy{to: victim, id: id, ctype: "text/html", body: html("", e.urlToken(t, token.Open, tenantA, id, 1))}
		}, false},
		{"unsubscribe page", func(t *testing.T, e *env, id queue.ID) msgCopy {
			h := "List-Unsubscribe: <https://t.tenant-a.test/u/" + e.urlToken(t, token.Unsubscribe, tenantA, id, 1) + ">\r\n"
			return msgCopy{to: victim, id: id, headers: h, body: "hi"}
		}, false},
		{"mailto unsubscribe", func(t *testing.T, e *env, id queue.ID) msgCopy {
			return msgCopy{to: victim, id: id, headers: "List-Unsubscribe: <mailto:" + e.mailto(t, id) + ">\r\n", body: "hi"}
		}, false},
		{"verp in returned Return-Path", func(t *testing.T, e *env, id queue.ID) msgCopy {
			return msgCopy{to: victim, id: id, headers: "Return-Path: <" + e.verp(t, id, 1) + ">\r\n", body: "hi"}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			id := e.enqueue(t, tenantA, attacker, victim)
			e.send(t, "fbl@"+bounceDomain, dsn(t, victim, "5.1.1", "550 5.1.1 User unknown", tt.copy(t, e, id).bytes(t)))
			ev := e.next(t)
			if ev.Kind != "bounce" || ev.Suppressed != tt.applied {
				t.Errorf("event = %+v; want a bounce, applied %v", ev, tt.applied)
			}
			if got := e.suppressed(tenantA, victim); got != tt.applied {
				t.Errorf("suppressed = %v, want %v", got, tt.applied)
			}
		})
	}
}
