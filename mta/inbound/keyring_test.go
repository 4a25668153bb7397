package inbound

import (
	"strings"
	"testing"

	"sluice/queue"
	"sluice/tracking/token"
)

// TestKeyringTokens: each kind of token opens only through its own
// method, with the ids it was made for; ReturnPath writes VERP addresses
// only for tenants with a bounce domain.
func TestKeyringTokens(t *testing.T) {
	t.Parallel()
	kr, err := token.NewKeyring(token.Key{ID: 3, Secret: []byte(strings.Repeat("s", token.MinSecret))})
	if err != nil {
		t.Fatal(err)
	}
	k := KeyringTokens{Keyring: kr}
	const id = queue.ID(1_900_000_000_000_000)

	rp := k.ReturnPath(map[string]string{tenantA: bounceDomain})
	if got := rp(&queue.Work{ID: id, Tenant: tenantB}, queue.WorkRcpt{Index: 2}); got != "" {
		t.Errorf("VERP for a tenant without a bounce domain: %q", got)
	}
	verp := rp(&queue.Work{ID: id, Tenant: tenantA}, queue.WorkRcpt{Index: 2})
	local, ok := strings.CutSuffix(verp, "@"+bounceDomain)
	if !ok || !strings.HasPrefix(local, "b.") || len(local) > 64 {
		t.Fatalf("VERP address %q: want b.<token>@%s, local part within 64 octets (RFC 5321 §4.5.3.1.1)", verp, bounceDomain)
	}
	bounceTok := local[2:]
	if gid, idx, ok := k.OpenBounce(strings.ToUpper(bounceTok)); !ok || gid != id || idx != 2 {
		t.Errorf("OpenBounce (case folded by an MTA) = %v, %d, %v", gid, idx, ok)
	}
	if _, _, ok := k.OpenUnsubscribe(bounceTok); ok {
		t.Error("a bounce token opened as a mailto unsubscribe")
	}

	unsubTok, err := kr.SealMailbox(token.Claims{Kind: token.MailUnsubscribe, Message: uint64(id)})
	if err != nil {
		t.Fatal(err)
	}
	if gid, idx, ok := k.OpenUnsubscribe(unsubTok); !ok || gid != id || idx != 0 {
		t.Errorf("OpenUnsubscribe = %v, %d, %v", gid, idx, ok)
	}
	if _, _, ok := k.OpenBounce(unsubTok); ok {
		t.Error("a mailto unsubscribe token opened as a bounce")
	}

	for _, kind := range []token.Kind{token.Open, token.Click, token.Unsubscribe} {
		c := token.Claims{Kind: kind, Tenant: tenantA, Message: uint64(id), Rcpt: 5}
		if kind == token.Click {
			c.URL = "https://shop.example/"
		}
		if kind == token.Unsubscribe {
			c.Addr = victim
		}
		tok, err := kr.Seal(c)
		if err != nil {
			t.Fatal(err)
		}
		if tenant, gid, idx, ok := k.OpenTracking(tok); !ok || tenant != tenantA || gid != id || idx != 5 {
			t.Errorf("OpenTracking(%v) = %q, %v, %d, %v", kind, tenant, gid, idx, ok)
		}
		if _, _, _, ok := k.OpenTracking(tok + "x"); ok {
			t.Errorf("a tampered %v token opened", kind)
		}
	}
	for _, s := range []string{"", bounceTok, unsubTok, strings.Repeat("A", 100)} {
		if _, _, _, ok := k.OpenTracking(s); ok {
			t.Errorf("OpenTracking(%q) opened", s)
		}
	}
}

// TestReturnPathAttributed: a DSN to the VERP address ReturnPath wrote for
// a delivery is taken by the MX and attributed to that very recipient.
func TestReturnPathAttributed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.enqueue(t, tenantA, attacker, victim)
	verp := KeyringTokens{Keyring: e.kr}.ReturnPath(map[string]string{tenantA: bounceDomain})(
		&queue.Work{ID: id, Tenant: tenantA}, queue.WorkRcpt{Index: 1})
	e.send(t, verp, dsn(t, victim, "5.1.1", "550 5.1.1 User unknown", msgCopy{to: victim, id: id, body: "hi"}.bytes(t)))
	if ev := e.next(t); ev.Rcpt != victim || ev.Via != ViaVERP || !ev.Suppressed {
		t.Errorf("event %+v: want the victim, via VERP, suppressed", ev)
	}
	if e.suppressed(tenantA, attacker) {
		t.Error("the other recipient was suppressed")
	}
}
