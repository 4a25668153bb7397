package bounce

import (
	"bytes"
	"testing"
)

// kinds4 are the phrase families corpus4's blind runs found missing, each
// in several wordings; checked like kinds3 by TestKinds4.
var kinds4 = map[string][]kindCase{
	"mailbox-full-more": {
		{"552 de mailbox van de ontvanger zit vol", SoftMailboxFull, ReasonMailboxFull},
		{"La cassetta postale del destinatario è piena", SoftMailboxFull, ReasonMailboxFull},
		{"превышен лимит дискового пространства почтового ящика", SoftMailboxFull, ReasonMailboxFull},
	},
	"user-unknown-more": {
		{"Benutzer egon@corp.example ist im Domino-Verzeichnis nicht aufgeführt", HardInvalidRecipient, ReasonUserUnknown},
		{"L'utilisateur jean@corp.example n'est pas répertorié dans l'annuaire Domino", HardInvalidRecipient, ReasonUserUnknown},
		{"该邮箱地址不存在，请核对后重新发送", HardInvalidRecipient, ReasonUserUnknown},
	},
	"content-filtered": {
		{"553-Message filtered. Refer to the Troubleshooting page (#5.7.1)", SpamBlocked, ReasonBlockedContent},
		{"550 permanent failure for one or more recipients (sue@example.net:blocked)", SpamBlocked, ReasonBlockedContent},
	},
	"account-blocked-ru": {
		{"Причина: почтовый ящик получателя заблокирован.", SoftTemporary, ReasonMailboxDisabled},
		{"550 Аккаунт приостановлен", SoftTemporary, ReasonMailboxDisabled},
	},
}

// TestKinds4 checks every wording of kinds4.
func TestKinds4(t *testing.T) {
	t.Parallel()
	checkKinds(t, kinds4, 1)
}

// TestMessageKinds4 checks whole messages on the paths corpus4 added:
// mailto unsubscribes and what must not read as one, list moderation
// against list rejection, a challenge in bounce words, a DSN mixing
// failures and successes, and unlabelled ISO-2022-JP.
func TestMessageKinds4(t *testing.T) {
	t.Parallel()
	c := New()
	jis := "\x1b$B%a!<%k%\"%I%l%9$OB8:_$7$^$;$s\x1b(B" // メールアドレスは存在しません
	for _, tt := range []struct {
		name   string
		raw    string
		class  Class
		reason Reason
		n      int // results expected
	}{
		{"mailto to u.token", msg([]string{"From: Ann <ann@example.net>", "To: u.AbCdEf123456@bounces.brand.example", "Subject: please"}, "\n"),
			Other, ReasonOptOut, 1},
		{"remove me from the list", msg([]string{"From: Ann <ann@example.net>", "To: news@brand.example", "Subject: Re: Spring sale"},
			"Hi, please remove me from your mailing list.\n\n> Spring sale\n"), Other, ReasonOptOut, 1},
		{"reply quoting our footer", msg([]string{"From: Ann <ann@example.net>", "To: news@brand.example", "Subject: Re: Spring sale"},
			"Do you ship to Austria?\n\n> If you no longer want these emails, unsubscribe:\n> https://t.brand.example/u/x\n"), Other, ReasonUnclassified, 1},
		{"auto-reply titled unsubscribe", msg([]string{"From: Ann <ann@example.net>", "To: news@brand.example", "Subject: Unsubscribe", "Auto-Submitted: auto-replied"},
			"I am out of the office.\n"), AutoReply, ReasonAutoReply, 1},
		{"held for moderation", msg([]string{"From: members-owner@lists.example", "To: news@brand.example", "Subject: Your message to Members awaits moderator approval"},
			"Your mail to 'Members' is being held until the list moderator can review it for approval.\n\nThe reason it is being held:\n\n    Post by non-member to a members-only list\n"),
			AutoReply, ReasonAutoReply, 1},
		{"rejected by the list", msg([]string{"From: members-owner@lists.example", "To: news@brand.example", "Subject: Your message to Members was rejected"},
			"Your message to members@lists.example was rejected:\n\n    Post by non-member to a members-only list\n"),
			PolicyBlocked, ReasonPostingNotAllowed, 1},
		{"challenge in bounce words", msg([]string{"From: Mail Delivery System <mailer-daemon@cr.example>", "To: news@brand.example", "Subject: Please confirm your message"},
			"This message was created automatically by mail delivery software (TMDA).\n\nYour message is being held because the address <news@brand.example> has not been verified.\n"),
			AutoReply, ReasonAutoReply, 1},
		{"failed and relayed", msg([]string{
			"From: MAILER-DAEMON@mail.example", "To: b.tok@bounces.brand.example", "Subject: Returned mail",
			"MIME-Version: 1.0", `Content-Type: multipart/report; report-type=delivery-status; boundary="B"`},
			"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.example\n\n"+
				"Final-Recipient: rfc822; jo@example.net\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"+
				"Final-Recipient: rfc822; al@example.org\nAction: relayed\nStatus: 2.0.0\n\n--B--\n"), HardInvalidRecipient, ReasonUserUnknown, 2},
		{"unlabelled iso-2022-jp", msg([]string{"From: MAILER-DAEMON@isp.example.jp", "To: b.tok@bounces.brand.example", "Subject: Returned mail"},
			"taro@isp.example.jp\n"+jis+"\n"), HardInvalidRecipient, ReasonUserUnknown, 1},
	} {
		res, err := c.Message(bytes.NewReader([]byte(tt.raw)))
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != tt.n || res[0].Class != tt.class || res[0].Reason != tt.reason {
			t.Errorf("%s: got %d results, first %s/%s (rule %s), want %d, %s/%s", tt.name, len(res), res[0].Class, res[0].Reason, res[0].Rule, tt.n, tt.class, tt.reason)
		}
	}
}
