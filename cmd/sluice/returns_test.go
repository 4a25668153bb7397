package main

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/configs"
	"sluice/mta/inbound"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/queue"
	"sluice/tracking/token"
)

// returnLog records processed returns.
type returnLog struct{ *waitLog[inbound.Event] }

func newReturnLog() *returnLog { return &returnLog{newWaitLog[inbound.Event]()} }

// wait returns the returns once there are n of them.
func (l *returnLog) wait(t *testing.T, n int, timeout time.Duration) []inbound.Event {
	t.Helper()
	evs, ok := l.until(timeout, func(evs []inbound.Event) bool { return len(evs) >= n })
	if !ok {
		t.Fatalf("got %d returns within %v, want %d: %+v", len(evs), timeout, n, evs)
	}
	return evs
}

// startReturnsNode is a node whose tenant uses VERP on bounces.test, with
// the inbound MX accepting that domain.
func startReturnsNode(t *testing.T, sinkOpts mtatest.SinkOptions) (*testNode, *returnLog) {
	rl := newReturnLog()
	tn := startTestNode(t, sinkOpts, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Inbound.Domains = []string{"bounces.test"}
		cfg.Tenants[0].BounceDomain = "bounces.test"
	})
	// Restart with the return hook (startTestNode has no parameter for it).
	tn.n.shutdown(5 * time.Second)
	log := tn.n.log
	n, err := startNode(tn.cfg, log, nopWriter{}, nodeOptions{onEvent: tn.events.add, onReturn: rl.add})
	if err != nil {
		t.Fatal(err)
	}
	tn.n = n
	return tn, rl
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

func sendToInbound(t *testing.T, tn *testNode, from, to, msg string) error {
	t.Helper()
	c, err := smtp.Dial(tn.n.inLn.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("mx.remote.test"); err != nil {
		t.Fatal(err)
	}
	return sendOne(c, from, to, msg)
}

func TestSyncHardBounceSuppresses(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{Rcpt: func(to string) error {
		if strings.HasPrefix(to, "gone@") {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "The email account that you tried to reach does not exist"}
		}
		return nil
	}}, nil)
	if _, err := tn.submit("news@acme.example", []string{"gone@example.test"}, plainMessage("gone@example.test")); err != nil {
		t.Fatal(err)
	}
	tn.events.wait(t, "gone@example.test", "failed", 5*time.Second)
	waitFor(t, 5*time.Second, func() bool {
		sup, ok := tn.n.store.Suppressed("acme", "gone@example.test")
		return ok && sup.Reason == "hard_invalid_recipient" && sup.Scope == queue.ScopeAll
	})
	_, err := tn.submit("news@acme.example", []string{"gone@example.test"}, plainMessage("gone@example.test"))
	if mtatest.Code(err) != 550 || !strings.Contains(err.Error(), "suppressed") {
		t.Fatalf("next submission to a hard-bounced address: %v, want 550 suppressed", err)
	}
	// A policy block says nothing about the recipient: no suppression.
	if _, ok := tn.n.store.Suppressed("acme", "a@example.test"); ok {
		t.Fatal("unrelated address suppressed")
	}
}

func TestAsyncReturns(t *testing.T) {
	tn, rl := startReturnsNode(t, mtatest.SinkOptions{})
	for _, to := range []string{"dsn@example.test", "arf@example.test", "ooo@example.test", "unsub@example.test"} {
		if _, err := tn.submit("news@acme.example", []string{to}, plainMessage(to)); err != nil {
			t.Fatal(err)
		}
	}
	got := tn.sink.WaitRcpts(4, 10*time.Second)
	verp := map[string]string{}
	ids := map[string]string{}
	for _, m := range got {
		if !strings.HasPrefix(m.From, "b.") || !strings.HasSuffix(m.From, "@bounces.test") {
			t.Fatalf("envelope sender %q is not a VERP address on the bounce domain", m.From)
		}
		verp[m.To[0]] = m.From
		ids[m.To[0]] = headerValue(m.Data, "X-Sluice-ID")
	}

	// Refusals: another domain (no relay), a forged token.
	if err := sendToInbound(t, tn, "", "someone@elsewhere.test", "Subject: x\r\n\r\nx\r\n"); mtatest.Code(err) != 550 {
		t.Fatalf("inbound MX relayed for another domain: %v", err)
	}
	if err := sendToInbound(t, tn, "", "b.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@bounces.test", "Subject: x\r\n\r\nx\r\n"); mtatest.Code(err) != 550 {
		t.Fatalf("forged VERP token accepted: %v", err)
	}

	// 1. An RFC 3464 DSN to the VERP address.
	dsn := "From: MAILER-DAEMON@mx.remote.test\r\nTo: " + verp["dsn@example.test"] + "\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test\r\n\r\n" +
		"Final-Recipient: rfc822; dsn@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <dsn@example.test>: Recipient address rejected: User unknown\r\n" +
		"--B--\r\n"
	if err := sendToInbound(t, tn, "", verp["dsn@example.test"], dsn); err != nil {
		t.Fatalf("DSN refused: %v", err)
	}
	// 2. An ARF complaint to the FBL mailbox, with the original headers.
	arf := "From: feedback@fbl.remote.test\r\nTo: fbl@bounces.test\r\nSubject: complaint\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\r\n\r\n" +
		"--F\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n" +
		"--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: RemoteFBL/1.0\r\nVersion: 1\r\n" +
		"Original-Rcpt-To: arf@example.test\r\n" +
		"--F\r\nContent-Type: text/rfc822-headers\r\n\r\nReturn-Path: <" + verp["arf@example.test"] + ">\r\n" +
		"X-Sluice-ID: " + ids["arf@example.test"] + "\r\nFrom: news@acme.example\r\nTo: arf@example.test\r\nSubject: hello\r\n" +
		"--F--\r\n"
	if err := sendToInbound(t, tn, "", "fbl@bounces.test", arf); err != nil {
		t.Fatalf("ARF refused: %v", err)
	}
	// 3. An out-of-office auto-reply to the VERP address.
	ooo := "From: ooo@example.test\r\nTo: " + verp["ooo@example.test"] + "\r\nSubject: Out of Office: hello\r\n" +
		"Auto-Submitted: auto-replied\r\n\r\nI am out of the office until Monday.\r\n"
	if err := sendToInbound(t, tn, "", verp["ooo@example.test"], ooo); err != nil {
		t.Fatalf("auto-reply refused: %v", err)
	}
	evs := rl.wait(t, 3, 10*time.Second)
	byRcpt := map[string]inbound.Event{}
	for _, ev := range evs {
		byRcpt[ev.Rcpt] = ev
	}
	if ev := byRcpt["dsn@example.test"]; ev.Kind != "bounce" || ev.Class != "hard_invalid_recipient" || ev.Via != "verp" || !ev.Suppressed || ev.ID.String() != ids["dsn@example.test"] {
		t.Errorf("DSN: %+v", ev)
	}
	if ev := byRcpt["arf@example.test"]; ev.Kind != "complaint" || ev.FeedbackType != "abuse" || !ev.Suppressed || ev.Tenant != "acme" {
		t.Errorf("ARF: %+v", ev)
	}
	if ev := byRcpt["ooo@example.test"]; ev.Kind != "auto_reply" || ev.Suppressed {
		t.Errorf("auto-reply: %+v", ev)
	}
	for addr, want := range map[string]bool{"dsn@example.test": true, "arf@example.test": true, "ooo@example.test": false} {
		sup, ok := tn.n.store.Suppressed("acme", addr)
		if ok != want || (ok && sup.Scope != queue.ScopeAll) {
			t.Errorf("%s: suppressed=%v (%+v), want %v for all streams", addr, ok, sup, want)
		}
	}
	// A complaint blocks transactional mail too.
	tx := strings.Replace(plainMessage("arf@example.test"), "X-Sluice-Stream: transactional", "X-Sluice-Stream: transactional", 1)
	if _, err := tn.submit("news@acme.example", []string{"arf@example.test"}, tx); mtatest.Code(err) != 550 {
		t.Fatalf("transactional mail to a complainer: %v, want 550", err)
	}
}

func TestMailtoUnsubscribeIsMarketingOnly(t *testing.T) {
	tn, rl := startReturnsNode(t, mtatest.SinkOptions{})
	msg := func(stream string) string {
		return "From: news@acme.example\r\nTo: u@example.test\r\nSubject: s\r\nX-Sluice-Stream: " + stream + "\r\n\r\nbody\r\n"
	}
	if _, err := tn.submit("news@acme.example", []string{"u@example.test"}, msg("marketing")); err != nil {
		t.Fatal(err)
	}
	got := tn.sink.WaitRcpts(1, 10*time.Second)
	id, err := queue.ParseID(headerValue(got[0].Data, "X-Sluice-ID"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := mailboxTokensFor(t, tn).Keyring.SealMailbox(tokenClaimsUnsub(uint64(id), 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := sendToInbound(t, tn, "u@example.test", "u."+tok+"@bounces.test", "Subject: unsubscribe\r\n\r\n\r\n"); err != nil {
		t.Fatalf("mailto unsubscribe refused: %v", err)
	}
	evs := rl.wait(t, 1, 10*time.Second)
	if evs[0].Kind != "unsubscribe" || evs[0].Rcpt != "u@example.test" {
		t.Fatalf("unsubscribe event %+v", evs[0])
	}
	// The very next marketing submission is refused; transactional mail
	// still goes.
	if _, err := tn.submit("news@acme.example", []string{"u@example.test"}, msg("marketing")); mtatest.Code(err) != 550 {
		t.Fatalf("marketing after unsubscribe: %v, want 550", err)
	}
	if _, err := tn.submit("news@acme.example", []string{"u@example.test"}, msg("transactional")); err != nil {
		t.Fatalf("transactional after a marketing unsubscribe: %v", err)
	}
	// Mixed: the unsubscribed recipient is dropped, the other one gets it.
	if _, err := tn.submit("news@acme.example", []string{"u@example.test", "v@example.test"}, msg("marketing")); err != nil {
		t.Fatal(err)
	}
	tn.events.wait(t, "v@example.test", "delivered", 5*time.Second)
	toU := 0
	for _, m := range tn.sink.Messages() {
		for _, r := range m.To {
			if r == "u@example.test" {
				toU++
			}
		}
	}
	if toU != 2 { // the first marketing message and the transactional one
		t.Fatalf("u@ received %d messages, want 2: marketing mail reached an unsubscribed address", toU)
	}
}

func waitFor(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("condition not met within %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mailboxTokensFor(t *testing.T, tn *testNode) inbound.KeyringTokens {
	t.Helper()
	kr, err := tn.cfg.Keyring()
	if err != nil {
		t.Fatal(err)
	}
	return inbound.KeyringTokens{Keyring: kr}
}

func tokenClaimsUnsub(msg uint64, rcpt uint32) token.Claims {
	return token.Claims{Kind: token.MailUnsubscribe, Message: msg, Rcpt: rcpt}
}
