package bounce

import (
	"strings"
	"testing"
)

func TestParseReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		code     int
		enhanced string
		text     string
	}{
		{"550 5.1.1 User unknown", 550, "5.1.1", "User unknown"},
		{"550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550-5.1.1 double-checking the recipient's email address for typos or\r\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser x - gsmtp",
			550, "5.1.1", "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser x - gsmtp"},
		{"550-5.1.1 first 550-5.1.1 second 550 5.1.1 third", 550, "5.1.1", "first second third"},
		{"421 Service not available", 421, "", "Service not available"},
		{"554", 554, "", ""},
		{"5.1.1 user unknown", 0, "5.1.1", "user unknown"},
		{"#5.1.0 Address rejected", 0, "5.1.0", "Address rejected"},
		{"user unknown", 0, "", "user unknown"},
		{"", 0, "", ""},
		{"550 5.1.10 RESOLVER.ADR.RecipientNotFound", 550, "5.1.10", "RESOLVER.ADR.RecipientNotFound"},
		{"250 2.0.0 Ok: queued", 250, "2.0.0", "Ok: queued"},
		{"550 5.1.1.1 not a code", 550, "", "5.1.1.1 not a code"},
		{"5501 not a code", 0, "", "5501 not a code"},
		{"452-4.2.2 The email account that you tried to reach is over quota.\n452 4.2.2 Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp",
			452, "4.2.2", "The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp"},
	}
	for _, tt := range tests {
		code, enh, text := ParseReply(tt.in)
		if code != tt.code || enh != tt.enhanced || text != tt.text {
			t.Errorf("ParseReply(%q) = %d, %q, %q; want %d, %q, %q", tt.in, code, enh, text, tt.code, tt.enhanced, tt.text)
		}
	}
}

// replyCases are synchronous replies as the big receivers and the common
// MTAs and gateways word them. The expected class is what a bulk sender
// should do with them: suppress only on evidence about the address.
var replyCases = []struct {
	family, reply string
	class         Class
	hard          bool
}{
	// Gmail.
	{"gmail", "550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or\n550-5.1.1 unnecessary spaces. For more information, go to\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123456wmb.12 - gsmtp", HardInvalidRecipient, true},
	{"gmail", "550-5.2.1 The email account that you tried to reach is disabled. Learn more at\n550 5.2.1  https://support.google.com/mail/?p=DisabledUser a1si123456wmb.12 - gsmtp", SoftTemporary, false},
	{"gmail", "452-4.2.2 The recipient's inbox is out of storage space. Please direct the\n452-4.2.2 recipient to\n452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp a1si123456wmb.12 - gsmtp", SoftMailboxFull, false},
	{"gmail", "552-5.2.2 The recipient's inbox is out of storage space and inactive. Please direct the recipient to\n552 5.2.2  https://support.google.com/mail/?p=OverQuotaPerm a1si123456wmb.12 - gsmtp", SoftMailboxFull, false},
	{"gmail", "421-4.7.28 [192.0.2.10      15] Our system has detected an unusual rate of\n421-4.7.28 unsolicited mail originating from your IP address. To protect our\n421-4.7.28 users from spam, mail sent from your IP address has been temporarily\n421 4.7.28 rate limited. https://support.google.com/mail/?p=UnsolicitedRateLimitError - gsmtp", RateLimited, false},
	{"gmail", "550-5.7.1 [192.0.2.10      12] Our system has detected that this message is\n550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\n550-5.7.1 this message has been blocked. For more information, go to\n550 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError - gsmtp", SpamBlocked, false},
	{"gmail", "550-5.7.1 [192.0.2.10] The IP you're using to send mail is not authorized to\n550-5.7.1 send email directly to our servers. Please use the SMTP relay at your\n550 5.7.1 service provider instead. - gsmtp", PolicyBlocked, false},
	{"gmail", "550-5.7.26 This mail is unauthenticated, which poses a security risk to the\n550-5.7.26 sender and Gmail users, and has been blocked. The sender must\n550-5.7.26 authenticate with at least one of SPF or DKIM. For this message,\n550 5.7.26 DKIM checks did not pass and SPF check for [brand.example] did not pass - gsmtp", PolicyBlocked, false},
	{"gmail", "550 5.7.26 Unauthenticated email from brand.example is not accepted due to domain's DMARC policy. - gsmtp", PolicyBlocked, false},
	{"gmail", "421-4.7.0 [192.0.2.10] Our system has detected that this message is suspicious due to the very low reputation of the sending IP address. - gsmtp", PolicyBlocked, false},
	{"gmail", "421 4.7.0 Try again later, closing connection. (EHLO) a1si123456wmb.12 - gsmtp", RateLimited, false},
	{"gmail", "452 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. - gsmtp", RateLimited, false},
	{"gmail", "450 4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time. - gsmtp", RateLimited, false},
	{"gmail", "552-5.7.0 This message was blocked because its content presents a potential\n552 5.7.0 security issue. - gsmtp", SpamBlocked, false},
	// Microsoft (Outlook.com, Office 365).
	{"outlook", "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [DB5EUR03FT012.eop-EUR03.prod.protection.outlook.com]", HardInvalidRecipient, true},
	{"outlook", "451 4.7.650 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775) [Name=Protocol Filter Agent]", RateLimited, false},
	{"outlook", "550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.", PolicyBlocked, false},
	{"outlook", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [AM6EUR05FT012.eop-eur05.prod.protection.outlook.com]", HardInvalidRecipient, true},
	{"outlook", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient jane@contoso.example not found by SMTP address lookup", HardInvalidRecipient, true},
	{"outlook", "451 4.7.500 Server busy. Please try again later from [192.0.2.10]. (AS761) [BN8NAM11FT012.eop-nam11.prod.protection.outlook.com]", RateLimited, false},
	{"outlook", "550 5.7.606 Access denied, banned sending IP [192.0.2.10]. To request removal from this list please visit https://sender.office.com/", PolicyBlocked, false},
	{"outlook", "550 5.7.509 Access denied, sending domain brand.example does not pass DMARC verification and has a DMARC policy of reject.", PolicyBlocked, false},
	{"outlook", "552 5.2.2 Requested action not taken: mailbox full", SoftMailboxFull, false},
	{"outlook", "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.", PolicyBlocked, false},
	// Yahoo and AOL.
	{"yahoo", "421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", RateLimited, false},
	{"yahoo", "554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes", PolicyBlocked, false},
	{"yahoo", "554 delivery error: dd This user doesn't have a yahoo.com account (jane@yahoo.com) [0] - mta1234.mail.gq1.yahoo.com", HardInvalidRecipient, true},
	{"yahoo", "554 delivery error: dd Sorry your message to jane@yahoo.com cannot be delivered. This mailbox is disabled (554.30). - mta1234.mail.gq1.yahoo.com", SoftTemporary, false},
	{"yahoo", "553 5.7.2 [TSS09] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes", PolicyBlocked, false},
	{"yahoo", "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.10, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes", PolicyBlocked, false},
	{"aol", "554 5.7.1 Connections not accepted from IP addresses on Spamhaus XBL; see http://postmaster.aol.com/errors/554rlyb1.html", PolicyBlocked, false},
	// Apple iCloud.
	{"icloud", "550 5.1.1 <jane@icloud.com>: user does not exist", HardInvalidRecipient, true},
	{"icloud", "552 5.2.2 <jane@icloud.com>: user is over quota", SoftMailboxFull, false},
	{"icloud", "554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137", PolicyBlocked, false},
	{"icloud", "421 4.7.0 [HM07] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137", PolicyBlocked, false},
	// Comcast and other ISPs.
	{"comcast", "550 5.1.1 <jane@comcast.net> Not our Customer", HardInvalidRecipient, true},
	{"comcast", "554 resimta-h1p-028592.sys.comcast.net comcast 192.0.2.10 Comcast block for spam. Please see http://postmaster.comcast.net/smtp-error-codes.php#BL000000", PolicyBlocked, false},
	{"comcast", "421 resimta-h1p-028592.sys.comcast.net 192.0.2.10 Too many sessions opened. Please see http://postmaster.comcast.net/smtp-error-codes.php#RL000010", RateLimited, false},
	{"gmx", "550 Requested action not taken: mailbox unavailable", HardInvalidRecipient, true},
	{"gmx", "554-gmx.net (mxgmx017) Nemesis ESMTP Service not available\n554-No SMTP service\n554 IP address is block listed.\nFor explanation visit https://postmaster.gmx.net/en/error-messages?ip=192.0.2.10&c=bl", PolicyBlocked, false},
	{"gmx", "421-gmx.net (mxgmx116) Nemesis ESMTP Service not available\n421 Reject due to policy restrictions.", PolicyBlocked, false},
	{"mailru", "550 Message was not accepted -- invalid mailbox.  Local mailbox jane@mail.ru is unavailable: user not found", HardInvalidRecipient, true},
	{"mailru", "421 Ratelimit exceeded. Please retry later", RateLimited, false},
	{"orange", "550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]", HardInvalidRecipient, true},
	{"web.de", "552 Das Postfach des Empfängers ist voll", SoftMailboxFull, false},
	// Gateways.
	{"mimecast", "550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550", HardInvalidRecipient, true},
	{"mimecast", "550 Rejected by header based Anti-Spoofing policy: reply@brand.example", PolicyBlocked, false},
	{"mimecast", "451 Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451", SoftTemporary, false},
	{"proofpoint", "550 5.1.1 User Unknown", HardInvalidRecipient, true},
	{"proofpoint", "553 5.7.1 <news@brand.example>... Message rejected due to spam content", SpamBlocked, false},
	{"proofpoint", "554 5.7.0 Local Policy Violation", PolicyBlocked, false},
	{"cisco", "554 5.7.1 ACCESS DENIED", PolicyBlocked, false},
	{"cisco", "452 4.3.1 Insufficient system resources", SoftTemporary, false},
	{"barracuda", "554 Service unavailable; Client host [192.0.2.10] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?pr=1&ip=192.0.2.10", PolicyBlocked, false},
	{"messagelabs", "553-SPF (Sender Policy Framework) domain authentication\n553-fail. Refer to the Troubleshooting page at\n553 http://www.symanteccloud.com/troubleshooting for more details. (#5.7.1)", PolicyBlocked, false},
	// Classic MTAs.
	{"postfix", "550 5.1.1 <jane@example.net>: Recipient address rejected: User unknown in local recipient table", HardInvalidRecipient, true},
	{"postfix", "450 4.1.1 <jane@example.net>: Recipient address rejected: unverified address: host mx.example.net[192.0.2.25] said: 550 5.1.1 User unknown", SoftTemporary, false},
	{"postfix", "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using bl.spamcop.net", PolicyBlocked, false},
	{"postfix", "450 4.2.0 <jane@example.net>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.net.html", SoftTemporary, false},
	{"postfix", "554 5.7.1 <jane@example.net>: Relay access denied", PolicyBlocked, false},
	{"exim", "550 Unrouteable address", HardInvalidRecipient, true},
	{"exim", "550 Sender verify failed", PolicyBlocked, false},
	{"exim", "451 Temporary local problem - please try later", SoftTemporary, false},
	{"sendmail", "550 5.1.1 <jane@example.net>... User unknown", HardInvalidRecipient, true},
	{"sendmail", "553 5.3.0 <jane@example.net>... No such user here", HardInvalidRecipient, true},
	{"sendmail", "554 5.0.0 Service unavailable", PolicyBlocked, false},
	{"qmail", "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", PolicyBlocked, false},
	{"qmail", "550 sorry, no mailbox here by that name. (#5.1.1)", HardInvalidRecipient, true},
	{"courier", "550 User unknown.", HardInvalidRecipient, true},
	{"zoho", "550 5.1.1 User does not exist - <jane@zoho.example>", HardInvalidRecipient, true},
	{"generic", "554 5.7.1 Message rejected as spam by Content Filtering.", SpamBlocked, false},
	{"generic", "550 5.7.1 Message rejected: virus found in attachment", SpamBlocked, false},
	{"generic", "452 4.5.3 Too many recipients", RateLimited, false},
	{"generic", "552 5.3.4 Message size exceeds fixed limit", SpamBlocked, false},
	{"generic", "421 4.4.2 Connection dropped due to timeout", SoftTemporary, false},
	{"generic", "550 5.7.1 Recipient address rejected: Your IP address is invalid for this domain", PolicyBlocked, false},
	{"generic", "554 5.6.0 Message contains invalid header", SpamBlocked, false},
	{"generic", "550 Recipient must be specified with full domain name", Other, false},
	{"generic", "550 [jane@example.net] is not a valid email address", HardInvalidRecipient, true},
	{"generic", "554 5.4.14 Hop count exceeded - possible mail loop", SoftTemporary, false},
	{"generic", "550 5.4.316 Message expired, connection refused(Socket error code 10061)", SoftTemporary, false},
	{"generic", "550 Requested action not taken: mailbox unavailable (mail box full)", SoftMailboxFull, false},
	{"generic", "550 5.7.1 Content rejected. Message contains a suspicious URL.", SpamBlocked, false},
	{"exim", "550-Verification failed for <b.abc123xyz@bounces.brand.example>\n550-Unrouteable address\n550 Sender verify failed", PolicyBlocked, false},
	{"cpanel", "550-JunkMail rejected - mta1.brand.example [192.0.2.10]:25 is in an RBL on rbl.example.org", PolicyBlocked, false},
	{"qmail-ldap", "511 sorry, no mailbox here by that name (#5.1.1 - chkuser)", HardInvalidRecipient, true},
	{"outlook", "421 RP-001 (BAY004-MC1F12) Unfortunately, some messages from 192.0.2.10 weren't sent. Please try again. We have limits for how many messages can be sent per hour and per day.", RateLimited, false},
	{"outlook", "550 SC-001 (BAY004-MC1F12) Unfortunately, messages from 192.0.2.10 weren't sent. Please contact your Internet service provider. You can tell your provider that this message was sent with an IP address that Outlook.com has restricted due to a poor reputation.", PolicyBlocked, false},
	{"outlook", "550 5.4.1 Relay Access Denied", PolicyBlocked, false},
	{"yahoo", "421 4.7.1 [TS03] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed.", PolicyBlocked, false},
	{"yahoo", "554 30 Sorry, your message to jane@yahoo.com cannot be delivered. This account has been disabled or discontinued [#102].", SoftTemporary, false},
	{"yandex", "451 4.7.1 Sorry, the service is currently unavailable. Please come back later.", RateLimited, false},
	{"yandex", "554 5.7.1 [2] Message rejected under suspicion of SPAM", SpamBlocked, false},
	{"mailru", "550 Message was not accepted -- invalid mailbox.  Local mailbox jane@bk.ru is unavailable: account is disabled", SoftTemporary, false},
	{"t-online", "554 IP=192.0.2.10 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)", PolicyBlocked, false},
	{"fastmail", "550 5.1.1 <jane@example.net>: Recipient address rejected: Domain not found", HardInvalidRecipient, true},
	// A deactivated account is a disabled one: soft, as corpus2's
	// judgement calls say of disabled accounts and as mailru's "account
	// is disabled" above (hard before session 7).
	{"de", "550 Das Konto wurde deaktiviert", SoftTemporary, false},
	{"es", "550 La cuenta de correo está desactivada", SoftTemporary, false},
	{"nl", "550 Het e-mailadres bestaat niet", HardInvalidRecipient, true},
	{"cs", "552 Schránka je plná", SoftMailboxFull, false},
	{"sv", "550 Användaren finns inte", HardInvalidRecipient, true},
	{"zh", "550 邮箱已满", SoftMailboxFull, false},
}

func TestReplyCases(t *testing.T) {
	t.Parallel()
	c := New()
	for _, tt := range replyCases {
		code, enh, text := ParseReply(tt.reply)
		got := c.Reply(code, enh, text)
		if got.Class != tt.class || got.Hard != tt.hard {
			t.Errorf("%s: %q\n  got %s hard=%v (rule %s), want %s hard=%v", tt.family, firstLine(tt.reply, ""), got.Class, got.Hard, got.Rule, tt.class, tt.hard)
		}
		if got.Diagnostic == "" || len(got.Diagnostic) > maxReason {
			t.Errorf("%s: bad diagnostic %q", tt.family, got.Diagnostic)
		}
	}
}

func TestReplyBoundsAndValidation(t *testing.T) {
	t.Parallel()
	c := New()
	got := c.Reply(550, "not-a-code", strings.Repeat("x", 10000)+" user unknown")
	if got.Status != "" || len(got.Diagnostic) > maxReason {
		t.Errorf("got status %q, diagnostic of %d bytes", got.Status, len(got.Diagnostic))
	}
	if got := c.Reply(999, "", "whatever"); got.Class != Other || got.Rule != "default" {
		t.Errorf("code 999: got %+v", got)
	}
	if got := c.Reply(550, "", "sorry, no mailbox here by that name (#5.1.1)"); got.Status != "5.1.1" {
		t.Errorf("qmail status: got %q", got.Status)
	}
}
