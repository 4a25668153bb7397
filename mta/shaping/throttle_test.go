package shaping

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"testing"

	"sluice/mta/outbound"
)

// parseReply splits "421-4.7.0 text" or "421 4.7.0 text" into its code,
// enhanced code and text, as outbound.Error carries them.
func parseReply(t *testing.T, line string) (int, string, string) {
	t.Helper()
	if len(line) < 4 {
		t.Fatalf("reply %q too short", line)
	}
	code, err := strconv.Atoi(line[:3])
	if err != nil {
		t.Fatalf("reply %q: %v", line, err)
	}
	e := outbound.ReplyError("", code, line[4:])
	return code, e.Enhanced, e.Line
}

// TestSignalExamples checks every row of both tables against its own
// example: the row matches it, and IsThrottle gives the row's answer.
func TestSignalExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		table []signal
		want  bool
	}{{notThrottle[:], false}, {throttleSignals[:], true}} {
		for _, sig := range tc.table {
			code, enh, text := parseReply(t, sig.example)
			if !sig.matches(code, enh, text) {
				t.Errorf("row %+v does not match its example", sig)
			}
			if got := IsThrottle(code, enh, text); got != tc.want {
				t.Errorf("IsThrottle(%q) = %v, want %v", sig.example, got, tc.want)
			}
		}
	}
}

// TestIsThrottle runs replies seen from real receivers (and a few generic
// shapes) through IsThrottle.
func TestIsThrottle(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reply string
		want  bool
	}{
		// Gmail.
		{"421-4.7.28 [192.0.2.10      15] Our system has detected an unusual rate of 421-4.7.28 unsolicited mail originating from your IP address. To protect our 421-4.7.28 users from spam, mail sent from your IP address has been temporarily 421 4.7.28 rate limited. https://support.google.com/mail/?p=UnsolicitedRateLimitError - gsmtp", true},
		{"421 4.7.0 Try again later, closing connection. (EHLO) - gsmtp", true},
		{"450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. Please resend your message at a later time. - gsmtp", false},
		{"452 4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp", false},
		{"550-5.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address. - gsmtp", false},
		{"550 5.1.1 The email account that you tried to reach does not exist. - gsmtp", false},
		// Microsoft.
		{"451 4.7.650 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775) [Name=Protocol Filter Agent] [AGT=1] [MxId=11BA4E3E9C97A8C3] [BN1NAM02FT011.eop-nam02.prod.protection.outlook.com]", true},
		{"451 4.7.651 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775)", true},
		{"451 4.7.500 Server busy. Please try again later from [192.0.2.10]. (S77714) [DM6NAM12FT012.eop-nam12.prod.protection.outlook.com]", true},
		{"421 4.3.2 The maximum number of concurrent server connections has exceeded a per-domain limit, closing transmission channel", true},
		{"451 4.7.0 Temporary server error. Please try again later. PRX4 [AM6EUR05FT012.eop-eur05.prod.protection.outlook.com]", true},
		{"550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).", false},
		// Yahoo and AOL.
		{"421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", true},
		{"421 4.7.0 [TS01] Messages from 192.0.2.10 temporarily deferred due to user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", true},
		{"421 4.7.1 [TS03] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes", true},
		{"451 Message temporarily deferred - [160]", true},
		{"553 5.7.2 [TSS09] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes", false},
		{"554 delivery error: dd Sorry your message to jane@yahoo.com cannot be delivered. This mailbox is disabled (554.30). - mta1234.mail.gq1.yahoo.com", false},
		// GMX / Web.de.
		{"421 gmx.net (mxgmx116) Nemesis ESMTP Service not available No SMTP service Reject due to policy restrictions", true},
		// Postfix, Exim and generic servers.
		{"421 4.7.0 mx.example.net Error: too many connections from 192.0.2.10", true},
		{"450 4.7.1 Error: too much mail from 192.0.2.10", true},
		{"421 Too many concurrent SMTP connections from this IP address; please try again later.", true},
		{"421 mx.example.net Service not available, closing transmission channel", true},
		{"451 RATE LIMITED, TRY AGAIN LATER", true},
		{"450 4.2.0 <jane@example.net>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.net.html", false},
		{"451 4.7.1 Greylisting in action, please come back later", false},
		{"454 4.7.0 TLS not available due to local problem", false},
		{"452 4.5.3 Too many recipients", false},
		{"452 4.3.1 Insufficient system storage", false},
		{"451 4.3.0 Error: queue file write error", false},
		{"450 4.1.8 <bounce@example.com>: Sender address rejected: Domain not found", false},
		{"554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org", false},
		{"250 2.0.0 OK 1700000000 x1-20020a05600c000000b0040e00000000si000000wmq.1 - gsmtp", false},
	} {
		code, enh, text := parseReply(t, tc.reply)
		if got := IsThrottle(code, enh, text); got != tc.want {
			t.Errorf("IsThrottle(%.60q…) = %v, want %v", tc.reply, got, tc.want)
		}
	}
	// Without a reply there is nothing to read.
	if IsThrottle(0, "", "rate limited") {
		t.Error("IsThrottle without a code")
	}
	// The enhanced code is read from the text when not given.
	if !IsThrottle(450, "", "4.7.1 Client host rejected: cannot find your hostname") {
		t.Error("4.7.1 in the text not read")
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	timeout := &os.SyscallError{Syscall: "read", Err: os.ErrDeadlineExceeded}
	for _, tc := range []struct {
		name string
		err  error
		want Outcome
	}{
		{"delivered", nil, Delivered},
		{"refused", &outbound.Error{Command: "connect", Line: "192.0.2.25:25", Err: syscall.ECONNREFUSED}, ConnectFailed},
		{"no greeting", &outbound.Error{Command: "greeting", Err: timeout}, ConnectFailed},
		{"too many connections", outbound.ReplyError("greeting", 421, "4.7.0 Error: too many connections"), ConnThrottled},
		{"throttled at EHLO", outbound.ReplyError("EHLO", 421, "4.7.0 Try again later, closing connection. (EHLO)"), ConnThrottled},
		{"rate limited", outbound.ReplyError("MAIL", 451, "4.7.650 The mail server has been temporarily rate limited"), Throttled},
		{"wrapped", fmt.Errorf("delivery: %w", outbound.ReplyError("RCPT", 421, "4.7.28 unusual rate")), Throttled},
		{"no such user", outbound.ReplyError("RCPT", 550, "5.1.1 no such user"), PermFailed},
		{"mailbox full", outbound.ReplyError("RCPT", 452, "4.2.2 over quota"), TempFailed},
		{"greeting refusal", outbound.ReplyError("greeting", 554, "5.7.1 go away"), PermFailed},
		{"dropped mid-transaction", &outbound.Error{Command: "DATA", Err: io.ErrUnexpectedEOF}, TempFailed},
		{"STARTTLS failed", &outbound.Error{Command: "STARTTLS", Err: errors.New("tls: handshake failure")}, TempFailed},
		{"cancelled", &outbound.Error{Command: "connect", Err: context.Canceled}, Ignore},
		{"local refusal", &outbound.Error{Permanent: true, Code: 552, Command: "MAIL", Err: outbound.ErrSizeExceeded}, PermFailed},
		{"DNS", errors.New("mx: lookup example.net: server failure"), Ignore},
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestReceiverCondition: RFC 3463 4.3.x and 4.4.x replies describe the
// receiver's own state and are not throttles, unless their words name the
// sender's volume or connections; every row of receiverCondition matches
// its example.
func TestReceiverCondition(t *testing.T) {
	t.Parallel()
	for _, sig := range receiverCondition {
		code, enh, text := parseReply(t, sig.example)
		if !sig.matches(code, enh, text) || IsThrottle(code, enh, text) {
			t.Errorf("row %+v: does not match its example, or it is a throttle", sig)
		}
	}
	for _, tc := range []struct {
		reply string
		want  bool
	}{
		// The soak's chaos MX: a greeting and a mid-transaction 421.
		{"421 4.3.2 chaos.test busy, try again later", false},
		{"421 4.3.0 chaos.test closing the channel", false},
		{"421 4.3.2 System not accepting network messages", false},
		{"421 4.3.0 Temporary system problem. Try again later (10)", false},
		{"451 4.4.1 No answer from host", false},
		{"421 4.4.2 mx.example.net Error: timeout exceeded", false},
		{"451 4.4.0 DNS resolution failed, try again later", false},
		// Words that name the sender's volume or connections win.
		{"421 4.3.2 The maximum number of concurrent server connections has exceeded a per-domain limit, closing transmission channel", true},
		{"421 4.3.2 Too many connections from your IP, try again later", true},
		{"451 4.3.0 Rate limit exceeded for 192.0.2.10", true},
		{"421 4.4.5 Throttling in effect: too much mail from 192.0.2.10", true},
		{"451 4.3.0 [TSS04] Messages from 192.0.2.10 temporarily deferred", true},
		// The generic rows still hold outside 4.3 and 4.4.
		{"421 4.7.0 Try again later, closing connection. (EHLO) - gsmtp", true},
		{"421 mx.example.net Service not available, closing transmission channel", true},
		{"450 Server too busy, try again later", true},
	} {
		code, enh, text := parseReply(t, tc.reply)
		if got := IsThrottle(code, enh, text); got != tc.want {
			t.Errorf("IsThrottle(%q) = %v, want %v", tc.reply, got, tc.want)
		}
	}
	// Classify: the receiver's condition is a temporary failure.
	if got := Classify(outbound.ReplyError("MAIL", 421, "4.3.0 chaos.test closing the channel")); got != TempFailed {
		t.Errorf("Classify(421 4.3.0) = %v, want temp_failed", got)
	}
	if got := Classify(outbound.ReplyError("greeting", 421, "4.3.2 busy, try again later")); got != TempFailed {
		t.Errorf("Classify(421 4.3.2 greeting) = %v, want temp_failed", got)
	}
}
