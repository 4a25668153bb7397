package bounce

import (
	"strings"
	"testing"
)

// classifyMsg classifies a message built by msg and fails on error.
func classifyMsg(t *testing.T, c *Classifier, m string) []Result {
	t.Helper()
	res, err := c.Message(strings.NewReader(m))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// want is the part of a Result these tests check.
type want struct {
	rcpt   string
	class  Class
	reason Reason
}

func checkResults(t *testing.T, name string, got []Result, ws []want) {
	t.Helper()
	if len(got) != len(ws) {
		t.Fatalf("%s: got %d results, want %d: %+v", name, len(got), len(ws), got)
	}
	for i, w := range ws {
		g := got[i]
		if g.Recipient != w.rcpt || g.Class != w.class || g.Reason != w.reason || g.Hard != (w.class == HardInvalidRecipient) {
			t.Errorf("%s: result %d: got %s %s/%s hard=%v (rule %s, %q), want %s %s/%s",
				name, i, g.Recipient, g.Class, g.Reason, g.Hard, g.Rule, g.Diagnostic, w.rcpt, w.class, w.reason)
		}
	}
}

var daemonHeaders = []string{
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
	"To: b.AAAAAAAAGi8AAQ_k3Jx9Qw@bounces.brand.example",
	"Subject: Mail delivery failed: returning message to sender",
}

// TestPerRecipientDiagnostics: several recipients in one notice each get
// their own diagnostic, in the layouts of Exim (address line, then the
// reply indented below it), Postfix (address and reply on one line) and a
// DSN with one block per recipient.
func TestPerRecipientDiagnostics(t *testing.T) {
	t.Parallel()
	c := New()
	exim := msg(daemonHeaders, `This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  ann@example.net
    host mx.example.net [192.0.2.25]
    SMTP error from remote mail server after RCPT TO:<ann@example.net>:
    550 5.1.1 User unknown
  bob@example.net
    host mx.example.net [192.0.2.25]
    SMTP error from remote mail server after RCPT TO:<bob@example.net>:
    552 5.2.2 Mailbox full
  cat@example.org
    host mx.example.org [192.0.2.26]
    SMTP error from remote mail server after RCPT TO:<cat@example.org>:
    554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org
`)
	checkResults(t, "exim", classifyMsg(t, c, exim), []want{
		{"ann@example.net", HardInvalidRecipient, ReasonUserUnknown},
		{"bob@example.net", SoftMailboxFull, ReasonMailboxFull},
		{"cat@example.org", PolicyBlocked, ReasonBlockedIP},
	})
	postfix := msg(daemonHeaders, `This is the mail system at host mx.brand.example.

<ann@example.net>: host mx.example.net[192.0.2.25] said: 550 5.1.1
    <ann@example.net>: Recipient address rejected: User unknown (in reply to
    RCPT TO command)

<bob@example.net>: host mx.example.net[192.0.2.25] said: 452 4.2.2 Over
    quota (in reply to RCPT TO command)
`)
	checkResults(t, "postfix", classifyMsg(t, c, postfix), []want{
		{"ann@example.net", HardInvalidRecipient, ReasonUserUnknown},
		{"bob@example.net", SoftMailboxFull, ReasonMailboxFull},
	})
	dsn := msg(append(daemonHeaders[:2:2], "Subject: Undelivered Mail",
		`Content-Type: multipart/report; report-type=delivery-status; boundary="b"`), `--b
Content-Type: text/plain

Delivery to the following recipients failed.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.brand.example

Final-Recipient: rfc822; ann@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

Final-Recipient: rfc822; bob@example.net
Action: failed
Status: 5.7.1
Diagnostic-Code: smtp; 550 5.7.1 Relay access denied

Final-Recipient: rfc822; cat@example.net
Action: delayed
Status: 4.4.7
Diagnostic-Code: smtp; 451 4.4.7 Message expired

Final-Recipient: rfc822; dan@example.net
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 Mailbox size limit exceeded

--b--
`)
	checkResults(t, "dsn", classifyMsg(t, c, dsn), []want{
		{"ann@example.net", HardInvalidRecipient, ReasonUserUnknown},
		{"bob@example.net", PolicyBlocked, ReasonRelayDenied},
		{"cat@example.net", SoftTemporary, ReasonExpired},
		{"dan@example.net", SoftMailboxFull, ReasonMailboxFull},
	})
}

// TestRecipientLists: notices that list several recipients on one line,
// as Exchange's "Delivery has failed to these recipients or groups" or a
// webmail notice do, give one result per recipient.
func TestRecipientLists(t *testing.T) {
	t.Parallel()
	c := New()
	for _, line := range []string{
		"Delivery has failed to these recipients or groups: ann@example.net; bob@example.net; cat@example.net; dan@example.net",
		"Your message to ann@example.net, bob@example.net, cat@example.net and dan@example.net could not be delivered.",
		"<ann@example.net>, <bob@example.net>, <cat@example.net>, <dan@example.net>",
	} {
		m := msg(daemonHeaders, line+"\n\n550 5.1.1 User unknown\n")
		res := classifyMsg(t, c, m)
		if len(res) != 4 {
			t.Errorf("%q: got %d results: %+v", line, len(res), res)
		}
	}
}

// TestProseRecipient: notices that name the failed address only in
// running prose, or only in their subject, still yield it.
func TestProseRecipient(t *testing.T) {
	t.Parallel()
	c := New()
	tests := []struct{ subject, body string }{
		{"Delivery Status Notification (Failure)", "Your message wasn't delivered to jane@example.net because the address couldn't be found, or is unable to receive mail."},
		{"Message not delivered", "Ihre Nachricht an jane@example.net konnte nicht zugestellt werden. Der Empfänger ist unbekannt."},
		{"Undeliverable: jane@example.net", "The recipient's address couldn't be found. The e-mail account does not exist."},
	}
	for _, tt := range tests {
		m := msg([]string{"From: postmaster@example.net", "To: b.AAAAAAAAGi8AAQ_k3Jx9Qw@bounces.brand.example", "Subject: " + tt.subject}, tt.body+"\n")
		res := classifyMsg(t, c, m)
		if len(res) != 1 || res[0].Recipient != "jane@example.net" || res[0].Class != HardInvalidRecipient {
			t.Errorf("%q: got %+v", tt.subject, res)
		}
	}
}

// TestFootersIgnored: a gateway's virus-scanner stamp, a disclaimer or a
// signature does not decide; the DSN's Status and Diagnostic-Code do.
func TestFootersIgnored(t *testing.T) {
	t.Parallel()
	c := New()
	footers := []string{
		"This email has been scanned for viruses and malware by Example Email Security.",
		"Disclaimer: this message is confidential. Malicious content and viruses are blocked for your safety.",
		"-- \nSent from the mail gateway. Virus-free. www.antivirus.example",
	}
	for _, f := range footers {
		plain := msg(daemonHeaders, "Delivery to the following recipient failed: jane@example.net\nThe mailbox is full.\n\n"+f+"\n")
		checkResults(t, "plain", classifyMsg(t, c, plain), []want{{"jane@example.net", SoftMailboxFull, ReasonMailboxFull}})
		dsn := msg(append(daemonHeaders[:2:2], "Subject: Undelivered Mail",
			`Content-Type: multipart/report; report-type=delivery-status; boundary="b"`),
			"--b\nContent-Type: text/plain\n\nDelivery to jane@example.net failed.\n\n"+f+"\n\n--b\nContent-Type: message/delivery-status\n\n"+
				"Final-Recipient: rfc822; jane@example.net\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 Sorry\n\n--b--\n")
		checkResults(t, "dsn", classifyMsg(t, c, dsn), []want{{"jane@example.net", HardInvalidRecipient, ReasonUserUnknown}})
	}
}

// TestFeedbackKinds: ARF auth-failure never suppresses, opt-out is an
// unsubscribe, abuse is a complaint, and Apple's unsubscribe mail is an
// unsubscribe, not an auto-reply.
func TestFeedbackKinds(t *testing.T) {
	t.Parallel()
	c := New()
	arf := func(ft string) string {
		return msg([]string{"From: fbl@isp.example", "To: fbl@brand.example", "Subject: report",
			`Content-Type: multipart/report; report-type=feedback-report; boundary="b"`},
			"--b\nContent-Type: text/plain\n\nreport\n\n--b\nContent-Type: message/feedback-report\n\nFeedback-Type: "+ft+
				"\nUser-Agent: test/1.0\nVersion: 1\nOriginal-Rcpt-To: jane@example.net\n\n--b--\n")
	}
	tests := []struct {
		m      string
		class  Class
		reason Reason
		ft     string
	}{
		{arf("abuse"), Complaint, ReasonAbuse, "abuse"},
		{arf("auth-failure"), Other, ReasonAuthFailureReport, "auth-failure"},
		{arf("opt-out"), Other, ReasonOptOut, "opt-out"},
		{arf("not-spam"), Other, ReasonNotSpam, "not-spam"},
		{msg([]string{"From: Jane <jane@example.net>", "To: unsubscribe+abc@brand.example", "Subject: Unsubscribe",
			"X-Apple-Unsubscribe: true", "Auto-Submitted: auto-generated"}, "This message was automatically generated by Mail to unsubscribe you from this mailing list.\n"),
			Other, ReasonOptOut, "opt-out"},
	}
	for _, tt := range tests {
		res := classifyMsg(t, c, tt.m)
		if len(res) != 1 {
			t.Fatalf("got %+v", res)
		}
		r := res[0]
		if r.Recipient != "jane@example.net" || r.Class != tt.class || r.Reason != tt.reason || !r.IsFeedback || r.FeedbackType != tt.ft || r.Hard {
			t.Errorf("%s: got %+v", tt.ft, r)
		}
		if r.Class.Suppress() != (tt.reason == ReasonAbuse) {
			t.Errorf("%s: suppress %v", tt.reason, r.Class.Suppress())
		}
	}
}

// TestDSNFieldsBeatText: a DSN's Status and Diagnostic-Code decide over
// words in its human-readable part (a quoted subject, a gateway's notes),
// which may only refine a status that has no opinion.
func TestDSNFieldsBeatText(t *testing.T) {
	t.Parallel()
	c := New()
	dsn := func(human, status, diag string) string {
		return msg(append(daemonHeaders[:2:2], "Subject: Undelivered Mail",
			`Content-Type: multipart/report; report-type=delivery-status; boundary="b"`),
			"--b\nContent-Type: text/plain\n\nDelivery to jane@example.net failed.\n"+human+"\n\n--b\nContent-Type: message/delivery-status\n\n"+
				"Final-Recipient: rfc822; jane@example.net\nAction: failed\nStatus: "+status+"\nDiagnostic-Code: smtp; "+diag+"\n\n--b--\n")
	}
	tests := []struct {
		name, human, status, diag string
		w                         want
	}{
		{"quoted subject", "Subject of your message: Spam filters and blocklists explained", "5.1.1", "550 5.1.1 Sorry",
			want{"jane@example.net", HardInvalidRecipient, ReasonUserUnknown}},
		{"gateway note", "Note: mailbox full warnings are sent separately.", "5.7.1", "550 5.7.1 Rejected",
			want{"jane@example.net", PolicyBlocked, ReasonPolicy}},
		{"text refines a code without opinion", "The recipient's mailbox is full.", "5.0.0", "550 5.0.0 Rejected",
			want{"jane@example.net", SoftMailboxFull, ReasonMailboxFull}},
	}
	for _, tt := range tests {
		checkResults(t, tt.name, classifyMsg(t, c, dsn(tt.human, tt.status, tt.diag)), []want{tt.w})
	}
}
