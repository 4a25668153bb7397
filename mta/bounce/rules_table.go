package bounce

// ruleTable is the classification table: data, read top to bottom, first
// match wins. Precedence, and why:
//
//  1. Status-only rules: codes about the sender's own address (X.1.7,
//     X.1.8) are never about the recipient, whatever the text says.
//  2. Specific phrases that a broader rule below would misread: Domino's
//     "not listed in Domino Directory" is not a blocklist listing, Office
//     365's "Recipient address rejected: Access denied" is its directory
//     check, greylisting mentions the recipient address.
//  3. Sender-side policy (sender verification, SPF, DKIM, DMARC, reverse
//     DNS): fixable by the sender, never a reason to suppress.
//  4. Rate limiting, before spam and reputation: Gmail's 4.7.28 and
//     Microsoft's 4.7.650 throttles mention both.
//  5. URL blocklists, which judge the content, then IP and domain
//     blocklists and reputation (policy), before spam ("spamhaus" is not a
//     content verdict), then spam and content filters.
//  6. Mailbox full, in many languages: "552 … mailbox full" is a full
//     mailbox whatever the code.
//  7. Invalid recipient, in many languages, and domains that do not exist.
//     A transient failure downgrades it to soft_temporary (see finish).
//  8. Relay refusals (other) and generic policy, then temporary failures.
//
// Then the enhanced status code (statusTable), then the weak rules at the
// end, which are phrases too vague to beat a status code ("mailbox
// unavailable" is RFC 5321's stock 550 text, but Outlook.com and GMX send it
// for unknown users), then the basic code (codeClass).
//
// Rules classify a recipient as invalid only on evidence about the address:
// suppression follows from it. A 5xx with no better signal is hard "other".
func ruleTable() []rule {
	return []rule{
		// 1. Status alone.
		{name: "status-sender", class: PolicyBlocked, status: "x.1.7",
			example: "553 5.1.7 The sender address is invalid"},
		{name: "status-sender-system", class: PolicyBlocked, status: "x.1.8",
			example: "553 5.1.8 Invalid address"},

		// 2. Specific phrases first.
		{name: "domino-directory", class: HardInvalidRecipient,
			match:   `not listed in (?:the )?(?:domino directory|public name|name (?:&|and) address book|address book|directory)`,
			example: "User jdoe (jdoe@corp.example) not listed in Domino Directory"},
		{name: "o365-directory", class: HardInvalidRecipient, status: "x.4.1",
			match:   `recipient address rejected: access denied`,
			example: "550 5.4.1 Recipient address rejected: Access denied. [AM6EUR05FT012.eop-eur05.prod.protection.outlook.com]"},
		{name: "exchange-resolver", class: HardInvalidRecipient,
			match:   `resolver\.adr\.(?:ex)?recip(?:ient)?notfound|\brecip(?:ient)?notfound\b|resolver\.adr\.invalidsmtp`,
			example: "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"},
		{name: "greylist", class: SoftTemporary,
			match:   `gr[ae]y-?list|gr[ae]y list`,
			example: "450 4.2.0 <jane@example.net>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.net.html"},
		{name: "temporarily-disabled", class: SoftTemporary,
			match:   `temporar(?:y|ily) (?:disabled|suspended|blocked|deactivated|unavailable|inactive|locked|frozen|not available)`,
			example: "550 5.2.1 Mailbox temporarily disabled: jane@example.net"},

		// 3. Sender-side policy.
		{name: "sender-rejected", class: PolicyBlocked,
			match: `\bsender\b[^.\n]{0,40}\b(?:rejected|refused|denied|not (?:found|allowed|permitted|authori[sz]ed|verified)|unknown|invalid|does ?n[o']t exist|verification failed|verify failed)` +
				`|\b(?:unknown|invalid|bad|unverified|unauthorized) sender\b|\bsender verify\b|\bmail from\b[^.\n]{0,30}\b(?:rejected|refused)|return[- ]path[^.\n]{0,30}(?:rejected|invalid)`,
			example: "553 Sender address rejected: Domain not found"},
		{name: "sender-rejected-intl", class: PolicyBlocked,
			match:   `(?:absender|expéditeur|expediteur|remitente|mittente|remetente|отправител)[^.\n]{0,40}(?:abgelehnt|unbekannt|existiert nicht|rejet|inconnu|n'existe pas|rechazad|desconocid|no existe|rifiutat|sconosciut|rejeitad|desconhecid|не существует|неизвест|отклонен)`,
			example: "550 El dominio del remitente no existe"},
		{name: "dmarc", class: PolicyBlocked, match: `\bdmarc\b`,
			example: "550 5.7.1 Email rejected per DMARC policy for brand.example"},
		{name: "spf", class: PolicyBlocked, match: `\bspf\b|sender policy framework`,
			example: "550 5.7.23 The message was rejected because of Sender Policy Framework violation"},
		{name: "dkim", class: PolicyBlocked, match: `\bdkim\b|domainkeys`,
			example: "550 5.7.30 Message rejected: DKIM signature verification failed"},
		{name: "unauthenticated", class: PolicyBlocked,
			match:   `unauthenticated|not authenticated|authentication (?:failed|failure|required|is required|check)|fails? (?:to pass )?authentication`,
			example: "550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users, and has been blocked."},
		{name: "reverse-dns", class: PolicyBlocked,
			match:   `reverse (?:dns|lookup|hostname|address)|\brdns\b|\bptr\b|cannot find your (?:reverse )?hostname|\bhelo\b[^.\n]{0,40}(?:rejected|invalid|not|denied|forged)|\bfcrdns\b`,
			example: "450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.10]"},

		// 4. Rate limiting.
		{name: "rate-limit", class: RateLimited, match: `rate[ -]?limit|\bthrottl|\brl0{4}\d\d\b|\brp-00\d\b|limits for how many messages`,
			example: "451 4.7.650 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation."},
		{name: "too-many", class: RateLimited,
			match:   `too many (?:messages|mails?|e-?mails|connections|concurrent|sessions|simultaneous|recipients|rcpts?|requests|deliveries|smtp)|слишком много|zu viele|trop de (?:messages|connexions)|demasiad[oa]s (?:mensajes|conexiones)`,
			example: "421 4.7.0 Too many concurrent SMTP connections from this IP address; please try again later"},
		{name: "rate-words", class: RateLimited,
			match:   `(?:sending|receiving|message|mail|connection|delivery) rate|unusual rate|at a rate|exceeded (?:the )?(?:maximum )?(?:allowed )?(?:rate|number of (?:messages|connections|recipients))|too (?:much mail|fast|quickly)|slow down`,
			example: "452 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered."},
		{name: "sending-quota", class: RateLimited,
			match:   `(?:sending|daily|hourly|outbound|message|recipient) (?:quota|limit) (?:exceeded|reached)|(?:daily|hourly) (?:user )?sending (?:quota|limit)`,
			example: "550 5.4.5 Daily user sending quota exceeded."},
		{name: "deferred-volume", class: RateLimited,
			match:   `temporarily deferred|deferred due to|unexpected volume|(?:high|excessive|unusual) volume|\[tss?0[124]\]|mail flood`,
			example: "421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"},
		{name: "try-later-policy", class: RateLimited, status: "x.7.", when: transient,
			match:   `try (?:again )?later|retry (?:again )?later|come back later|server busy`,
			example: "421 4.7.0 Try again later, closing connection. (EHLO) a640c23a62f3a-a9cd2c5a7c2si123456766b.123 - gsmtp"},

		// 5. Content and reputation: URL lists judge content, IP lists the sender.
		{name: "url-blocklist", class: SpamBlocked,
			match:   `\buribl\b|\bsurbl\b|dbl\.spamhaus|(?:url|uri|link|domain in (?:the )?(?:body|message))[^.\n]{0,30}(?:blocklist|blacklist|block list|black list|listed|blocked)|(?:blocked|blacklisted|listed) (?:url|uri|link)s?\b`,
			example: "554 5.7.1 Message rejected: contains a URL listed in multi.uribl.com"},
		{name: "blocklist", class: PolicyBlocked,
			match: `block ?list|black ?list|deny ?list|block-list|black-list|\(bl\)|\bdnsbl\b|\brbl\b|spamhaus|spamcop|barracuda ?(?:reputation|central)|barracudacentral|\bsorbs\b|uceprotect|\bpsbl\b|\bs3150\b|\bs3140\b` +
				`|(?:blocked|listed) (?:using|by|at|on|in) (?:the )?[a-z0-9-]+\.[a-z0-9.-]+|\b(?:is|are|was|were|been|currently) (?:black|block|dns)?listed\b|block listed|black listed|\bbl\d{2,6}\b`,
			example: "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10"},
		{name: "reputation", class: PolicyBlocked,
			match:   `reputation|sender ?score|\bbanned\b|(?:your|sending|client|the|this) ip\b[^.\n]{0,40}\b(?:blocked|banned|rejected|invalid|not (?:allowed|authori[sz]ed|permitted))|not authori[sz]ed to send (?:e-?mail )?directly|\b(?:sc|ou|dy)-00\d\b`,
			example: "550 5.7.1 [192.0.2.10] Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address."},
		{name: "spam", class: SpamBlocked,
			match:   `\bspam\b|\bspammy\b|unsolicited|\bu[bc]e\b|junk (?:e-?)?mail|bulk (?:e-?)?mail|спам|indésirable|pourriel|no deseado|unerwünscht`,
			example: "550 5.7.1 [192.0.2.10] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked."},
		{name: "content", class: SpamBlocked,
			match:   `content (?:filter|rejected|refused|policy|not accepted|scan)|message content|unacceptable content|(?:rejected|refused|blocked) (?:because|due to|for)(?: of)? (?:its |the |message )?content|potential security issue|security threat|phish|\bvirus|malware|malicious|infected|spamassassin|high probability|\bscore (?:too high|exceeds?|above)|flagged as|detected as`,
			example: "554 5.7.1 Message rejected because of unacceptable content."},

		// 6. Mailbox full.
		{name: "mailbox-full", class: SoftMailboxFull,
			match: `(?:mail ?box|inbox|mail ?folder|mail ?drop)(?:es)?\b[^.\n]{0,40}\b(?:full|out of (?:space|storage))\b|\b(?:account|user|recipient)(?:'s)?\b[^.\n]{0,30}\b(?:is|was) full\b|full mailbox` +
				`|(?:over|exceeded?|exceeds|exceeding|above|reached)\b[^.\n]{0,20}\b(?:quota|storage (?:allocation|limit|quota)|size limit|disk quota)|quota (?:exceeded|exceed|full|reached|limit)|overquota|over-quota` +
				`|insufficient (?:user )?(?:disk )?(?:space|quota)|storage (?:space )?(?:full|exceeded|limit)|\bmailbox (?:size|storage) (?:limit|exceeded)`,
			example: "552 5.2.2 The email account that you tried to reach is over quota."},
		{name: "mailbox-full-de", class: SoftMailboxFull,
			match:   `postfach[^.\n]{0,30}(?:voll|überschritten|keinen platz)|speicherplatz|(?:quota|kontingent|speicher)[^.\n]{0,20}(?:überschritten|erschöpft|voll)`,
			example: "552 Das Postfach des Empfängers ist voll"},
		{name: "mailbox-full-fr", class: SoftMailboxFull,
			match:   `bo[iî]te[^.\n]{0,50}pleine|quota[^.\n]{0,20}(?:dépassé|atteint)|espace (?:de stockage )?insuffisant`,
			example: "552 La boîte aux lettres du destinataire est pleine"},
		{name: "mailbox-full-es", class: SoftMailboxFull,
			match:   `buz[oó]n[^.\n]{0,30}(?:llen[oa]|excedid)|cuota[^.\n]{0,20}(?:excedid|superad)|sin espacio|espacio insuficiente`,
			example: "552 El buzón del destinatario está lleno"},
		{name: "mailbox-full-other", class: SoftMailboxFull,
			match: `casella[^.\n]{0,30}(?:piena|esaurit)|quota superata|spazio esaurito|caixa[^.\n]{0,30}(?:cheia|lotada)|cota excedida` +
				`|ящик[^.\n]{0,30}переполнен|переполнен|превышен[^.\n]{0,20}(?:квот|размер)|недостаточно места` +
				`|mailbox[^.\n]{0,20}is vol|postvak[^.\n]{0,20}vol|skrzynka[^.\n]{0,20}(?:pełna|przepełniona)|schránka[^.\n]{0,20}plná|posta kutusu[^.\n]{0,20}dolu` +
				`|brevlåda[^.\n]{0,20}full|postkasse[^.\n]{0,20}ful|メールボックスがいっぱい|容量(?:が)?(?:超過|オーバー)|邮箱已满|信箱已满|空间不足`,
			example: "552 Почтовый ящик получателя переполнен"},

		// 7. Invalid recipient.
		{name: "user-unknown", class: HardInvalidRecipient,
			match: `\b(?:user|recipient|addressee|mailbox|account|address|local user|local-part|username)\b[^.\n]{0,30}\b(?:unknown|not found|not known|does ?n[o']t exist|not exist|no longer (?:exists|valid|active|available|in use)|non-?existent|invalid|is not valid|not a valid|not recogni[sz]ed|disabled|has been (?:disabled|deleted|removed|closed|terminated|suspended|deactivated)|deactivated|inactive|expired)\b` +
				`|\b(?:unknown|invalid|non-?existent|nonexisting|unrecogni[sz]ed|inactive|disabled|bad destination|not a valid) (?:user|recipient|addressee|mailbox|account|e-?mail address|address|local[- ]part|destination mailbox)`,
			example: "550 5.1.1 <jane@example.net>: Recipient address rejected: User unknown in virtual mailbox table"},
		{name: "no-such-user", class: HardInvalidRecipient,
			match: `no such (?:user|recipient|mailbox|account|address|person|local user|domain)|\bno mailbox\b|mailbox not found|there is no (?:user|mailbox|account)|does ?n[o']t have an? [a-z0-9.-]*\s?account|not our customer` +
				`|no longer (?:with|employed|works?|at)\b|left the (?:company|organi[sz]ation)|unroute?able address|user not local|no valid (?:recipients?|mailbox)|account (?:has been )?(?:closed|terminated|deleted)|address (?:couldn't|could not|can't|cannot) be found`,
			example: "550 sorry, no mailbox here by that name. (#5.1.1)"},
		{name: "domain-not-found", class: HardInvalidRecipient,
			match:   `\b(?:host|domain)(?: name)? (?:or domain name )?(?:not found|does ?n[o']t exist|unknown)|name service error|\bnxdomain\b|unknown domain|no such host|non-?existent domain|domain (?:is )?(?:invalid|not valid)|\b(?:no|null) mx\b|domain (?:has no|without) mail|does not accept mail`,
			example: "Host or domain name not found. Name service error for name=example.invalid type=A: Host not found"},
		{name: "user-unknown-de", class: HardInvalidRecipient,
			match:   `\bbenutzer(?:konto)?[^.\n]{0,30}(?:unbekannt|existiert nicht|nicht gefunden|nicht vorhanden|deaktiviert|gesperrt)|unbekannte[rn]? (?:benutzer|empfänger|adresse|mailbox|postfach)|empfänger(?:adresse)?[^.\n]{0,30}(?:unbekannt|existiert nicht|nicht gefunden|ungültig)|\b(?:adresse|postfach|mailbox|konto)[^.\n]{0,30}(?:existiert nicht|nicht gefunden|unbekannt|ungültig|nicht vorhanden|deaktiviert|gesperrt|gelöscht)|ungültige (?:adresse|e-mail-adresse|empfänger)`,
			example: "550 Die E-Mail-Adresse des Empfängers existiert nicht"},
		{name: "user-unknown-fr", class: HardInvalidRecipient,
			match:   `\b(?:utilisateur|destinataire|adresse|bo[iî]te aux lettres|compte)[^.\n]{0,30}(?:inconnu|inexistant|introuvable|n'existe pas|n’existe pas|invalide|non valide|désactivé)|n'existe pas|n’existe pas`,
			example: "550 5.1.1 Adresse du destinataire inconnue"},
		{name: "user-unknown-es", class: HardInvalidRecipient,
			match:   `\b(?:usuario|destinatario|direcci[oó]n|buz[oó]n|cuenta|casilla)[^.\n]{0,30}(?:desconocid|inexistente|no existe|no encontrad|no es v[aá]lid|no v[aá]lid|inv[aá]lid|deshabilitad|desactivad)|no existe`,
			example: "550 El usuario no existe en este dominio"},
		{name: "user-unknown-it-pt", class: HardInvalidRecipient,
			match:   `\b(?:utente|indirizzo|casella|usu[aá]rio|utilizador|destinat[aá]rio|endere[cç]o|conta\b)[^.\n]{0,30}(?:sconosciut|inesistente|non esiste|non trovat|desconhecid|n[aã]o existe|n[aã]o encontrad|inv[aá]lid|desativad)|non esiste|n[aã]o existe`,
			example: "550 Utente sconosciuto"},
		{name: "user-unknown-ru", class: HardInvalidRecipient,
			match:   `(?:пользовател|адрес|получател|ящик|аккаунт|учетн|учётн)[^.\n]{0,40}(?:не найден|не существует|не обнаружен|неизвест|заблокирован|удален|удалён|отключен)|нет такого (?:пользователя|адреса|ящика)|несуществующ|неизвестный (?:пользователь|адрес|получатель)`,
			example: "550 Пользователь не найден"},
		{name: "user-unknown-other", class: HardInvalidRecipient,
			match: `\b(?:gebruiker|ontvanger|adres|account)[^.\n]{0,30}(?:onbekend|bestaat niet|niet gevonden)|onbekende (?:gebruiker|ontvanger)|bestaat niet` +
				`|\b(?:użytkownik|odbiorca|skrzynka|adres|konto)[^.\n]{0,30}(?:nie istnieje|nieznany)|nieznany (?:użytkownik|odbiorca|adres)|neexistuje` +
				`|finns inte|findes ikke|finnes ikke|ukjent (?:bruker|mottaker)|okänd (?:användare|mottagare)|kullanıcı bulunamadı|存在しません|宛先不明|用户不存在|收件人不存在`,
			example: "550 Gebruiker onbekend"},

		// 8. Relays, generic policy, temporary failures.
		{name: "relay-denied", class: Other,
			match:   `relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited|refused)|not permitted to relay|unable to relay|we do not relay|list of allowed rcpthosts|non-accepted domain|not an? accepted domain`,
			example: "554 5.7.1 <jane@example.net>: Relay access denied"},
		{name: "policy", class: PolicyBlocked,
			match:   `\bpolic(?:y|ies)\b|administrative(?:ly)? (?:denied|prohibit)|not (?:on the )?(?:whitelist|allowlist|allow list)`,
			example: "554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes"},
		{name: "expired", class: SoftTemporary,
			match:   `(?:delivery time|message) expired|retry time(?:out)? exceeded|could not be delivered within|too long in (?:the )?queue|giving up|undeliverable for \d+ days|maximum (?:time|retries)`,
			example: "retry timeout exceeded"},
		{name: "network", class: SoftTemporary,
			match:   `timed? ?out|connection (?:refused|reset|closed|lost|dropped|failed)|lost connection|no route to host|network (?:is )?unreachable|host (?:is )?unreachable|(?:could not|unable to|failed to) connect|tls (?:handshake )?(?:failed|error)|broken pipe`,
			example: "Connect to mx.example.net[192.0.2.25]:25: Connection timed out"},
		{name: "temporary", class: SoftTemporary,
			match:   `temporar(?:y|ily)|try (?:again )?later|retry later|please retry|transient|tempfail|local error|resources? (?:temporarily )?unavailable|server busy|system busy|insufficient system (?:storage|resources)|queue (?:is )?full|vorübergehend|temporairement|temporalmente|временно`,
			example: "451 4.3.0 Temporary lookup failure"},

		// Weak rules: only when neither the rules above nor the status code decided.
		{name: "mailbox-unavailable", class: HardInvalidRecipient, weak: true, when: permanent,
			match:   `mailbox (?:is )?(?:currently )?(?:unavailable|not available)|requested action not taken: mailbox|(?:user|recipient) (?:is )?(?:unavailable|not available)`,
			example: "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302)"},
		{name: "does-not-exist", class: HardInvalidRecipient, weak: true, when: permanent,
			match:   `does ?n[o']t exist|not exist\b|existiert nicht|не существует`,
			example: "550 <jane@example.net>... does not exist"},
		{name: "blocked", class: PolicyBlocked, weak: true,
			match:   `\bblocked\b|access denied|\bdenied\b|not (?:allowed|authori[sz]ed|permitted)|prohibited|forbidden|\brefused\b`,
			example: "550 Your message was blocked"},
	}
}

// statusTable maps RFC 3463 enhanced codes to classes by subject.detail, or
// by subject alone (key "7"). Codes with an empty class give no opinion, so
// the weak rules and the basic code decide; they are listed so the reader
// sees they were considered.
func statusTable() []statusRule {
	return []statusRule{
		{"0.0", "", "other undefined status"},
		{"1.0", "", "other address status"},
		{"1.1", HardInvalidRecipient, "bad destination mailbox address"},
		{"1.2", HardInvalidRecipient, "bad destination system address"},
		{"1.3", HardInvalidRecipient, "bad destination mailbox address syntax"},
		{"1.4", "", "destination mailbox address ambiguous"},
		{"1.6", HardInvalidRecipient, "destination mailbox has moved, no forwarding address"},
		{"1.7", PolicyBlocked, "bad sender's mailbox address syntax"},
		{"1.8", PolicyBlocked, "bad sender's system address"},
		{"1.10", HardInvalidRecipient, "recipient address has null MX (RFC 7505)"},
		{"2.0", "", "other or undefined mailbox status"},
		{"2.1", HardInvalidRecipient, "mailbox disabled, not accepting messages"},
		{"2.2", SoftMailboxFull, "mailbox full"},
		{"2.3", Other, "message length exceeds administrative limit"},
		{"2.4", Other, "mailing list expansion problem"},
		{"3.1", SoftTemporary, "mail system full"},
		{"3.2", SoftTemporary, "system not accepting network messages"},
		{"3.4", Other, "message too big for system"},
		{"4.1", SoftTemporary, "no answer from host"},
		{"4.2", SoftTemporary, "bad connection"},
		{"4.3", SoftTemporary, "directory server failure"},
		{"4.4", "", "unable to route: the text says whether the domain exists"},
		{"4.5", SoftTemporary, "mail system congestion"},
		{"4.6", Other, "routing loop detected"},
		{"4.7", SoftTemporary, "delivery time expired"},
		{"5.0", "", "other or undefined protocol status"},
		{"5.3", RateLimited, "too many recipients"},
		{"6.0", "", "other or undefined media error"},
		{"7", PolicyBlocked, "security or policy status (X.7.x)"},
		{"7.28", RateLimited, "Gmail's rate limiting of unusual volumes"},
	}
}
