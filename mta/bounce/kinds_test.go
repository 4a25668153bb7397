package bounce

import (
	"strings"
	"testing"
)

// kindCase is one wording of a kind of failure from issue 14's "What went
// wrong", with the verdict the contract asks for.
type kindCase struct {
	reply  string
	class  Class
	reason Reason
}

// kinds groups several wordings per kind, as different MTAs and providers
// write them, so that each kind is tested against the kind and not one
// string. Hard must be true exactly for hard_invalid_recipient.
var kinds = map[string][]kindCase{
	"expired": {
		{"451 4.4.7 Message expired, unable to deliver in 840 minutes", SoftTemporary, ReasonExpired},
		{"retry timeout exceeded", SoftTemporary, ReasonExpired},
		{"Delivery attempts will continue to be made for 0 hours; giving up", SoftTemporary, ReasonExpired},
		{"550 5.4.7 Delivery expired (message too old) 'timeout'", SoftTemporary, ReasonExpired},
		{"The message could not be delivered within 5 days and has been returned", SoftTemporary, ReasonExpired},
		{"Message has been in the queue too long", SoftTemporary, ReasonExpired},
		{"Die Zustellung ist nicht innerhalb von 3 Tagen gelungen", SoftTemporary, ReasonExpired},
		{"Délai de distribution dépassé", SoftTemporary, ReasonExpired},
	},
	"system-error": {
		{"451 4.3.0 Mail server error, please contact your administrator", SoftTemporary, ReasonSystemError},
		{"local delivery failed", SoftTemporary, ReasonSystemError},
		{"451 4.3.5 Internal error while processing the message", SoftTemporary, ReasonSystemError},
		{"554 5.3.0 Mailer error: delivery to program failed", SoftTemporary, ReasonSystemError},
		{"451 Requested action aborted: local error in processing", SoftTemporary, ReasonSystemError},
		{"550 Systemfehler beim Zustellen", SoftTemporary, ReasonSystemError},
	},
	"loop": {
		{"554 5.4.6 Too many hops 26 (25 max): from <a@brand.example> via mx, to <j@example.net>", SoftTemporary, ReasonLoop},
		{"554 5.4.14 Hop count exceeded - possible mail loop", SoftTemporary, ReasonLoop},
		{"550 5.4.6 mail for example.net loops back to myself", SoftTemporary, ReasonLoop},
		{"554 5.4.0 Mail forwarding loop for jane@example.net", SoftTemporary, ReasonLoop},
		{"Too many \"Received\" headers - suspected mail loop", SoftTemporary, ReasonLoop},
	},
	"domain": {
		{"451 4.1.10 <j@example.net>: Recipient address rejected: Domain example.net does not accept mail (nullMX)", HardInvalidRecipient, ReasonDomainNotFound},
		{"DNS Error: DNS server returned answer with no data for example.net", HardInvalidRecipient, ReasonDomainNotFound},
		{"450 4.4.4 No MX records found for example.net", HardInvalidRecipient, ReasonDomainNotFound},
		{"550 5.1.2 Host or domain name not found. Name service error for name=example.invalid type=A: Host not found", HardInvalidRecipient, ReasonDomainNotFound},
		{"Unrouteable mail domain \"example.invalid\"", HardInvalidRecipient, ReasonDomainNotFound},
		{"550 Invalid domain example.invalid", HardInvalidRecipient, ReasonDomainNotFound},
		{"550 El dominio example.net no existe", HardInvalidRecipient, ReasonDomainNotFound},
		{"554 Domain example.net is unreachable", SoftTemporary, ReasonNetwork},
	},
	"dns-temporary": {
		// A DNS error described as temporary must never kill an address,
		// whatever the code.
		{"550 5.1.2 Host or domain name not found. Name service error for name=example.net type=MX: Host not found, try again", SoftTemporary, ReasonDNSError},
		{"554 5.4.4 Temporary DNS failure looking up example.net", SoftTemporary, ReasonDNSError},
		{"550 5.1.1 DNS lookup for example.net timed out", SoftTemporary, ReasonDNSError},
		{"550 5.1.2 SERVFAIL resolving example.net", SoftTemporary, ReasonDNSError},
		{"550 5.1.1 Temporary failure in name resolution", SoftTemporary, ReasonDNSError},
	},
	"status-doubt": {
		// Only the status code says dead; the text speaks of a system
		// error: no dead address.
		{"550 5.1.1 Internal server error, please contact the administrator", SoftTemporary, ReasonSystemError},
		{"550 5.1.1 Lookup failure for recipient, name server did not answer", SoftTemporary, ReasonDNSError},
		{"550 5.1.1 Resolver failure while checking recipient", SoftTemporary, ReasonDNSError},
		{"550 5.1.1 Recipient check could not be completed, try again", SoftTemporary, ReasonTemporary},
	},
	"sender-policy": {
		{"554 5.7.1 Your mail server 192.0.2.10 is not allowed to connect", PolicyBlocked, ReasonBlockedIP},
		{"550 5.7.1 Client host rejected: Access denied", PolicyBlocked, ReasonBlockedIP},
		{"554 5.7.1 Sending host mta1.brand.example not permitted", PolicyBlocked, ReasonBlockedIP},
		{"550 5.4.1 Access denied", PolicyBlocked, ReasonBlockedIP},
		{"553 5.7.1 Sender address rejected: not owned by user", PolicyBlocked, ReasonBlockedSender},
		{"550 Your sending domain is blocked", PolicyBlocked, ReasonBlockedSender},
		{"550 Der Absender ist gesperrt", PolicyBlocked, ReasonBlockedSender},
	},
	"relay": {
		{"554 5.7.1 <jane@example.net>: Relay access denied", PolicyBlocked, ReasonRelayDenied},
		{"550 5.7.1 Unable to relay for jane@example.net", PolicyBlocked, ReasonRelayDenied},
		{"553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", PolicyBlocked, ReasonRelayDenied},
		{"550 5.4.1 Relay Access Denied", PolicyBlocked, ReasonRelayDenied},
		{"550 relaying denied", PolicyBlocked, ReasonRelayDenied},
	},
	"disabled": {
		{"550 5.2.1 The email account that you tried to reach is disabled.", SoftTemporary, ReasonMailboxDisabled},
		{"550 5.2.1 The account has been closed permanently.", HardInvalidRecipient, ReasonMailboxDisabled},
		{"550 L'account è stato chiuso definitivamente", HardInvalidRecipient, ReasonMailboxDisabled},
		{"550 La cuenta ha sido dada de baja definitivamente", HardInvalidRecipient, ReasonMailboxDisabled},
		{"554 30 This account has been disabled or discontinued [#102].", SoftTemporary, ReasonMailboxDisabled},
		{"550 5.2.1 Mailbox temporarily disabled: jane@example.net", SoftTemporary, ReasonMailboxDisabled},
		{"550 5.2.1 This account is frozen", SoftTemporary, ReasonMailboxDisabled},
		{"550 5.2.1 Mailbox is locked", SoftTemporary, ReasonMailboxDisabled},
		{"550 User account has been suspended", SoftTemporary, ReasonMailboxDisabled},
	},
	"mailbox-size": {
		{"552 5.2.2 Mailbox size limit exceeded", SoftMailboxFull, ReasonMailboxFull},
		{"552 The recipient's mailbox has exceeded its storage limit", SoftMailboxFull, ReasonMailboxFull},
		{"452 4.2.2 Not enough disk space for the recipient", SoftMailboxFull, ReasonMailboxFull},
		{"552 Mailbox would exceed maximum allowed size", SoftMailboxFull, ReasonMailboxFull},
		{"550 Schránka je plná", SoftMailboxFull, ReasonMailboxFull},
		{"550 メールボックスがいっぱいです", SoftMailboxFull, ReasonMailboxFull},
	},
	"size-and-quota": {
		// A header-size refusal and a relay quota are no full mailbox.
		{"552 5.3.4 Message header size exceeds limit", SpamBlocked, ReasonMessageTooLarge},
		{"552 5.2.3 Message size exceeds maximum permitted", SpamBlocked, ReasonMessageTooLarge},
		{"552 5.2.2 Headers too large", SpamBlocked, ReasonMessageTooLarge},
		{"550 5.2.2 Relay quota exceeded for this sender", RateLimited, ReasonRateLimited},
		{"452 4.2.2 Sending quota exceeded", RateLimited, ReasonRateLimited},
	},
	"frequency": {
		// Per-IP frequency limits are rates, not policy.
		{"450 4.7.1 Connection frequency limited for 192.0.2.10, try again later", RateLimited, ReasonRateLimited},
		{"550 5.7.1 Message frequency limit exceeded for your IP", RateLimited, ReasonRateLimited},
		{"421 4.7.0 Too many connections from your IP (per-IP limit)", RateLimited, ReasonRateLimited},
		{"554 5.7.1 Per-IP rate exceeded, policy violation", RateLimited, ReasonRateLimited},
	},
	"content": {
		{"554 5.6.1 Message contains NUL characters or 8-bit data without BODY=8BITMIME", SpamBlocked, ReasonBlockedContent},
		{"550 5.6.0 Message contains invalid header", SpamBlocked, ReasonBlockedContent},
		{"554 5.6.0 Malformed MIME structure", SpamBlocked, ReasonBlockedContent},
		{"550 Message not RFC 5322 compliant", SpamBlocked, ReasonBlockedContent},
		{"550 5.7.1 Message rejected: the attachment contains a virus", SpamBlocked, ReasonVirus},
		{"554 5.7.1 Your message looks like spam", SpamBlocked, ReasonBlockedContent},
		{"550 このメールは迷惑メールと判定されました", SpamBlocked, ReasonBlockedContent},
	},
	"group-posting": {
		// Google Groups and Workspace: "may not exist" is no unknown user.
		{"550 5.1.1 The group you tried to contact (announce) may not exist, or you may not have permission to post messages to the group.", PolicyBlocked, ReasonPostingNotAllowed},
		{"550 5.7.1 You do not have permission to post to this group", PolicyBlocked, ReasonPostingNotAllowed},
		{"Die Gruppe announce existiert möglicherweise nicht oder Sie sind nicht berechtigt, Nachrichten an die Gruppe zu senden.", PolicyBlocked, ReasonPostingNotAllowed},
		{"Le groupe announce n'existe peut-être pas, ou vous n'êtes peut-être pas autorisé à publier des messages dans le groupe.", PolicyBlocked, ReasonPostingNotAllowed},
		{"Es posible que el grupo announce no exista o que no tengas permiso para publicar mensajes en el grupo.", PolicyBlocked, ReasonPostingNotAllowed},
		{"Il gruppo announce potrebbe non esistere oppure potresti non avere l'autorizzazione a pubblicare messaggi nel gruppo.", PolicyBlocked, ReasonPostingNotAllowed},
		{"O grupo announce talvez não exista ou você não tenha permissão para postar mensagens no grupo.", PolicyBlocked, ReasonPostingNotAllowed},
		{"De groep announce bestaat mogelijk niet of je hebt geen toestemming om berichten in de groep te posten.", PolicyBlocked, ReasonPostingNotAllowed},
		{"グループ announce が存在しないか、グループに投稿する権限がない可能性があります。", PolicyBlocked, ReasonPostingNotAllowed},
		{"550 Only members can post to this list", PolicyBlocked, ReasonPostingNotAllowed},
	},
	"user-unknown-languages": {
		{"550 5.1.1 User unknown", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Die E-Mail-Adresse des Empfängers existiert nicht", HardInvalidRecipient, ReasonUserUnknown},
		{"550 5.1.1 Adresse du destinataire inconnue", HardInvalidRecipient, ReasonUserUnknown},
		{"550 El usuario no existe en este dominio", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Utente sconosciuto", HardInvalidRecipient, ReasonUserUnknown},
		{"550 O endereço de e-mail não existe", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Gebruiker onbekend", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Пользователь не найден", HardInvalidRecipient, ReasonUserUnknown},
		{"550 宛先のユーザーは存在しません", HardInvalidRecipient, ReasonUserUnknown},
		{"550 用户不存在", HardInvalidRecipient, ReasonUserUnknown},
		{"550 收件人不存在", HardInvalidRecipient, ReasonUserUnknown},
		{"550 존재하지 않는 사용자입니다", HardInvalidRecipient, ReasonUserUnknown},
		{"550 المستخدم غير موجود", HardInvalidRecipient, ReasonUserUnknown},
		{"550 הנמען אינו קיים", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Skrzynka odbiorcy nie istnieje", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Adresát neexistuje", HardInvalidRecipient, ReasonUserUnknown},
		{"550 Kullanıcı bulunamadı", HardInvalidRecipient, ReasonUserUnknown},
	},
	"full-languages": {
		{"552 Das Postfach des Empfängers ist voll", SoftMailboxFull, ReasonMailboxFull},
		{"552 La boîte aux lettres du destinataire est pleine", SoftMailboxFull, ReasonMailboxFull},
		{"552 El buzón del destinatario está lleno", SoftMailboxFull, ReasonMailboxFull},
		{"552 Casella piena", SoftMailboxFull, ReasonMailboxFull},
		{"552 Caixa postal cheia", SoftMailboxFull, ReasonMailboxFull},
		{"552 Het postvak is vol", SoftMailboxFull, ReasonMailboxFull},
		{"552 Почтовый ящик получателя переполнен", SoftMailboxFull, ReasonMailboxFull},
		{"552 邮箱已满", SoftMailboxFull, ReasonMailboxFull},
		{"552 메일함이 가득 찼습니다", SoftMailboxFull, ReasonMailboxFull},
		{"552 صندوق البريد ممتلئ", SoftMailboxFull, ReasonMailboxFull},
		{"552 תיבת הדואר מלאה", SoftMailboxFull, ReasonMailboxFull},
		{"552 Skrzynka odbiorcy jest pełna", SoftMailboxFull, ReasonMailboxFull},
		{"552 Posta kutusu dolu", SoftMailboxFull, ReasonMailboxFull},
	},
}

// TestKinds checks every wording of every kind: class, reason, and hard
// exactly for dead addresses.
func TestKinds(t *testing.T) {
	t.Parallel()
	checkKinds(t, kinds, 2)
}

// checkKinds checks every wording of every kind of ks (each kind with at
// least minWordings): class, reason, and hard exactly for dead addresses.
func checkKinds(t *testing.T, ks map[string][]kindCase, minWordings int) {
	c := New()
	for kind, cases := range ks {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			if len(cases) < minWordings {
				t.Fatalf("kind %s has %d wordings, want several", kind, len(cases))
			}
			for _, tt := range cases {
				got := c.Reply(ParseReply(tt.reply))
				if got.Class != tt.class || got.Reason != tt.reason || got.Hard != (tt.class == HardInvalidRecipient) {
					t.Errorf("%q\n  got %s/%s hard=%v (rule %s), want %s/%s", tt.reply, got.Class, got.Reason, got.Hard, got.Rule, tt.class, tt.reason)
				}
			}
		})
	}
}

// TestDecisive checks which verdicts may lead to suppression: text rules
// and dead-address status codes are decisive; weak phrases and bare codes
// are not.
func TestDecisive(t *testing.T) {
	t.Parallel()
	c := New()
	tests := []struct {
		reply    string
		decisive bool
	}{
		{"550 5.1.1 <jane@example.net>: Recipient address rejected: User unknown", true},
		{"550 5.1.1 Sorry", true},
		{"550 Requested action not taken: mailbox unavailable", false},
		{"550 Sorry", false},
		{"451 Try later", true},
	}
	for _, tt := range tests {
		if got := c.Reply(ParseReply(tt.reply)); got.Decisive != tt.decisive {
			t.Errorf("%q: decisive %v (rule %s), want %v", tt.reply, got.Decisive, got.Rule, tt.decisive)
		}
	}
}

// msg builds a returned message from header lines and a body.
func msg(headers []string, body string) string {
	return strings.Join(headers, "\r\n") + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
}
