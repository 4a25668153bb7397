package bounce

import (
	"bytes"
	"strings"
	"testing"
)

// kinds6 are the phrase families corpus6's blind run found missing, each
// in several languages or wordings (most of them not in corpus6): checked
// like kinds5 by TestKinds6.
var kinds6 = map[string][]kindCase{
	"mailbox-full-more-languages": {
		{"Лист не доставлено: поштова скринька одержувача переповнена", SoftMailboxFull, ReasonMailboxFull},
		{"Пощенската кутия на получателя е пълна", SoftMailboxFull, ReasonMailboxFull},
		{"Poštanski sandučić primatelja je pun", SoftMailboxFull, ReasonMailboxFull},
		{"La bústia del destinatari està plena", SoftMailboxFull, ReasonMailboxFull},
		{"ההודעה לא נמסרה: תיבת הדואר של הנמען מלאה", SoftMailboxFull, ReasonMailboxFull},
		{"Căsuța poștală a destinatarului este plină", SoftMailboxFull, ReasonMailboxFull},
		{"Gavėjo pašto dėžutė pilna", SoftMailboxFull, ReasonMailboxFull},
		{"Saaja postkast on täis", SoftMailboxFull, ReasonMailboxFull},
	},
	"user-unknown-more-languages": {
		{"550 Такої поштової скриньки не існує", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Користувача не знайдено", HardInvalidRecipient, ReasonUserUnknown},
		{"550 כתובת הדואר אינה קיימת", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Потребителят не съществува", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Korisnik ne postoji", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Uporabnik ne obstaja", HardInvalidRecipient, ReasonUserUnknown},
		{"550 L'usuari no existeix", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Adresas neegzistuoja", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Kasutaja ei eksisteeri", HardInvalidRecipient, ReasonUserUnknown},
		{"550 کاربر وجود ندارد", HardInvalidRecipient, ReasonUserUnknown},
	},
	"blocklist-more-languages": {
		{"554 A küldő szerver IP-címe tiltólistán szerepel", PolicyBlocked, ReasonBlockedIP},
		{"554 Adresa IP a expeditorului este pe lista neagră", PolicyBlocked, ReasonBlockedIP},
		{"554 Η διεύθυνση IP βρίσκεται σε μαύρη λίστα", PolicyBlocked, ReasonBlockedIP},
		{"554 Avsändarens IP-adress är svartlistad", PolicyBlocked, ReasonBlockedIP},
		{"554 Lähettäjän IP-osoite on estolistalla", PolicyBlocked, ReasonBlockedIP},
		{"554 Alamat IP pengirim masuk daftar hitam", PolicyBlocked, ReasonBlockedIP},
		{"554 Địa chỉ IP của bạn nằm trong danh sách đen", PolicyBlocked, ReasonBlockedIP},
		{"554 IP ของผู้ส่งอยู่ในบัญชีดำ", PolicyBlocked, ReasonBlockedIP},
		{"554 IP-адреса відправника в чорному списку", PolicyBlocked, ReasonBlockedIP},
		{"554 عنوان IP الخاص بك مدرج في القائمة السوداء", PolicyBlocked, ReasonBlockedIP},
		{"554 כתובת ה-IP שלך ברשימה שחורה", PolicyBlocked, ReasonBlockedIP},
	},
	"wave2-languages": {
		{"550 Корисник не постоји", HardInvalidRecipient, ReasonUserUnknown},
		{"Поштанско сандуче примаоца је пуно", SoftMailboxFull, ReasonMailboxFull},
		{"Pósthólf viðtakanda er fullt", SoftMailboxFull, ReasonMailboxFull},
		{"550 Notandi er ekki til", HardInvalidRecipient, ReasonUserUnknown},
		{"Peti mel penerima penuh", SoftMailboxFull, ReasonMailboxFull},
	},
	"receive-limit": {
		{"550 5.2.121 Recipient's per hour message receive limit from specific sender exceeded. (RecipientThrottling)", RateLimited, ReasonRateLimited},
		{"550 5.2.122 The recipient has exceeded their receive limit: too many messages this hour was exceeded", RateLimited, ReasonRateLimited},
		{"452 4.2.1 Receiving limit exceeded for this mailbox", RateLimited, ReasonRateLimited},
	},
	"amavis-banned": {
		{"554 5.7.0 Reject, id=12345-03 - BANNED: P=p003,L=1,M=multipart/mixed | P=p002,L=1/2,M=application/x-msdownload,T=exe", SpamBlocked, ReasonBlockedContent},
		{"554 5.7.0 Reject, id=31337-11 - banned: p=p004,L=1,M=application/zip", SpamBlocked, ReasonBlockedContent},
	},
	"account-blocked-ukrainian": {
		{"Лист не доставлено: обліковий запис одержувача заблоковано", SoftTemporary, ReasonMailboxDisabled},
		{"550 Поштову скриньку тимчасово заблоковано", SoftTemporary, ReasonMailboxDisabled},
	},
	"spam-more-languages": {
		{"550 Thư bị từ chối vì bị đánh dấu là thư rác", SpamBlocked, ReasonBlockedContent},
		{"550 Az üzenetet levélszemétnek minősítettük", SpamBlocked, ReasonBlockedContent},
		{"550 Viesti hylättiin roskapostina", SpamBlocked, ReasonBlockedContent},
		{"550 Meddelandet avvisades som skräppost", SpamBlocked, ReasonBlockedContent},
		{"550 Το μήνυμα χαρακτηρίστηκε ως ανεπιθύμητο", SpamBlocked, ReasonBlockedContent},
	},
	"expired-given-up": {
		{"421 4.4.2 mx.example.net Error: timeout exceeded. We have given up after 24 hours of trying.", SoftTemporary, ReasonExpired},
		{"451 4.4.1 Connection refused; no further attempts will be made", SoftTemporary, ReasonExpired},
		{"450 4.2.0 Greylisted. This message will not be retried.", SoftTemporary, ReasonExpired},
	},
	"resources-unavailable": {
		{"451 Internal resources are temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451", SoftTemporary, ReasonSystemError},
		{"451 4.3.0 Resources temporarily unavailable", SoftTemporary, ReasonSystemError},
	},
	"sender-domain-dns": {
		{"550-Requested action not taken: mailbox unavailable\n550 invalid DNS MX or A/AAAA resource record", PolicyBlocked, ReasonBlockedSender},
		{"550 5.7.1 Sender domain has no MX or A record", PolicyBlocked, ReasonBlockedSender},
		{"553 invalid MX record for sender domain", PolicyBlocked, ReasonBlockedSender},
	},
}

// TestKinds6 checks every wording of kinds6.
func TestKinds6(t *testing.T) {
	t.Parallel()
	checkKinds(t, kinds6, 2)
}

// kinds6Orig is sluice's message as a bounce returns it.
const kinds6Orig = "Return-Path: <b.tok123456@bounces.brand.example>\nFrom: Brand News <news@brand.example>\nTo: %s\nSubject: Spring sale\nMessage-ID: <0123456789abcdef.x@mta1.brand.example>\n\nHello\n"

// kinds6Case is a whole message and what it must yield (its first
// result; an auto-reply's recipient, its sender, is not compared).
type kinds6Case struct {
	name, raw string
	rcpt      string
	class     Class
	reason    Reason
}

// TestMessageKinds6Letters: a person's mail quoting SMTP errors is no
// return (and names no recipient to suppress), while a bounce stays one.
func TestMessageKinds6Letters(t *testing.T) {
	t.Parallel()
	checkMessageKinds6(t, []kinds6Case{
		{"customer quoting user unknown", msg([]string{"From: Dana <dana@shop.example>", "To: Support <support@brand.example>", "Subject: Problem with your emails"},
			"Hi,\n\nI forwarded your offer and got this back:\n\n  550 5.1.1 <tom@shop.example>: Recipient address rejected: User unknown\n\nThanks,\nDana\n"),
			"", Other, ReasonUnclassified},
		{"admin quoting a blocklist", msg([]string{"From: Marco <m.ruiz@clinic.example>", "To: support@brand.example", "Subject: Your server is blocked"},
			"Our log says: 554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org\n"),
			"", Other, ReasonUnclassified},
		{"colleague pasting an NDR line", msg([]string{"From: Luc <luc@agence.example>", "To: sales@brand.example", "Subject: Erreur d'envoi"},
			"J'ai eu ce retour :\nRemote Server returned '550 5.7.606 Access denied, banned sending IP [192.0.2.10]'\n"),
			"", Other, ReasonUnclassified},
		{"list discussion", msg([]string{"From: Jo <jo@isp.example>", "To: mailops@lists.example", "Subject: [mailops] 550 5.7.1 rejects", "List-Id: <mailops.lists.example>"},
			"Seeing these: <user@big.example>: host mx.big.example said: 550 5.7.1 Message rejected due to local policy\n"),
			"", Other, ReasonUnclassified},
		{"postmaster team of people", msg([]string{"From: Postmaster Team <postmaster-team@isp.example>", "To: deliverability@brand.example", "Subject: Delisting request resolved"},
			"Hello,\n\nWe removed 192.0.2.10. Your earlier error was:\n  554 5.7.1 Client host [192.0.2.10] blocked using rbl.isp.example\n\nRegards\n"),
			"", Other, ReasonUnclassified},
		{"support desk (role address)", msg([]string{"From: Support <support@webhost.example>", "To: support@brand.example", "Subject: Ticket #88231: mail rejected"},
			"Our MX logged:\n  550 5.7.1 <kate@customer.example>: Recipient address rejected: User unknown\nPlease contact them directly.\n"),
			"", Other, ReasonUnclassified},
		// Controls: the same words sent to the VERP address, or with the
		// returned copy, are a bounce.
		{"bounce from a plain address to VERP", msg([]string{"From: Mail Gateway <gateway@corp.example>", "To: b.tok123456@bounces.brand.example", "Subject: Problem with your message"},
			"550 5.1.1 <tom@corp.example>: Recipient address rejected: User unknown\n"),
			"tom@corp.example", HardInvalidRecipient, ReasonUserUnknown},
		{"bounce from a plain address with the copy", msg([]string{"From: Mail Gateway <gateway@corp.example>", "To: news@brand.example", "Subject: Problem with your message"},
			"550 5.1.1 <tom@corp.example>: Recipient address rejected: User unknown\n\n"+strings.Replace(kinds6Orig, "%s", "tom@corp.example", 1)),
			"tom@corp.example", HardInvalidRecipient, ReasonUserUnknown},
		{"mail software's name, no VERP, no copy", msg([]string{"From: Mail System <mail@tiny.example>", "To: news@brand.example", "Subject: Message could not be delivered"},
			"Your message to jon@tiny.example could not be delivered.\n\n550 5.1.1 jon@tiny.example: no such user\n"),
			"jon@tiny.example", HardInvalidRecipient, ReasonUserUnknown},
	})
}

// TestMessageKinds6Automatic: out-of-office replies without RFC 3834
// headers in more languages, ticket systems, challenges, moderation holds.
func TestMessageKinds6Automatic(t *testing.T) {
	t.Parallel()
	auto := func(from, subject, body string, extra ...string) string {
		return msg(append([]string{"From: " + from, "To: news@brand.example", "Subject: " + subject, "MIME-Version: 1.0",
			"Content-Type: text/plain; charset=utf-8"}, extra...), body)
	}
	var cases []kinds6Case
	for _, v := range [][2]string{
		{"Ofis dışında", "14 Aralık tarihine kadar izindeyim."},
		{"Spring sale", "Tôi đang nghỉ phép đến hết ngày 15/12."},
		{"Spring sale", "Saya sedang cuti sampai 14 Desember."},
		{"Spring sale", "December 14-ig szabadságon vagyok."},
		{"Spring sale", "Do 14. prosince jsem na dovolené."},
		{"Spring sale", "Sunt în concediu până pe 14 decembrie."},
		{"Spring sale", "Βρίσκομαι εκτός γραφείου έως τις 14 Δεκεμβρίου."},
		{"Spring sale", "Я у відпустці до 14 грудня."},
		{"Spring sale", "Jag är på semester till och med 14 december."},
		{"Spring sale", "Jeg er på ferie frem til 14. desember."},
		{"Spring sale", "Olen lomalla 14.12. asti."},
		{"Spring sale", "12월 14일까지 휴가 중입니다."},
		{"Spring sale", "本人於12月14日前休假中。"},
		{"Poissaoloilmoitus", "Palaan maanantaina."},
		{"Frånvaro", "Tillbaka måndag."},
		{"Automatikus válasz", "Hétfőn jövök vissza."},
	} {
		cases = append(cases, kinds6Case{"vacation " + v[1], auto("Person <person@corp.example>", v[0], v[1]+"\n"), "", AutoReply, ReasonAutoReply})
	}
	cases = append(cases,
		kinds6Case{"ticket opened", auto("ServiceNow <servicenow@corp.service-now.com>", "Incident INC0098123 has been opened on your behalf",
			"Incident INC0098123 has been opened on your behalf.\n"), "", AutoReply, ReasonAutoReply},
		kinds6Case{"we've received", auto("Desk <help@corp.example>", "[HELP-4521] Spring sale", "We've received your request and will respond shortly.\n"),
			"", AutoReply, ReasonAutoReply},
		kinds6Case{"auto-generated notice", auto("Desk <help@corp.example>", "[HELP-4522] Spring sale", "Your request is in the queue.\n", "Auto-Submitted: auto-generated"),
			"", AutoReply, ReasonAutoReply},
		kinds6Case{"challenge, confirm you are a person", auto("Protect for Jim <jim@verify.example>", "Please verify your email to Jim",
			"Your message \"Spring sale\" is held. To have it delivered, click the link below and confirm that you are a person.\n"), "", AutoReply, ReasonAutoReply},
		kinds6Case{"challenge in German", auto("Spamschutz <noreply@schutz.example>", "Bitte bestätigen Sie Ihre Nachricht",
			"Ihre Nachricht an klaus@schutz.example wurde zurückgehalten. Bitte bestätigen Sie Ihre Absenderadresse.\n"), "", AutoReply, ReasonAutoReply},
		kinds6Case{"google groups pending approval", auto("Google Groups <noreply@googlegroups.com>", "Your message to club is pending approval",
			"Your message to club@googlegroups.com has been delayed, and requires the approval of the moderators, for the following reason(s):\n\nThe message is from a non-member.\n"),
			"", AutoReply, ReasonAutoReply},
		kinds6Case{"sympa forwarded to editor (fr)", auto("sympa@listes.example", "Message soumis à modération",
			"Votre message pour la liste annonces@listes.example a été transmis au(x) modérateur(s) de la liste.\n"), "", AutoReply, ReasonAutoReply},
		kinds6Case{"groups.io awaiting moderation", auto("Groups.io <noreply@groups.io>", "Your message is awaiting moderation",
			"Your message to club@groups.io is awaiting moderation.\n"), "", AutoReply, ReasonAutoReply},
		kinds6Case{"listserv held for approval", auto("LISTSERV@LISTS.UNI.EXAMPLE", "Message held for approval",
			"Your message to the NEWS list has been held for approval by the list editor.\n"), "", AutoReply, ReasonAutoReply},
		kinds6Case{"sympa forwarded to editor (en)", auto("sympa@lists.example", "Message for list news",
			"Your message for list news@lists.example has been forwarded to editor(s) for approval.\n"), "", AutoReply, ReasonAutoReply},
	)
	checkMessageKinds6(t, cases)
}

// TestMessageKinds6Structure: delay notices in more languages, a reply to
// MAIL FROM, bodies labelled base64 that are not, Vietnamese in
// windows-1258 and decomposed UTF-8.
func TestMessageKinds6Structure(t *testing.T) {
	t.Parallel()
	bounce := func(from, subject, body string, extra ...string) string {
		return msg(append([]string{"From: " + from, "To: b.tok123456@bounces.brand.example", "Subject: " + subject}, extra...), body)
	}
	checkMessageKinds6(t, []kinds6Case{
		{"delay sv", bounce("MAILER-DAEMON@mx.sv.example", "Fördröjd leverans",
			"Ditt meddelande till rolf@sv.example har ännu inte levererats. Servern fortsätter att försöka i 4 dagar.\n"),
			"rolf@sv.example", SoftTemporary, ReasonDelayed},
		{"delay ko", bounce("MAILER-DAEMON@mx.ko.example", "메일 전송 지연 안내",
			"보내신 메일이 아직 전달되지 않았습니다: seo@ko.example\n재전송을 시도하고 있습니다.\n"),
			"seo@ko.example", SoftTemporary, ReasonDelayed},
		{"delay fi", bounce("MAILER-DAEMON@mx.fi.example", "Viestin toimitus viivästynyt",
			"Viestiä osoitteeseen liisa@fi.example ei ole vielä toimitettu. Toimitusta yritetään edelleen.\n"),
			"liisa@fi.example", SoftTemporary, ReasonDelayed},
		{"delay cs", bounce("MAILER-DAEMON@mx.cz.example", "Zpožděné doručení",
			"Zprávu pro petr@cz.example se zatím nepodařilo doručit. Pokusy o doručení budou pokračovat.\n"),
			"petr@cz.example", SoftTemporary, ReasonDelayed},
		{"exim reply to MAIL FROM", bounce("Mail Delivery System <Mailer-Daemon@mx.example>", "Mail delivery failed: returning message to sender",
			"This message was created automatically by mail delivery software.\n\n  lars@club.example\n    host mx.club.example [203.0.113.44]\n"+
				"    SMTP error from remote mail server after MAIL FROM:<b.tok123456@bounces.brand.example> SIZE=4120:\n    550 5.1.1 Mailbox unavailable: user unknown\n",
			"X-Failed-Recipients: lars@club.example"),
			"lars@club.example", PolicyBlocked, ReasonBlockedSender},
		{"postfix DSN, reply to MAIL FROM", msg([]string{"From: MAILER-DAEMON@relay.example", "To: b.tok123456@bounces.brand.example", "Subject: Undelivered Mail Returned to Sender",
			"MIME-Version: 1.0", `Content-Type: multipart/report; report-type=delivery-status; boundary="B"`},
			"--B\nContent-Type: text/plain\n\n<hello@cafe.example>: host mx.cafe.example[203.0.113.9] said: 550 5.1.1 No such user (in reply to MAIL FROM command)\n"+
				"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.example\n\nFinal-Recipient: rfc822; hello@cafe.example\nAction: failed\nStatus: 5.1.1\n"+
				"Diagnostic-Code: smtp; 550 5.1.1 No such user\n--B--\n"),
			"hello@cafe.example", PolicyBlocked, ReasonBlockedSender},
		{"exim reply to pipelined MAIL FROM", bounce("Mail Delivery System <Mailer-Daemon@mx.example>", "Mail delivery failed: returning message to sender",
			"This message was created automatically by mail delivery software.\n\n  nils@club.example\n    host mx.club.example [203.0.113.44]\n"+
				"    SMTP error from remote mail server after pipelined MAIL FROM:<b.tok123456@bounces.brand.example> SIZE=4120:\n    550 Requested action not taken: mailbox unavailable\n",
			"X-Failed-Recipients: nils@club.example"),
			"nils@club.example", PolicyBlocked, ReasonBlockedSender},
		{"Greek permanent failure is no delay", bounce("MAILER-DAEMON@mx.gr.example", "Αποτυχία παράδοσης",
			"Το μήνυμα δεν έχει παραδοθεί στον nikos@gr.example: Ο χρήστης δεν υπάρχει.\n"),
			"nikos@gr.example", HardInvalidRecipient, ReasonUserUnknown},
		{"Greek delay", bounce("MAILER-DAEMON@mx.gr.example", "Καθυστέρηση παράδοσης",
			"Το μήνυμα προς eleni@gr.example δεν έχει ακόμη παραδοθεί.\n"),
			"eleni@gr.example", SoftTemporary, ReasonDelayed},
		{"text labelled base64", bounce("MAILER-DAEMON@q.example", "failure notice",
			"Hi. This is the qmail-send program at q.example.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n<fay@q.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n",
			"MIME-Version: 1.0", "Content-Type: text/plain", "Content-Transfer-Encoding: base64"),
			"fay@q.example", HardInvalidRecipient, ReasonUserUnknown},
		{"windows-1258 combining tone marks", bounce("MAILER-DAEMON@vn.example", "Thong bao",
			"Kh\xf4ng th\xea\xd2 chuy\xea\xd2n th\xfd t\xf5\xeci tran@vn.example\nNguy\xean nh\xe2n: H\xf4\xf2p th\xfd cu\xd2a ng\xfd\xf5\xcci nh\xe2\xf2n \xf0a\xde \xf0\xe2\xccy.\n",
			"MIME-Version: 1.0", "Content-Type: text/plain; charset=windows-1258"),
			"tran@vn.example", SoftMailboxFull, ReasonMailboxFull},
		{"decomposed UTF-8", bounce("MAILER-DAEMON@vn.example", "Thong bao",
			"Không thể chuyển thư tới le@vn.example: Hô\u0323p thư đa\u0303 đâ\u0300y.\n", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"),
			"le@vn.example", SoftMailboxFull, ReasonMailboxFull},
	})
}

// checkMessageKinds6 classifies each case's message and compares its
// first result.
func checkMessageKinds6(t *testing.T, cases []kinds6Case) {
	t.Helper()
	c := New()
	for _, tt := range cases {
		res, err := c.Message(bytes.NewReader([]byte(tt.raw)))
		if err != nil {
			t.Fatal(err)
		}
		if tt.class == AutoReply {
			res[0].Recipient = tt.rcpt
		}
		if !strings.EqualFold(res[0].Recipient, tt.rcpt) || res[0].Class != tt.class || res[0].Reason != tt.reason {
			t.Errorf("%s: got %d results, first %q %s/%s (rule %s), want %q %s/%s", tt.name, len(res), res[0].Recipient,
				res[0].Class, res[0].Reason, res[0].Rule, tt.rcpt, tt.class, tt.reason)
		}
	}
}
