package bounce

import (
	"bytes"
	"testing"
)

// kinds3 are the kinds found by the blind run on testdata/corpus3 (see
// corpus3_test.go), each in several wordings, as different MTAs and
// providers write them; checked like kinds by TestKinds3.
var kinds3 = map[string][]kindCase{
	// Only wording that an account is gone for good is dead; plain
	// "disabled" is temporary (the contract's temporarily disabled
	// accounts).
	"account-closed-for-good": {
		{"550 5.2.1 This account has been permanently disabled", HardInvalidRecipient, ReasonMailboxDisabled},
		{"Your message to rick@example.net was not delivered: this account has been permanently closed.", HardInvalidRecipient, ReasonMailboxDisabled},
		{"550 The mailbox was permanently deleted by its owner", HardInvalidRecipient, ReasonMailboxDisabled},
		{"550 5.2.1 The email account that you tried to reach is disabled.", SoftTemporary, ReasonMailboxDisabled},
		{"550 Local mailbox katya@mail.ru is unavailable: account is disabled", SoftTemporary, ReasonMailboxDisabled},
	},
	// Postfix's "delivery temporarily suspended" is about the receiving
	// site, never a disabled account.
	"delivery-suspended": {
		{"delivery temporarily suspended: connect to mx.example.net[192.0.2.25]:25: Connection timed out", SoftTemporary, ReasonNetwork},
		{"delivery temporarily suspended: lost connection with mx.example.net[192.0.2.25] while receiving the initial server greeting", SoftTemporary, ReasonNetwork},
		{"550 5.2.1 Mailbox temporarily suspended by the administrator", SoftTemporary, ReasonMailboxDisabled},
	},
	"account-disabled-intl": {
		{"het account is tijdelijk geblokkeerd", SoftTemporary, ReasonMailboxDisabled},
		{"550 Das Postfach ist vorübergehend gesperrt", SoftTemporary, ReasonMailboxDisabled},
		{"550 Compte temporairement suspendu", SoftTemporary, ReasonMailboxDisabled},
		{"550 La cuenta está temporalmente bloqueada", SoftTemporary, ReasonMailboxDisabled},
		{"550 a conta está temporariamente bloqueada", SoftTemporary, ReasonMailboxDisabled},
		{"550 Ящик временно заблокирован", SoftTemporary, ReasonMailboxDisabled},
		{"550 Konto tymczasowo zablokowane", SoftTemporary, ReasonMailboxDisabled},
	},
	// Postfix's and Sendmail's own expiry wording.
	"expired-days": {
		{"message could not be delivered for 5 days", SoftTemporary, ReasonExpired},
		{"Cannot send message for 5 days", SoftTemporary, ReasonExpired},
		{"message will be deleted from queue", SoftTemporary, ReasonExpired},
		{"451 4.4.1 Your message could not be delivered for more than 4 hour(s)", SoftTemporary, ReasonNetwork}, // a warning, not an expiry
	},
	"expired-intl": {
		{"No se pudo entregar su mensaje porque el servidor no respondió durante 5 días. El mensaje ha sido descartado.", SoftTemporary, ReasonExpired},
		{"Nie udało się dostarczyć wiadomości przez 5 dni", SoftTemporary, ReasonExpired},
		{"Il messaggio è stato scartato dopo 5 giorni", SoftTemporary, ReasonExpired},
		{"Die Nachricht wurde verworfen", SoftTemporary, ReasonExpired},
	},
	// Exchange's recipient restrictions (RESOLVER.RST) refuse the sender,
	// whatever "authentication" they mention; their size limits do not.
	"exchange-restriction": {
		{"550 5.7.1 RESOLVER.RST.AuthRequired; authentication required", PolicyBlocked, ReasonPostingNotAllowed},
		{"550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized", PolicyBlocked, ReasonPostingNotAllowed},
		{"550 5.7.1 RESOLVER.RST.RestrictedToRecipientsPermission; not authorized to send to this recipient", PolicyBlocked, ReasonPostingNotAllowed},
		{"550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient", SpamBlocked, ReasonMessageTooLarge},
	},
	// A bare "Address rejected" under X.1.x is the recipient (Cisco's LDAP
	// accept query); with a reason after it, the reason decides.
	"address-rejected": {
		{"550 #5.1.0 Address rejected.", HardInvalidRecipient, ReasonUserUnknown},
		{"550 5.1.1 Recipient address rejected", HardInvalidRecipient, ReasonUserUnknown},
		{"554 5.1.0 Destination address rejected.", HardInvalidRecipient, ReasonUserUnknown},
		{"550 5.7.1 <j@example.net>: Recipient address rejected: Greylisted for 5 minutes", SoftTemporary, ReasonGreylisted},
	},
	"spoofing-sender": {
		{"550 Rejected by header based Anti-Spoofing policy: news@brand.example", PolicyBlocked, ReasonBlockedSender},
		{"550 5.7.1 Message rejected: spoofed sender address", PolicyBlocked, ReasonBlockedSender},
		{"550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains.", PolicyBlocked, ReasonBlockedSender},
	},
	// A rate of unsolicited mail is the sender's reputation when the
	// refusal is final; a throttle when it is temporary.
	"unsolicited-rate": {
		{"550 5.7.1 Our system has detected an unusual rate of unsolicited mail originating from your IP address. Mail sent from your IP address has been blocked.", PolicyBlocked, ReasonBlockedIP},
		{"554 High volume of spam from your network, connection refused", PolicyBlocked, ReasonBlockedIP},
		{"421 4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.", RateLimited, ReasonRateLimited},
	},
	"ip-check-link": {
		{"554 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.10", PolicyBlocked, ReasonBlockedIP},
		{"554-Reject due to policy restrictions. For explanation visit https://web.de/email/senderguidelines?ip=192.0.2.10&c=hi", PolicyBlocked, ReasonBlockedIP},
		{"550 DT:RBL 163 mx5, please see http://mail.163.com/help/help_spam_16.htm", PolicyBlocked, ReasonBlockedIP},
	},
	"provider-spam-code": {
		{"554 DT:SPM 163 mx13,QMCowAC3v1YR5kJlWxD+Aw--.18212S2 1764584546", SpamBlocked, ReasonBlockedContent},
		{"554 DT:SPM 126 smtp4,jdKowAB3", SpamBlocked, ReasonBlockedContent},
	},
	"message-refused": {
		{"521 5.2.1 :  AOL will not accept delivery of this message.", PolicyBlocked, ReasonPolicy},
		{"550 5.7.1 Service refuse. Veuillez essayer plus tard. service refused, please try later. LPN007_510", PolicyBlocked, ReasonPolicy},
		{"554 We will not accept your mail", PolicyBlocked, ReasonPolicy},
	},
	// "Check the address and try again" is advice, not a temporary
	// condition; "try again later" is one.
	"retry-advice": {
		{"550 The mailbox does not exist on this server. Please check the address and try again.", HardInvalidRecipient, ReasonUserUnknown},
		{"550 5.1.1 User unknown; verify the recipient address and then try again", HardInvalidRecipient, ReasonUserUnknown},
		{"550 5.1.1 No such user. Try again with a different address.", HardInvalidRecipient, ReasonUserUnknown},
		{"550 5.1.1 User unknown, please try again later", SoftTemporary, ReasonTemporary},
	},
	"korean-address": {
		{"수신자의 메일 주소가 존재하지 않습니다", HardInvalidRecipient, ReasonUserUnknown},
		{"550 메일함이 존재하지 않습니다", HardInvalidRecipient, ReasonUserUnknown},
		{"550 존재하지 않는 사용자입니다", HardInvalidRecipient, ReasonUserUnknown},
	},
}

// TestKinds3 checks every wording of every kind found by the blind run.
func TestKinds3(t *testing.T) {
	t.Parallel()
	checkKinds(t, kinds3, 2)
}

// TestFeedbackTypes checks the class of every RFC 5965 §7.3 feedback type:
// only a recipient's objection is a complaint; "other" suppresses nobody.
func TestFeedbackTypes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ft     string
		class  Class
		reason Reason
	}{
		{"abuse", Complaint, ReasonAbuse},
		{"fraud", Complaint, ReasonAbuse},
		{"virus", Complaint, ReasonVirus},
		{"complaint", Complaint, ReasonAbuse}, // unregistered: still an objection
		{"other", Other, ReasonUnclassified},
		{"not-spam", Other, ReasonNotSpam},
		{"auth-failure", Other, ReasonAuthFailureReport},
		{"opt-out", Other, ReasonOptOut},
		{"unsubscribe", Other, ReasonOptOut},
	} {
		if cl, r := feedbackClass(tt.ft); cl != tt.class || r != tt.reason {
			t.Errorf("%s: got %s/%s, want %s/%s", tt.ft, cl, r, tt.class, tt.reason)
		}
	}
}

// settleDSN is a Postfix-style DSN for one recipient with the given
// Action, Status, Diagnostic-Code and human-readable text.
func settleDSN(action, status, diag, human string) string {
	return msg([]string{
		"From: MAILER-DAEMON@mail.brand.example (Mail Delivery System)",
		"To: b.tok@bounces.brand.example",
		"Subject: Undelivered Mail Returned to Sender",
		"MIME-Version: 1.0",
		`Content-Type: multipart/report; report-type=delivery-status; boundary="B"`,
	}, "--B\nContent-Type: text/plain\n\n"+human+"\n\n--B\nContent-Type: message/delivery-status\n\n"+
		"Reporting-MTA: dns; mail.brand.example\n\nFinal-Recipient: rfc822; jo@example.net\nAction: "+action+
		"\nStatus: "+status+"\nDiagnostic-Code: "+diag+"\n\n--B--\n")
}

// TestSettleReason checks that a transient verdict's reason says where the
// message stands: a delay warning is "delayed" whatever error it quotes,
// an expiry notice "expired" rather than the error that made it expire;
// the class never changes, and a success DSN keeps its Status.
func TestSettleReason(t *testing.T) {
	t.Parallel()
	c := New()
	for _, tt := range []struct {
		name, raw string
		class     Class
		reason    Reason
		status    string
	}{
		{"delayed-timeout", settleDSN("delayed", "4.4.1", "X-Postfix; connect to mx.example.net[192.0.2.25]:25: Connection timed out", "THIS IS A WARNING ONLY."), SoftTemporary, ReasonDelayed, "4.4.1"},
		{"delayed-greylist", settleDSN("delayed", "4.7.1", "smtp; 450 4.7.1 Greylisted, see https://postgrey.example/", "THIS IS A WARNING ONLY."), SoftTemporary, ReasonDelayed, "4.7.1"},
		{"delayed-4.4.7", settleDSN("delayed", "4.4.7", "smtp; 400 4.4.7 Message delayed", "Delivery is delayed to these recipients."), SoftTemporary, ReasonDelayed, "4.4.7"},
		{"expired-timeout", settleDSN("failed", "4.4.1", "X-Postfix; connect to mx.example.net[192.0.2.25]:25: Connection refused", "<jo@example.net>: message could not be delivered for 5 days\nmessage will be deleted from queue"), SoftTemporary, ReasonExpired, "4.4.1"},
		{"expired-dns", settleDSN("failed", "4.4.3", "X-Postfix; Host or domain name not found. Name service error for name=example.net type=MX: Host not found, try again", "<jo@example.net>: message could not be delivered for 5 days"), SoftTemporary, ReasonExpired, "4.4.3"},
		{"network-not-expired", settleDSN("failed", "4.4.1", "X-Postfix; connect to mx.example.net[192.0.2.25]:25: Connection refused", "<jo@example.net>: connection refused"), SoftTemporary, ReasonNetwork, "4.4.1"},
		{"success", settleDSN("relayed", "2.0.0", "smtp; 250 2.0.0 Ok: queued", "Your message was successfully delivered."), Other, ReasonSuccess, "2.0.0"},
	} {
		res, err := c.Message(bytes.NewReader([]byte(tt.raw)))
		if err != nil || len(res) != 1 {
			t.Fatalf("%s: %v, %d results", tt.name, err, len(res))
		}
		if r := res[0]; r.Class != tt.class || r.Reason != tt.reason || r.Status != tt.status {
			t.Errorf("%s: got %s/%s status %q (rule %s), want %s/%s status %q", tt.name, r.Class, r.Reason, r.Status, r.Rule, tt.class, tt.reason, tt.status)
		}
	}
}
