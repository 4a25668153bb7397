package bounce

import (
	"regexp"
	"strings"
)

// autoRule recognises an automatic response by its wording, in the subject
// or at the start of the body. Like the classification rules, each has an
// example that TestAutoRuleExamples checks.
type autoRule struct {
	name    string
	match   string
	example string
	re      *regexp.Regexp
}

// autoTable lists the wordings of automatic responses (RFC 3834 §1: vacation
// notices, acknowledgements, challenges). They are consulted only after the
// message failed to look like a bounce, so "out of office" in a bounce's
// returned copy cannot turn it into an auto-reply.
func autoTable() []autoRule {
	return []autoRule{
		{name: "out-of-office",
			match:   `out of (?:the )?office|abwesenheitsnotiz|nicht im büro|hors du bureau|fuera de la oficina|fuori (?:ufficio|sede)|fora do escritório|niet op kantoor|вне офиса|ofis dışında(?:yım)?|không có mặt tại văn phòng|di luar kantor|ไม่อยู่ที่สำนักงาน|irodán kívül|házon kívül|mimo kancelář|în afara biroului|εκτός γραφείου|поза офісом|inte på kontoret|ikke på kontoret|poissa toimistolta|izvan ureda|van pisarne|извън офиса|fora de l'oficina|不在辦公室|不在办公室|خارج المكتب|מחוץ למשרד|خارج از دفتر`,
			example: "I am out of the office until Monday 24 November."},
		{name: "away",
			match: `\bi(?:'m|’m| am| will be) (?:currently )?(?:away|out|on (?:annual |parental |maternity |sick )?(?:leave|vacation|holiday))|\bon (?:annual |parental |maternity |sick )?(?:leave|vacation|holidays?)\b|limited access to (?:my )?e-?mail` +
				`|ich bin (?:derzeit|bis|vom|zurzeit|momentan|ab)|(?:bin ich|ich bin) (?:nicht im büro|abwesend|im urlaub)|je suis (?:absent|actuellement absent|en congé|en vacances)|estoy (?:fuera|de vacaciones|ausente)|sono (?:fuori|in ferie|assente)|estou (?:fora|de férias|ausente)|в отпуске|izindeyim|izinli(?:yim)?\b|tatildeyim|đang nghỉ phép|đang đi công tác|sedang (?:cuti|berlibur|di luar kantor|tidak berada di kantor)|ลาพักร้อน|ลาพักผ่อน|szabadságon vagyok|szabadságon leszek|(?:jsem|budu) na dovolené|(?:som|budem) na dovolenke|sunt (?:în concediu|plecat)|(?:βρίσκομαι|είμαι) (?:σε άδεια|εκτός)|(?:я )?у відпустці|(?:jag är|är jag) (?:på semester|ledig|tjänstledig|föräldraledig)|(?:jeg er|er jeg) (?:på ferie|fraværende|ikke på kontoret)|holder ferie|olen (?:lomalla|poissa)|(?:sam|biću) na godišnjem odmoru|sem na dopustu|в отпуск съм|estic de vacances|휴가 중|휴가중|부재 중|출장 중|休假中|休假期間|休假期间|出差中|休暇中|不在にしております|في إجازة|בחופשה|در مرخصی`,
			example: "Thank you for your email. I am currently away with limited access to email."},
		{name: "auto-reply-words",
			match:   `auto(?:matic|mated)?[ -]?(?:reply|response|answer)|autoreply|automatische (?:antwort|bestätigung|eingangsbestätigung)|confirmation automatique|acuse de recibo automático|réponse automatique|respuesta automática|risposta automatica|resposta automática|автоответ|автоматический ответ`,
			example: "This is an automated response."},
		{name: "left",
			match:   `\bis no longer (?:with|at|employed|working)\b|\bno longer works? (?:for|at|with)\b|\b(?:has|have) left (?:the company|the organi[sz]ation|the firm)\b|\bi(?:'ve|’ve| have)? left \S+(?: \S+)? (?:on|in|as of|at the end of)\b|\b(?:this|my) (?:e-?mail )?(?:address|mailbox|inbox) (?:will (?:no longer|not)|won't|is no longer|is not) (?:be )?(?:monitored|read|checked)\b|ne fait plus partie|nicht mehr (?:im unternehmen|bei uns|für uns tätig|für \S+ tätig)|ya no (?:trabaja|forma parte)|non (?:lavora|fa) più|não (?:trabalha|faz parte) mais|werkt niet meer`,
			example: "Dan Hill is no longer with Corp Left. Your email has not been forwarded."},
		{name: "auto-ack",
			match: `thank you for (?:your (?:e-?mail|message|enquiry|inquiry)|contacting)[^.]{0,100}(?:will|shall) (?:get back|respond|reply|be in touch)|(?:ticket|request|case)\s*(?:#|number|id)?\s*\S*\s*(?:has been|was) (?:received|created|opened|logged)|we(?:'ve|’ve| have) (?:just )?received your (?:e-?mail|message|request|enquiry|inquiry)|\b(?:incident|ticket|case|request) [A-Z]*\d+ has been (?:opened|created|logged|raised)` +
				`|(?:ihr|ihre) (?:ticket|anfrage|nachricht)(?:[^.\n]|\.\S){0,40}(?:wurde|ist) (?:erstellt|eingegangen|angelegt)|wir haben ihre (?:nachricht|anfrage|e-?mail) erhalten|\bticket (?:erhalten|eingegangen|erstellt)\b` +
				`|nous avons (?:bien )?reçu votre (?:message|demande|e-?mail|courriel)|hemos recibido su (?:mensaje|solicitud|correo)|abbiamo ricevuto (?:il tuo|la tua|la sua|il suo) (?:messaggio|richiesta|e-?mail)|recebemos (?:a sua|sua) (?:mensagem|solicitação)`,
			example: "Thank you for contacting us. We have received your message and will respond within 24 hours."},
		// A read receipt written as plain text (Outlook's "Read:" notice,
		// without RFC 8098's disposition part): an automatic response.
		{name: "read-receipt",
			match:   `^\s*(?:read|gelesen|lu|le[ií]do|letto|lido|gelezen|przeczytan[ay]|прочитано|已读|已讀|開封済み|읽음)\s*:|\bwas read on\b|wurde am .{0,60} gelesen|a été lu le\b|fue leído el\b|è stato letto il\b|foi lida em\b`,
			example: "Your message To: ann@example.net Subject: Spring sale was read on Monday, December 7, 2026 10:02 AM."},
		{name: "challenge",
			match: `verify (?:that )?you are (?:a )?(?:human|real person|not a robot)|sender verification|(?:complete|confirm) (?:the )?verification|challenge[- ]response|approved senders?|boxbe|spamarrest|mailwasher|i only accept (?:e-?mail|mail|messages) from|please (?:click|visit) (?:the link |here )?(?:below )?to (?:confirm|verify)|your (?:e-?mail|message) (?:is|has been) (?:being )?held` +
				`|only (?:lets?|allows?|accepts?) (?:through )?(?:e-?mail|mail|messages) from|choicemail|\btmda\b|holding area|(?:message|e-?mail)(?:[^.\n]|\.\S){0,40}(?:is|has been) (?:being )?held because|has not (?:yet )?been verified|to release your message|confirm (?:that )?you are (?:a )?(?:person|human|real)|(?:click|visit)(?:[^.\n]|\.\S){0,60}to have (?:it|your message) delivered|verify your (?:e-?mail|address|message) to|unconfirmed messages (?:are|will be) deleted|bestätigen sie (?:bitte )?ihre (?:absender-?)?(?:adresse|nachricht|e-?mail)|(?:nachricht|e-?mail)(?:[^.\n]|\.\S){0,60}zurückgehalten|kein (?:spam-?)?roboter|confirme[rz] (?:votre|que vous) (?:adresse|message|êtes)|confirm[ae] (?:su|que es) (?:dirección|mensaje|una persona)|conferm[ai] (?:il tuo|che sei)|confirme (?:seu|que você) (?:endereço|é)`,
			example: "I use a challenge-response system. Your message has been held; please click the link below to confirm you are a real person."},
	}
}

// moderation is a list's notice that a post waits for its moderator: no
// failure (the post may yet go out), an automatic response. Matched
// before any bounce reading, as its sender (list-owner) and its reason
// ("post by non-member to a members-only list") read like a refusal.
const moderation = `awaits? (?:the )?moderator(?:'s)? approval|(?:is )?being held (?:until|for) (?:the )?(?:list )?moderat|held for (?:moderation|moderator approval)|pending moderat(?:ion|or approval)|wartet auf (?:die )?(?:freigabe|genehmigung)|en attente de modération|pendiente de moderación|requires? (?:the )?approval of (?:the |a )?(?:list |group )?moderators?|(?:requires|needs|awaiting|awaits|pending) (?:the )?(?:list |group )?moderators?(?:'s|’s|s')? (?:approval|review)|\bis pending approval\b|awaiting (?:list |group )?moderation|held for (?:approval|review)\b|(?:forwarded|sent|submitted) to (?:the )?(?:list )?(?:editors?|moderators?)(?:\(s\))?(?:[^.\n]|\.\S){0,20}(?:approval|validation|review|for)|(?:soumis|transmis) (?:à|aux?|au\(x\)) (?:la |les? )?(?:modérat|éditeur)|soumis à modération|zur moderation|in attesa di (?:approvazione|moderazione)|aguardando (?:aprovação|moderação)|wacht op (?:goedkeuring|moderatie)|oczekuje na (?:akceptację|moderację|zatwierdzenie)|ожидает (?:одобрения|модерации)`

// compileAutoRules compiles the auto-reply table once.
func compileAutoRules(rs []autoRule) []autoRule {
	for i := range rs {
		rs[i].re = regexp.MustCompile("(?i)" + rs[i].match)
	}
	return rs
}

// maxAutoBody bounds the start of a message's body searched for
// auto-reply wording: the reply's own text comes first, any quoted
// original after it.
const maxAutoBody = 2 << 10

// autoReply recognises RFC 3834 automatic responses: by header first
// (Auto-Submitted: auto-replied, §5.1, and the X-Autoreply family and
// Precedence: auto_reply that older responders use instead), then a
// read receipt (RFC 8098), then the subject, then the body's wording.
// The Result's recipient is the responder, which is the address sluice
// wrote to.
func (c *Classifier) autoReply(e *entity, head string) (Result, bool) {
	h := e.top
	rule := ""
	switch {
	case strings.HasPrefix(strings.ToLower(h.get("auto-submitted")), "auto-replied"):
		rule = "rfc3834"
	case h.get("x-autoreply") != "" || h.get("x-autorespond") != "" || h.get("x-autoresponder") != "" ||
		h.get("x-auto-reply") != "" || h.get("x-vacation") != "" || h.get("x-autoreply-from") != "":
		rule = "x-autoreply"
	case strings.Contains(strings.ToLower(h.get("precedence")+h.get("x-precedence")), "auto_reply"):
		rule = "precedence"
	case strings.HasPrefix(strings.ToLower(h.get("auto-submitted")), "auto-generated"):
		// RFC 3834 §5.1: an automatic message that is no reply (a
		// ticket system's notice). Not a bounce (that was tried
		// first) and no report: an automatic response all the same.
		rule = "auto-generated"
	case e.mdn:
		rule = "mdn"
	case c.re.autoSubject.MatchString(e.subject):
		rule = "subject"
	}
	if rule == "" {
		body := head
		if len(body) > maxAutoBody {
			body = body[:maxAutoBody]
		}
		for i := range c.auto {
			if c.auto[i].re.MatchString(e.subject) || c.auto[i].re.MatchString(body) {
				rule = c.auto[i].name
				break
			}
		}
	}
	if rule == "" {
		return Result{}, false
	}
	return c.autoResult(e, head, rule), true
}

// titledAutoReply recognises, before any bounce reading, an automatic
// response that says so in its header (RFC 3834 Auto-Submitted:
// auto-replied, or an X-Autoreply family field) and in its subject ("Out
// of office", "Automatische Antwort"…) and comes from a person, not a
// mailer daemon: its bounce words ("not delivered", "mailbox full") are
// a person's prose. Exim's bounces carry Auto-Submitted too, but neither
// such a subject nor a person's address.
func (c *Classifier) titledAutoReply(e *entity, head string) (Result, bool) {
	if e.top.get("x-failed-recipients") != "" || e.reportType != "" || !c.re.autoSubject.MatchString(e.subject) ||
		c.re.daemon.MatchString(c.decodeWords(e.top.get("from"))) {
		return Result{}, false
	}
	h := e.top
	if !strings.HasPrefix(strings.ToLower(h.get("auto-submitted")), "auto-replied") &&
		h.get("x-autoreply") == "" && h.get("x-autorespond") == "" && h.get("x-auto-reply") == "" && h.get("x-vacation") == "" {
		return Result{}, false
	}
	return c.autoResult(e, head, "rfc3834"), true
}

// moderated recognises a post held for a list moderator (see moderation).
func (c *Classifier) moderated(e *entity, head string) (Result, bool) {
	body := head
	if len(body) > maxAutoBody {
		body = body[:maxAutoBody]
	}
	if !c.re.moderation.MatchString(e.subject) && !c.re.moderation.MatchString(body) {
		return Result{}, false
	}
	return c.autoResult(e, head, "moderation"), true
}

// challenge recognises a challenge-response request by its wording alone
// (TMDA's "created automatically by mail delivery software" reads like a
// bounce): the caller asks only once a bounce reading found no failure.
func (c *Classifier) challenge(e *entity, head string) (Result, bool) {
	body := head
	if len(body) > maxAutoBody {
		body = body[:maxAutoBody]
	}
	for i := range c.auto {
		a := &c.auto[i]
		if a.name == "challenge" && (a.re.MatchString(e.subject) || a.re.MatchString(body)) {
			return c.autoResult(e, head, a.name), true
		}
	}
	return Result{}, false
}

// autoResult builds the Result of an automatic response recognised by
// rule.
func (c *Classifier) autoResult(e *entity, head, rule string) Result {
	h := e.top
	r := Result{Class: AutoReply, Reason: ReasonAutoReply, Rule: rule, Decisive: true, Diagnostic: clip(e.subject)}
	if a := c.re.addr.FindString(h.get("from")); a != "" {
		r.Recipient = cleanAddr(a)
	}
	if local, _, _ := strings.Cut(r.Recipient, "@"); r.Recipient == "" || c.re.noreply.MatchString(local) {
		// A challenge service (Boxbe, Spam Arrest) answers from its own
		// address and names the person it protects in the text.
		if rs := c.recipients(e, head, c.exclusions(e, head)); len(rs) > 0 {
			r.Recipient = rs[0]
		}
	}
	return r
}
