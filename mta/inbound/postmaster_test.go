package inbound

import (
	"strings"
	"testing"

	"sluice/mta/mtatest"
)

// TestPostmasterAccepted: RFC 5321 §4.5.1 requires every SMTP server to
// accept mail to "postmaster" (unqualified, any case) and every domain it
// serves to accept postmaster@ it; abuse@ (RFC 2142) is accepted too.
// Before the fix: 550 5.7.1 Relaying denied and 550 5.1.1. Their mail is
// logged as unattributed and never suppresses anyone, even carrying a
// valid VERP token of the victim (which at fbl@ would). Other local parts
// and other domains' postmaster stay refused.
func TestPostmasterAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.enqueue(t, tenantA, victim)
	cp := msgCopy{to: victim, id: id, headers: "Return-Path: <" + e.verp(t, id, 0) + ">\r\n", body: "hi"}.bytes(t)
	data := dsn(t, victim, "5.1.1", "550 5.1.1 <"+victim+">: Recipient address rejected: User unknown", cp)
	for _, rcpt := range []string{"postmaster", "PostMaster", "postmaster@" + bounceDomain, "POSTMASTER@BOUNCE.TEST.", "abuse@" + bounceDomain} {
		e.send(t, rcpt, data)
		ev := e.next(t)
		if ev.Kind != "unattributed" || ev.Suppressed || ev.Tenant != "" {
			t.Errorf("%s: event %+v; want unattributed, nothing applied", rcpt, ev)
		}
		if e.suppressed(tenantA, victim) {
			t.Fatalf("mail to %s suppressed %s", rcpt, victim)
		}
	}
	if j := e.returnJournal(t); len(j) != 0 {
		t.Errorf("role mail journaled: %+v", j)
	}
	for _, rcpt := range []string{"postmaster@elsewhere.test", "hostmaster@" + bounceDomain, "postmaster2"} {
		if err := sendErr(e, rcpt, data); err == nil || !strings.Contains(err.Error(), "SMTP error 5") {
			t.Errorf("%s: %v; want a 5xx refusal", rcpt, err)
		}
	}
	// The same DSN at the feedback-loop mailbox is a return, and applies.
	e.send(t, "fbl@"+bounceDomain, data)
	if ev := e.next(t); ev.Kind != "bounce" || !ev.Suppressed {
		t.Errorf("at fbl@: %+v", ev)
	}
}

// sendErr is env.send returning the error.
func sendErr(e *env, rcpt string, data []byte) error {
	_, err := mtatest.Submit(mtatest.Submission{Addr: e.addr, NoTLS: true, To: []string{rcpt}, Data: data})
	return err
}
