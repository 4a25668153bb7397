package bounce

import (
	"strings"
	"testing"
)

// kinds8 are the phrase families corpus8's blind run found missing, each
// in several wordings (most of them not in corpus8): checked like kinds7
// by TestKinds8. Every case fails on the package before session 8's fixes
// unless marked as a control.
var kinds8 = map[string][]kindCase{
	// "Mailbox not found or access denied" (QQ and its imitators) names
	// the mailbox: the trailing "access denied" is no refusal of the
	// sending host.
	"not-found-or-access-denied": {
		{"550 Mailbox not found or access denied (in reply to RCPT TO command)", HardInvalidRecipient, ReasonUserUnknown},
		{"550 User not found or access denied [mx3.example.net]", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Recipient does not exist or access denied (in reply to RCPT TO command)", HardInvalidRecipient, ReasonUserUnknown},
		// Control: a bare "Access denied" still refuses the host.
		{"554 Access denied (in reply to MAIL FROM command)", PolicyBlocked, ReasonBlockedIP},
	},
	// A blocked account is a disabled one (soft), even after words
	// (Mail.ru's "invalid mailbox") that alone read as a dead address.
	"account-is-blocked": {
		{"550 Message was not accepted -- invalid mailbox.  Local mailbox jana@example.net is unavailable: account is blocked", SoftTemporary, ReasonMailboxDisabled},
		{"550 5.2.1 Invalid recipient: mailbox has been blocked", SoftTemporary, ReasonMailboxDisabled},
		{"550 unknown user state: account was blocked by the administrator", SoftTemporary, ReasonMailboxDisabled},
		// Control (soft before too).
		{"550 Message was not accepted -- invalid mailbox.  Local mailbox ivan@example.net is unavailable: account is disabled", SoftTemporary, ReasonMailboxDisabled},
	},
	// Exim 4.97's null MX (RFC 7505) wording.
	"exim-null-mx": {
		{"an MX or SRV record indicated no SMTP service", HardInvalidRecipient, ReasonDomainNotFound},
		{"ian@nullmx.example: an MX record indicated no SMTP service", HardInvalidRecipient, ReasonDomainNotFound},
		// Control (dead before too).
		{"Domain nullmx.example does not accept mail (nullMX)", HardInvalidRecipient, ReasonDomainNotFound},
	},
	// Reasons: the sending host's reverse DNS is the IP's standing, and
	// qmail's "envelope sender domain must exist" refuses our domain.
	"sender-ip-reverse-and-sender-domain": {
		{"550 5.7.1 Sender IP reverse lookup rejected", PolicyBlocked, ReasonBlockedIP},
		{"553 sorry, your envelope sender domain must exist (#5.7.1)", PolicyBlocked, ReasonBlockedSender},
		// Controls (blocked_ip and blocked_sender before too).
		{"554 Sender host 192.0.2.10 has no PTR record", PolicyBlocked, ReasonBlockedIP},
		{"550 5.7.1 Sender address rejected: Domain not found", PolicyBlocked, ReasonBlockedSender},
	},
	// An unknown or invalid address in our From/Sender/Reply-To is about
	// our message: no recipient to suppress.
	"sender-header-address": {
		{"550 5.7.1 Unknown user in your From header", PolicyBlocked, ReasonBlockedSender},
		{"550 5.1.1 Invalid address in From header", PolicyBlocked, ReasonBlockedSender},
		{"550 Invalid mailbox in Reply-To field", PolicyBlocked, ReasonBlockedSender},
		// Control: the recipient's unknown user stays dead.
		{"550 5.1.1 <x@example.net>: Recipient address rejected: User unknown in local recipient table", HardInvalidRecipient, ReasonUserUnknown},
	},
}

// TestKinds8 checks every wording of kinds8.
func TestKinds8(t *testing.T) {
	t.Parallel()
	checkKinds(t, kinds8, 2)
}

// TestMessageKinds8 checks corpus8's structural fixes on whole messages: a
// person forwarding (or pasting) someone else's non-delivery report that
// carries none of sluice's identifiers is a person's letter, not a
// bounce; a bounce-worded notice with no failure but auto-reply evidence
// is an auto-reply; with a control that must keep its verdict.
func TestMessageKinds8(t *testing.T) {
	t.Parallel()
	ndr := "Delivery has failed to these recipients or groups:\nbilling@brand.example\nThe email address you entered couldn't be found.\n" +
		"Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound'\n"
	checkMessageKinds6(t, []kinds6Case{
		{"person pasting an NDR (Fw:)", msg([]string{"From: Olga <olga@partner.example>", "To: Support <support@brand.example>", "Subject: Fw: Undeliverable: invoice 4471"},
			"Hi team,\n\nWe get this back when we write to you, can you fix it?\n\n-----Original Message-----\nFrom: postmaster@brand.example\n"+
				"Subject: Undeliverable: invoice 4471\n\n"+ndr+"\nOlga\n"),
			"", Other, ReasonUnclassified},
		{"person forwarding an NDR (Fwd:)", msg([]string{"From: Ken <ken@shop.example>", "To: hello@brand.example", "Subject: Fwd: Mail delivery failed"},
			"See below, your address bounced.\n\n---------- Forwarded message ---------\nFrom: Mail Delivery System <MAILER-DAEMON@shop.example>\n"+
				"Subject: Mail delivery failed\n\n  orders@brand.example\n    550 5.1.1 User unknown\n"),
			"", Other, ReasonUnclassified},
		// A bounce-worded notice with no failure in it but auto-reply
		// evidence (a helpdesk acknowledgement) is an auto-reply.
		{"helpdesk acknowledgement with bounce words", msg([]string{"From: Help <help@desk.example>", "To: b.tok123456@bounces.brand.example",
			"Subject: Re: Spring sale [Ticket 901]", "Auto-Submitted: auto-generated"},
			"We received your email and created ticket 901. Please do not reply; delivery failure notices are not monitored here.\n"),
			"help@desk.example", AutoReply, ReasonAutoReply},
		// Control: a forwarded bounce of sluice's own mail (its VERP
		// address in the copy) stays a bounce.
		{"forwarded bounce of our mail", msg([]string{"From: Ken <ken@shop.example>", "To: hello@brand.example", "Subject: Fwd: Mail delivery failed"},
			"FYI\n\n---------- Forwarded message ---------\nFrom: Mail Delivery System <MAILER-DAEMON@shop.example>\n"+
				"Subject: Mail delivery failed\n\n  ann@shop.example\n    550 5.1.1 User unknown\n\n"+
				strings.Replace(kinds6Orig, "%s", "ann@shop.example", 1)),
			"ann@shop.example", HardInvalidRecipient, ReasonUserUnknown},
	})
}

// TestPolicyWordedUnknown: a reply the broad unknown-user rule reads as a
// dead address but that speaks of policy or blocked users refuses the
// sender, and must never suppress; plain unknown users stay dead.
func TestPolicyWordedUnknown(t *testing.T) {
	t.Parallel()
	c := New()
	for _, tc := range []struct {
		reply string
		class Class
	}{
		{"550 5.7.1 Recipient invalid for sender <news@brand.example> (policy)", PolicyBlocked},
		{"550 Invalid recipient list: contains blocked users", PolicyBlocked},
		{"550 recipient unknown: rejected by policy", PolicyBlocked},
		// Controls: no policy words.
		{"550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table", HardInvalidRecipient},
		{"550 Invalid recipient <jane@example.net>", HardInvalidRecipient},
	} {
		if r := c.Reply(550, "", tc.reply); r.Class != tc.class {
			t.Errorf("%s: %s/%s (rule %s), want %s", tc.reply, r.Class, r.Reason, r.Rule, tc.class)
		}
	}
}
