package inbound

import (
	"testing"

	"sluice/queue"
)

// TestOptOutReportUnsubscribes: an ARF report of feedback type opt-out
// (RFC 5965 §7.3) with proof of the recipient is an unsubscribe from the
// marketing stream, journaled as one; without proof it changes nothing.
func TestOptOutReportUnsubscribes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.enqueue(t, tenantA, attacker, victim)
	e.send(t, e.verp(t, id, 1), arf(t, arfOpts{ftype: "opt-out"}, msgCopy{to: victim, id: id, body: "hi"}.bytes(t)))
	ev := e.next(t)
	if ev.Kind != "unsubscribe" || !ev.Suppressed || ev.Rcpt != victim {
		t.Fatalf("event = %+v; want an unsubscribe of %s", ev, victim)
	}
	sup, ok := e.store.Suppressed(tenantA, victim)
	if !ok || sup.Scope != queue.ScopeMarketing {
		t.Errorf("suppression = %+v, %v; want the marketing stream only", sup, ok)
	}
	if e.suppressed(tenantA, attacker) {
		t.Errorf("co-recipient %s suppressed", attacker)
	}
	if j := e.returnJournal(t); len(j) != 1 || j[0].Kind != queue.JournalUnsubscribe || j[0].Index != 1 {
		t.Errorf("journal = %+v; want one unsubscribe of recipient 1", j)
	}

	// The same report from a stranger: no proof, no unsubscribe.
	f := newEnv(t, nil)
	id = f.enqueue(t, tenantA, attacker, victim)
	f.send(t, "fbl@"+bounceDomain, arf(t, arfOpts{ftype: "opt-out", origRcpt: victim}, msgCopy{to: victim, id: id, body: "hi"}.bytes(t)))
	if ev := f.next(t); ev.Suppressed {
		t.Errorf("forged opt-out applied: %+v", ev)
	}
	if f.suppressed(tenantA, victim) {
		t.Errorf("%s suppressed by a forged opt-out", victim)
	}
}

// TestDSNSuccessRowIsNoBounce: a DSN reporting one recipient failed and
// another delivered (RFC 3464 §2.3.3 action "delivered") is one bounce,
// not two: the delivered row is neither an event nor a journaled bounce.
func TestDSNSuccessRowIsNoBounce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.enqueue(t, tenantA, attacker, victim)
	cp := msgCopy{to: victim, id: id, body: "hi"}.bytes(t)
	data := []byte("From: Mail Delivery System <MAILER-DAEMON@mx.dest.test>\r\nTo: x@" + bounceDomain + "\r\n" +
		"Subject: Delivery Status Notification\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"d\"\r\n\r\n" +
		"--d\r\nContent-Type: text/plain\r\n\r\nOne recipient failed.\r\n" +
		"--d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.dest.test\r\n\r\n" +
		"Final-Recipient: rfc822; " + attacker + "\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n" +
		"Final-Recipient: rfc822; " + victim + "\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <" + victim + ">: Recipient address rejected: User unknown\r\n\r\n" +
		"--d\r\nContent-Type: message/rfc822\r\n\r\n" + string(cp) + "\r\n--d--\r\n")
	e.send(t, e.verp(t, id, 1), data)
	ev := e.next(t)
	if ev.Kind != "bounce" || ev.Rcpt != victim {
		t.Fatalf("event = %+v; want the bounce of %s", ev, victim)
	}
	select {
	case ev := <-e.events:
		t.Errorf("second event %+v for the delivered recipient", ev)
	default:
	}
	if j := e.returnJournal(t); len(j) != 1 || j[0].Kind != queue.JournalBounce {
		t.Errorf("journal = %+v; want one bounce", j)
	}
}
