package bounce

import "regexp"

// addrPattern matches an e-mail address in prose: a dot-atom local part
// (RFC 5322 §3.4.1, without the characters that glue addresses to the
// surrounding punctuation: quotes, "=", "/", "?") and a domain with a
// letters-only top-level label, so IP literals and version numbers do not
// match. Letters and digits of any script are allowed (RFC 6531).
const addrPattern = `[\p{L}\p{N}_%+!#$&*^{|}~-][\p{L}\p{N}._%+!#$&*^{|}~-]{0,63}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.){1,10}\p{L}{2,63}`

// maskPattern is the address maskAddresses hides: addrPattern in ASCII
// only. Text in scripts written without spaces (Chinese, Japanese,
// Korean) runs into an address on both sides, and addrPattern's letters of
// any script would take the words around it ("宛先user@example.jpは存在しま
// せん") into the address and mask them away (review8).
const maskPattern = `[A-Za-z0-9_%+!#$&*^{|}~-][A-Za-z0-9._%+!#$&*^{|}~-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,10}[A-Za-z]{2,63}`

// compilePatterns compiles the parsers' regular expressions.
func compilePatterns() patterns {
	m := regexp.MustCompile
	return patterns{
		enhanced:      m(`(?:^|[^0-9.])#?([45]\.[0-7]\.[0-9]{1,3})(?:[^0-9.]|\.(?:[^0-9]|$)|$)`),
		replyEnhanced: m(`(?m)(?:^|[^0-9.])([45][0-9][0-9])(?:[ -]|[ \t]*\r?\n[ \t]*)#?[45]\.[0-7]\.[0-9]{1,3}(?:[^0-9.]|$)`),
		replyCode:     m(`(?m)(?:^|[\s'"(:;])([45][0-5][0-9])(?:-|:? )[\p{L}<\[#(]`),
		addr:          m(addrPattern),
		maskAddr:      m(maskPattern),
		verp:          m(`(?:^|[^\p{L}\p{N}._%+-])(b\.[A-Za-z0-9_-]{6,256})@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`),
		msgid:         m(`<((?:([0-9a-f]{16})\.)?[^<>\s@]{0,250}@[^<>\s]{1,250})>`),
		queueID:       m(`^[0-9a-f]{16}$`),
		rcptTo: m(`(?im)(?:rcpt to:?\s*<|(?:final|original)-recipient:\s*(?:[a-z0-9-]+\s*;\s*)?<?|^[ \t>]*<)(` +
			addrPattern + `)`),
		headerLine: m(`(?i)^[ \t>]*(?:from|to|cc|bcc|sender|reply-to|return-path|delivered-to|date|subject|message-id|received|in-reply-to|references|envelope-to|dkim-signature|authentication-results|list-[a-z-]+|x-[a-z0-9-]+|content-[a-z-]+|mime-version|original-mail-from|reported-domain)[ \t]*:`),
		returnedCut: m(`(?im)^[ \t>-]*(?:this is a copy of (?:the|your) message|below this line is a copy of the message|a copy of (?:the|your) (?:original )?message (?:follows|is (?:attached|below))|(?:unsent|original|returned|undelivered) message (?:follows|headers? follows?)|original message headers|the headers? of (?:the|your) (?:original )?message (?:is|are) (?:following|below)|headers of the original message|start of (?:the )?returned message|message headers follow` +
			`|(?:return-path|received|dkim-signature|x-sluice-id|arc-seal):\s)`),
		inlineField:  m(`(?im)^[ \t>]*(x-sluice-id|message-id|return-path|x-postfix-sender|original-mail-from|in-reply-to|to|delivered-to)[ \t]*:\s*([^\n]*)`),
		inlineTo:     m(`(?im)^[ \t>]*to[ \t]*:[ \t]*([^\n]*)`),
		origRcpt:     m(`(?im)^[ \t>]*(?:original-rcpt-to|x-hmxmroriginalrecipient)[ \t]*:[ \t]*([^\n]*)`),
		replySubject: m(`(?i)^\s*(?:re|aw|sv|vs|antw|odp|ynt|回复|答复)\s*:`),
		bounceSubject: m(`(?i)undeliver|undelivered|delivery (?:status notification|failure|failed|has failed|problem|report|notification|error|delayed)|mail delivery (?:failed|failure|system|subsystem)|returned mail|returning message|failure notice|non[- ]?delivery|nondeliver|could not (?:be )?deliver|message not delivered|not delivered|mail system error|delayed mail|warning: (?:could not send|message \S+ delayed)` +
			`|(?:message|mail|post(?:ing)?) (?:was )?rejected|rejected by the list|authori[sz]ation denied|non remis|non distribuable|unzustellbar|nicht zustellbar|rückläufer|zustellung fehlgeschlagen|no se puede entregar|no entregado|imposible entregar|error en la entrega|no se pudo entregar|mensaje devuelto|non recapitabile|mancata consegna|não entregue|falha na entrega|onbestelbaar|niet afgeleverd|niedostarczalne|nie dostarczono|недоставленное|не доставлено|ошибка доставки|не удалось доставить`),
		bounceBody: m(`(?i)created automatically by mail delivery software|this is the mail system at|this is the qmail-send program|i'm afraid i wasn't able to deliver|delivery to the following recipients? (?:failed|was unsuccessful)|delivery has failed to these recipients|the following (?:message|addresses?|recipients?) (?:had|could not|cannot|to <)|(?:could ?n[o']t|was ?n[o']t|wasn't|cannot|can't|could not) (?:be )?delivered|(?:unable|failed) to deliver|undeliverable|permanent fatal errors|transcript of session follows|did not reach (?:some or all|the following)|remote server returned|diagnostic information for administrators|delivery status notification|(?:message|mail) delivery failed|returned to sender|not yet been delivered|has been delayed|delivery failure|smtp error from remote` +
			`|konnte nicht zugestellt werden|nicht zugestellt werden|n'a pas pu être (?:remis|délivré|distribué)|n'a pas été (?:remis|distribué)|no (?:pudo|ha podido) ser entregado|no se (?:pudo|ha podido) entregar|non è stato possibile (?:recapitare|consegnare)|não (?:pôde|foi possível) (?:ser )?entreg|kon niet worden afgeleverd|nie mogła zostać dostarczona|не (?:может быть|было|удалось) доставл|не доставлено`),
		delaySubject: m(`(?i)\(delay\)|notification: delay\b|delayed mail|delivery (?:is )?delayed|delay(?:ed)? (?:notification|warning)|warning: (?:could not send|message \S+ delayed|delayed)|still (?:undelivered|being retried)|zustellung verzögert|verzögerte zustellung|remise retardée|distribution retardée|entrega retrasada|consegna ritardata|задержка доставки|fördröjd|forsinket (?:levering|post)|viivästynyt|késleltetett|zpožděn[éá] doručení|gecikmeli|gecikme|延遲|延迟|지연|遅延|trì hoãn|tertunda|ล่าช้า|затримка доставки`),
		delayBody: m(`(?i)has not yet been delivered|not been delivered yet|will\s+(?:continue\s+to\s+)?(?:try|retry|attempt|be retried)|delivery of (?:the|your|this) message (?:has been|is) delayed|delivery attempts will continue|still (?:trying|being retried|undelivered)|delivery (?:has been |is )?delayed|not an error|no action is required on your part|noch nicht zugestellt|verzögert|pas encore été (?:remis|distribué)|retardé|todavía no se ha entregado|retrasad|ancora stato consegnato|задерж` +
			`|wir versuchen es weiter|ännu inte (?:levererats|kunnat levereras)|fortsätter att försöka|endnu ikke (?:blevet )?leveret|fortsætter med at forsøge|ennå ikke (?:blitt )?levert|fortsetter å prøve|ei (?:ole )?vielä (?:toimitettu|voitu toimittaa)|toimitusta yritetään edelleen|henüz teslim edil(?:e)?medi|tekrar denenecek|még nem (?:sikerült )?kézbesít|zatím (?:se )?nepodařilo doručit|pokusy (?:o doručení )?budou pokračovat|nu a fost încă livrat|încă nu a fost livrat|δεν έχει (?:ακόμη|ακόμα) παραδοθεί|ще не (?:було )?доставлено|спроби (?:доставки )?триватимуть|아직 전달되지 않|재전송을 시도하고|尚未(?:送達|投遞|投递|送达|寄達)|仍(?:在|將|将)(?:繼續|继续)?(?:嘗試|尝试)|まだ配信されていません|配信を再試行しています|chưa được (?:gửi|chuyển)|belum (?:berhasil )?terkirim|ยังไม่ได้(?:ถูก)?ส่ง|(?:nous )?continuerons (?:à|d')|se seguirá intentando|(?:seguiremos|continuaremos) intentando|continueremo a (?:tentare|provare)|(?:continuaremos|vamos continuar) (?:a )?tentar|(?:blijven|zullen) (?:het )?(?:proberen|opnieuw)|kolejne próby|będą (?:podejmowane|ponawiane)|попытки (?:доставки )?будут продолжены|продолжим попытки`),
		daemon:         m(`(?i)(?:^|[<\s"':])(?:mailer[-_]?daemon|mail[-_]?daemon|postmaster|mail delivery (?:subsystem|system|service)|microsoftexchange[0-9a-f]{8,}|maildelivery|mail administrator|[a-z0-9._-]+-(?:owner|bounces?)|owner-[a-z0-9._-]+|sympa|mailman|listserv|majordomo)(?:$|[@>\s"'])`),
		noreply:        m(`(?i)^(?:no-?reply|do-?not-?reply|donotreply|double-bounce|bounces?|notifications?|notify|alerts?)$`),
		forwardSubject: m(`(?i)^\s*(?:fwd?|fw|tr|wg|rv|enc|doorst|vs|vb)\s*:`),
		forwardBody:    m(`(?im)^[ \t>-]*(?:-{3,}|_{3,})?\s*(?:forwarded message|begin forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|mensagem encaminhada|пересылаемое сообщение)[^\n]*`),
		role:           m(`(?i)^(?:abuse|support|help|helpdesk|service-?desk|admin|administrator|hostmaster|webmaster|security|noc|it|info-?desk)$`),
		unsubTo:        m(`(?i)(?:^|[<\s,:"])u\.[A-Za-z0-9_-]{6,256}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`),
		unsubSubject:   m(`(?i)^\s*(?:\[[^\]]{0,40}\]\s*)?(?:unsubscribe|remove me|opt[- ]?out|désabonnement|se désabonner|désinscription|abmelden|abbestellen|darse de baja|cancelar (?:a )?(?:inscrição|assinatura)|disiscriviti|afmelden|uitschrijven|отписаться|wypisz|退订|退訂|配信停止|수신 ?거부)(?:$|[\s:!.,])`),
		unsubBody:      m(`(?i)^\s*(?:please\s+)?(?:unsubscribe|remove)(?:\s+me)?\s*(?:$|[.!\n])|\b(?:remove|delete|take) me (?:off|from) (?:your|this|the) (?:mailing |e-?mail )?list|\bunsubscribe me\b|\bstop (?:sending|e-?mailing) me\b`),
		moderation:     m(`(?i)` + moderation),
		fblSubject:     m(`(?i)abuse report|spam report|complaint|feedback[- ]?loop|\bfbl\b|email abuse|scomp|\bjmrp\b|reported as spam|marked as spam|spam notification|\[spamcop\b`),
		autoSubject:    m(`(?i)^\s*(?:(?:re|aw|sv|antw|odp)\s*:\s*)?[\[(【]?\s*(?:自動応答|自動返信|不在|自动回复|自動回覆|자동 ?응답|부재|رد تلقائي|מענה אוטומטי|automatická odpověď|otomatik (?:yanıt|cevap)|auto(?:matic|matische|matisk|matique|mated)?[\s_-]*(?:reply|response|answer|antwort|svar|respuesta|risposta|resposta|réponse)|autoreply|autoresponse|auto\s*:|out of (?:the )?office|ooo\b|away from (?:the )?office|on vacation|vacation|abwesen|réponse automatique|absence|absent|respuesta automática|fuera de la oficina|risposta automatica|fuori (?:ufficio|sede)|resposta automática|automatisch antwoord|afwezig|автоответ|автоматический ответ|odpowiedź automatyczna|nieobecność|ofis dışında|izindeyim|trả lời tự động|balasan otomatis|ตอบกลับอัตโนมัติ|automatikus válasz|házon kívül|irodán kívül|răspuns automat|în afara biroului|αυτόματη απάντηση|εκτός γραφείου|автовідповідь|автоматична відповідь|frånvar|fravær|poissaolo|automaattinen vastaus|automatski odgovor|odsutan|odsotnost|автоматичен отговор|resposta automàtica|absència|پاسخ خودکار)`),
		htmlDrop:       m(`(?is)<(?:script|style|head)\b.*?</(?:script|style|head)\s*>`),
		htmlBreak:      m(`(?i)<\s*/?\s*(?:br|p|div|tr|li|h[1-6]|hr|table|blockquote)\b[^>]*>`),
		htmlTag:        m(`<[^>]*>`),
		// Words that make a dead-address verdict unsafe (see finish).
		doubtTemp: m(`(?i)temporar(?:y|ily)|try (?:again|later)|\bservfail\b|timed? ?out\b|time-?out\b`),
		doubtDNS:  m(`(?i)\bdns\b[^.\n]{0,30}(?:error|fail|problem|timeout|lookup)|(?:lookup|resolution|resolver|resolving) (?:error|fail|problem|timeout)|name ?server|servfail`),
		// Advice to correct the address and send again, which a doubt
		// about temporariness must not read as "try again".
		retryAdvice: m(`(?i)(?:check|verify|correct|double-check)(?:[^.\n]){0,60}\band (?:then )?(?:try|send) (?:it )?again|try again with (?:a |the )?(?:different|correct|valid|right)`),
		doubtSystem: m(`(?i)system error|internal (?:server )?error|local error|mailer error|configuration error|server error|resources? (?:temporarily )?unavailable`),
		// A paragraph that is a footer, signature or scanner stamp, not a
		// diagnostic: dropped before the text is read (see dropFooters).
		footer: m(`(?im)^[ \t>]*(?:-- ?\r?$|this (?:e-?mail|message)(?: has been| was| is)? (?:scanned|checked|protected)|(?:scanned|checked) (?:by|for viruses)|virus[- ]?free|no virus found|antivirus|anti-virus|disclaimer|confidentiality notice|the information (?:contained )?in this (?:e-?mail|message)|this (?:e-?mail|message) (?:and any attachments )?(?:is|may be) confidential|sent from my |powered by )`),
		// The envelope sender named in a transcript, or in an Exim
		// sender-verify callout's "Verification failed for <…>".
		mailFrom: m(`(?i)(?:mail from:|verification failed for)\s*<(` + addrPattern + `)>`),
		// The sender fields of a returned copy quoted inline.
		inlineFrom: m(`(?im)^[ \t>]*(?:from|sender|reply-to|return-path)[ \t]*:[ \t]*([^\n]*)`),
		// Words before an address that make it a help address ("please
		// contact the list owners: x-request@…"), not a failed recipient.
		helpAddr: m(`(?i)\b(?:contact|write to|reach (?:us|them|the [\w -]{1,30}) at|assistance|questions?)\b[^@\n]{0,40}$`),
		// An address the reporting MTA expanded, with the one it was
		// sent to: Exim's "x@int\n  (generated from y@ext)", Postfix's
		// "<x@int> (expanded from <y@ext>)".
		expandedFrom: m(`(?i)<?(` + addrPattern + `)>?[ \t]*\r?\n?[ \t]*\((?:generated|expanded) from:?[ \t]*<?(` + addrPattern + `)>?\)`),
		// The display name of mail software rather than of people
		// ("Mail System <mail@host>"): "postmaster" is left out, as a
		// "Postmaster Team" may be people.
		machineName: m(`(?i)\bmail(?:er)?[ -]?(?:delivery )?(?:system|subsystem|service|server|gateway|daemon|robot)\b|\bmailer\b|\bdelivery (?:system|service|status|notification)|\bmail (?:administrator|transport)|\bsystem administrator\b`),
		// A reply to MAIL FROM (Postfix's "in reply to MAIL FROM
		// command", Exim's "after MAIL FROM:<…>"): given before any
		// recipient was named, it cannot say one is dead.
		// A policy refusal's words in a reply read as a dead address.
		policyWorded: m(`(?i)\(policy\)|\bby policy\b|\bpolicy (?:reasons?|violation|restrictions?)\b|\bfor (?:this |the )?sender\b|\bblocked (?:users?|recipients?|senders?)\b`),
		senderStage:  m(`(?i)in reply to mail from command|after (?:pipelined )?mail from:`),
		// A reply given before the message's content was sent (to the
		// greeting, HELO, MAIL FROM or RCPT TO, RFC 5321 §3.3): a content
		// filter cannot have read the message yet.
		beforeData: m(`(?i)in reply to (?:rcpt to|mail from|helo|ehlo) command|after (?:pipelined )?(?:rcpt to|mail from):|after initial connection|(?:in reply to|after) (?:the )?(?:greeting|banner|connect)`),
		// Separators between addresses listed on one line.
		listSep: m(`^[\s,;:<>()'"]*(?:and|und|et|y|e|en|i|и)?[\s,;:<>()'"]*$`),
	}
}
