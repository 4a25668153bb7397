package bounce

// ruleTable is the classification table: data, read top to bottom, first
// match wins. It sits between the operator's rules (tried first) and the
// status code. Precedence, and why (see classify for the whole order):
//
//	decisive text phrases > enhanced status (subject.detail, then subject)
//	> weak phrases > basic reply code
//
// A phrase names the cause; a status code is often chosen carelessly (a
// 5.4.x on an access refusal, a 4.x.x on a null MX, a 5.1.1 on a policy
// block). Within the table:
//
//  1. Status-only rules: codes about the sender's own address (X.1.7,
//     X.1.8) are never about the recipient, whatever the text says.
//  2. Specific phrases that a broader rule below would misread: Domino's
//     "not listed in Domino Directory" is not a blocklist listing, Office
//     365's "Recipient address rejected: Access denied" is its directory
//     check, Google Groups' "may not exist, or you may not have permission
//     to post" is a posting refusal, greylisting mentions the recipient,
//     a temporary DNS failure mentions a host not found, a mail loop or an
//     expired retry period mention anything.
//  3. Relay refusals and sender-side policy (sender address, sending host,
//     SPF, DKIM, DMARC, reverse DNS): fixable by the sender, never a
//     reason to suppress.
//  4. Rate limiting, before spam and reputation: Gmail's 4.7.28 and
//     Microsoft's 4.7.650 throttles mention both; per-IP frequency limits
//     and relay quotas are rates, not policy and not mailbox quotas.
//  5. URL blocklists (content), IP and domain blocklists and reputation
//     (policy), spam, viruses, content filters, size and malformed or
//     8-bit content: a header-size refusal is no full mailbox.
//  6. Mailbox full, in many languages: "552 … mailbox full" is a full
//     mailbox whatever the code.
//  7. Domains without mail service (sticky: dead even under a 4xx), then
//     disabled accounts and unknown users, in many languages. A transient
//     failure downgrades a non-sticky one to soft_temporary (see finish).
//  8. Generic policy, network and temporary failures, system errors.
//
// Then the enhanced status code (statusTable), then the weak rules at the
// end, which are phrases too vague to beat a status code ("mailbox
// unavailable" is RFC 5321's stock 550 text, but Outlook.com and GMX send it
// for unknown users), then the basic code (codeClass).
//
// Whatever decided, finish keeps a dead-address verdict only if no text
// speaks of a temporary condition (and, for a verdict from a code, of a
// DNS or system error). Phrase tables in other languages are in
// rules_intl.go; each rule's example is checked by TestRuleExamples.
func ruleTable() []rule {
	var t []rule
	t = append(t, specificRules()...)
	t = append(t, senderRules()...)
	t = append(t, rateRules()...)
	t = append(t, contentRules()...)
	t = append(t, mailboxFullRules()...)
	t = append(t, mailboxFullIntl()...)
	t = append(t, domainRules()...)
	t = append(t, domainIntl()...)
	t = append(t, recipientRules()...)
	t = append(t, recipientIntl()...)
	t = append(t, expiredRules()...)
	t = append(t, genericRules()...)
	t = append(t, weakRules()...)
	return t
}

// specificRules: groups 1 and 2.
func specificRules() []rule {
	return append([]rule{
		{name: "status-sender", class: PolicyBlocked, reason: ReasonBlockedSender, status: "x.1.7",
			example: "553 5.1.7 The sender address is invalid"},
		{name: "status-sender-system", class: PolicyBlocked, reason: ReasonBlockedSender, status: "x.1.8",
			example: "553 5.1.8 Invalid address"},
		{name: "domino-directory", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match: `not listed in (?:the )?(?:domino directory|public name|name (?:&|and) address book|address book|directory)` +
				`|(?:im|in (?:dem|der)) [\w-]*(?:verzeichnis|adressbuch)\b(?:[^.\n]|\.\S){0,30}nicht aufgef(?:ü|ue)hrt|n'est pas r[ée]pertori[ée] dans (?:le |l')?(?:annuaire|carnet)|no (?:aparece|figura|est[aá] list\w*) en el directorio|non (?:è )?(?:presente|elencat\w) nella directory|n[aã]o (?:est[aá] listad\w|consta) no diret[oó]rio`,
			example: "User jdoe (jdoe@corp.example) not listed in Domino Directory"},
		{name: "o365-directory", class: HardInvalidRecipient, reason: ReasonUserUnknown, status: "x.4.1",
			match:   `recipient address rejected: access denied`,
			example: "550 5.4.1 Recipient address rejected: Access denied. [AM6EUR05FT012.eop-eur05.prod.protection.outlook.com]"},
		{name: "exchange-resolver", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match:   `resolver\.adr\.(?:ex)?recip(?:ient)?notfound|\brecip(?:ient)?notfound\b|resolver\.adr\.invalidsmtp`,
			example: "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"},
		{name: "exchange-restriction", class: PolicyBlocked, reason: ReasonPostingNotAllowed,
			match:   `resolver\.rst\.(?:auth|notauth|restrict|dl|sender|recipientnotauth)`,
			example: "550 5.7.1 RESOLVER.RST.AuthRequired; authentication required"},
		{name: "group-posting", class: PolicyBlocked, reason: ReasonPostingNotAllowed,
			match:   groupPosting,
			example: "550 5.7.1 The group you tried to contact (announce) may not exist, or you may not have permission to post messages to the group."},
		{name: "address-rejected", class: HardInvalidRecipient, reason: ReasonUserUnknown, status: "x.1.", when: permanent,
			match:   `\b(?:recipient |destination )?address rejected\.?\s*$`,
			example: "550 #5.1.0 Address rejected."},
		{name: "greylist", class: SoftTemporary, reason: ReasonGreylisted,
			match:   `gr[ae]y-?list|gr[ae]y list`,
			example: "450 4.2.0 <jane@example.net>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.net.html"},
		{name: "dns-temporary", class: SoftTemporary, reason: ReasonDNSError,
			match:   `host not found, try again|temporary (?:dns|lookup|name (?:service|resolution)|resolver) (?:failure|error|problem)|\b(?:dns|lookup|name resolution)\b(?:[^.\n]|\.\S){0,40}(?:temporar|timed? ?out|timeout|servfail)|\bservfail\b|dns (?:server )?(?:timeout|timed out)|temporary failure in name resolution`,
			example: "451 4.4.3 Host or domain name not found. Name service error for name=example.net type=MX: Host not found, try again"},
		{name: "permanently-disabled", class: HardInvalidRecipient, reason: ReasonMailboxDisabled,
			match:   `\b(?:account|mailbox|user|recipient|address)\b(?:[^.\n]|\.\S){0,30}\b(?:permanently|definitively|for good) (?:disabled|deactivated|suspended|closed|deleted|removed|terminated)\b|\bpermanently (?:disabled|deactivated|closed|deleted) (?:account|mailbox|user)`,
			example: "550 5.2.1 This account has been permanently disabled"},
		// "delivery temporarily suspended" (Postfix) is about the site, not
		// an account: suspended and unavailable need an account noun.
		{name: "temporarily-disabled", class: SoftTemporary, reason: ReasonMailboxDisabled,
			match:   `temporar(?:y|ily) (?:disabled|deactivated|inactive|locked|frozen)|\b(?:account|mailbox)\b(?:[^.;\n]|\.\S){0,10}\b(?:is|has been|was) blocked\b|\b(?:account|mailbox|user|recipient|address|box)\b(?:[^.\n]|\.\S){0,30}temporar(?:y|ily) (?:suspended|blocked|unavailable|not available)|` + disabledIntl + `|\b(?:account|mailbox|user|recipient)\b(?:[^.;\n]|\.\S){0,30}\b(?:is |has been |was )?(?:frozen|locked|on hold|suspended|disabled|inactive)\b|\b(?:disabled|suspended|deactivated|locked|blocked) (?:due to|for|because of) (?:\w+ )?inactivity\b|\b(?:frozen|locked|suspended|inactive|disabled) (?:account|mailbox|user)`,
			example: "550 5.2.1 Mailbox temporarily disabled: jane@example.net"},
		// A deactivated (disabled) account, in English and the Romance and
		// Germanic wordings: disabled, not closed (corpus2's contract); a
		// permanent one was caught by permanently-disabled above.
		{name: "deactivated-account", class: SoftTemporary, reason: ReasonMailboxDisabled,
			match:   `\b(?:account|mailbox|user|recipient|address)\b(?:[^.;\n]|\.\S){0,30}\b(?:is |has been |was )?deactivated\b|\bdeactivated (?:account|mailbox|user)|` + deactivatedIntl,
			example: "550 5.2.1 This account has been deactivated"},
		// Dynamic or residential address space of the sending host (Outlook.com's
		// DY-001 goes on about "unauthenticated SMTP e-mail"): the IP.
		{name: "dynamic-ip", class: PolicyBlocked, reason: ReasonBlockedIP,
			match:   `\b(?:dynamic|residential|dial-?up|consumer) (?:ip|ips|ip's|ip address(?:es)?|address(?:es)? (?:space|pool|range)|pool|range)\b`,
			example: "550 DY-001 Mail rejected for policy reasons. We generally do not accept email from dynamic IP's as they are not typically used to deliver unauthenticated SMTP e-mail"},
		{name: "mbox-file", class: SoftMailboxFull, reason: ReasonMailboxFull,
			match:   `cannot (?:update|write|append to) mailbox|writing message: file too large|mailbox(?:[^.\n]|\.\S){0,40}file too large`,
			example: "cannot update mailbox /var/mail/jane for user jane. error writing message: File too large"},
	}, hostRules()...)
}

// hostRules: the rest of group 2, about the sending host and the route
// rather than the recipient: the sending IP's standing, loops, TLS.
func hostRules() []rule {
	return []rule{
		// Yahoo's per-IP codes (https://senders.yahooinc.com/smtp-error-codes)
		// name the sending IP, not the message: TS03 and TSS09 refuse it
		// for good; TS01, TS02 and TSS04 defer it for its complaints or an
		// unexpected volume, a rate (back off) caused by the IP's standing.
		{name: "yahoo-ip-refused", class: PolicyBlocked, reason: ReasonBlockedIP,
			match:   `\[tss?0[39]\]`,
			example: "553 5.7.1 [TS03] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed. See https://senders.yahooinc.com/smtp-error-codes"},
		{name: "yahoo-ip-deferred", class: RateLimited, reason: ReasonBlockedIP,
			match:   `\[tss?0[124]\]`,
			example: "421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"},
		// Spamhaus zones named alone ("listed in SBL", not the
		// zen.spamhaus.org of blocklist below), and mail refused "from"
		// an IP literal: the sending host's listing, which sender-rejected
		// below would read as the sender's address.
		{name: "spamhaus-zone", class: PolicyBlocked, reason: ReasonBlockedIP,
			match:   `\b(?:listed|found|blocked)\b[^.\n]{0,40}\b(?:sbl|xbl|pbl|zen|css)(?:[^.\w-]|$)|\b(?:sbl|xbl|pbl|css)\d+\b`,
			example: "550 5.7.1 Mail from 192.0.2.10 refused, listed in SBL, see https://www.spamhaus.org/sbl/query/SBL123"},
		{name: "mail-from-ip", class: PolicyBlocked, reason: ReasonBlockedIP,
			match:   `\bmail from \[?\d{1,3}(?:\.\d{1,3}){3}\]?(?:[^.\n]|\.\S){0,30}\b(?:rejected|refused|not accepted|blocked)`,
			example: "550 5.7.1 Mail from 192.0.2.10 refused"},
		{name: "loop", class: SoftTemporary, reason: ReasonLoop,
			match:   `mail (?:forwarding )?loop|loops? back to myself|loop (?:detected|count)|routing loop|too many hops|hop count (?:exceeded|limit)|max(?:imum)? hop|too many "?received"?(?: header| line)|detected a loop|boucle|schleife|bucle|петл`,
			example: "554 5.4.6 Too many hops 26 (25 max): from <news@brand.example> via mx.example.net, to <jane@example.net>"},
		// TLS that the sending side could not get or trust (Postfix's
		// smtp_tls_security_level, an MTA-STS policy, DANE TLSA records,
		// RFC 7672): the route fails for now, whatever status the relay
		// chose (4.7.4, 4.7.5); it says nothing of the recipient.
		{name: RuleTLSSendingSide, class: SoftTemporary, reason: ReasonNetwork,
			match:   `tls is required,? but (?:was )?not offered|server certificate not (?:verified|trusted)|certificate (?:verification|validation|verify) failed|\btlsa\b(?:[^.\n]|\.\S){0,40}(?:did not match|mismatch|lookup (?:error|failure)|fail)|\b(?:mta-sts|dane)\b(?:[^.\n]|\.\S){0,40}(?:fail|error|mismatch|not (?:verified|valid|match))|tls (?:handshake|negotiation) (?:failed|failure|error)|(?:cannot|could not|unable to) (?:start|negotiate|establish) (?:a )?tls`,
			example: "TLS is required, but was not offered by host mx.example.net[203.0.113.5]"},
		// The receiver demands TLS (RFC 3207 §4 "530 5.7.0 Must issue a
		// STARTTLS command first", RFC 3463 X.7.10 "Encryption needed"):
		// a refusal of how the mail was sent, not of the recipient.
		{name: "tls-required", class: PolicyBlocked, reason: ReasonPolicy,
			match:   `must issue a starttls|starttls (?:is )?(?:required|needed|mandatory)|\b(?:tls|ssl|encryption|encrypted (?:connection|channel|transport)) (?:is )?(?:required|needed|mandatory)\b|must use (?:tls|starttls|encryption)|require[sd]? (?:tls|starttls|encryption)`,
			example: "530 5.7.0 Must issue a STARTTLS command first"},
	}
}

// senderRules: group 3, relays and the sender's side.
func senderRules() []rule {
	return []rule{
		{name: "relay-denied", class: PolicyBlocked, reason: ReasonRelayDenied,
			match:   `relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited|refused)|not permitted to relay|(?:unable|not allowed|not authori[sz]ed) to relay|we do not relay|relaying (?:is )?(?:denied|disallowed)|list of allowed rcpthosts|non-accepted domain|not an? accepted domain|relay not permitted`,
			example: "554 5.7.1 <jane@example.net>: Relay access denied"},
		{name: "dmarc", class: PolicyBlocked, reason: ReasonAuthFailure, match: `\bdmarc\b`,
			example: "550 5.7.1 Email rejected per DMARC policy for brand.example"},
		{name: "spf", class: PolicyBlocked, reason: ReasonAuthFailure, match: `\bspf\b|sender policy framework`,
			example: "550 5.7.23 The message was rejected because of Sender Policy Framework violation"},
		{name: "dkim", class: PolicyBlocked, reason: ReasonAuthFailure, match: `\bdkim\b|domainkeys`,
			example: "550 5.7.30 Message rejected: DKIM signature verification failed"},
		{name: "unauthenticated", class: PolicyBlocked, reason: ReasonAuthFailure,
			match:   `unauthenticated|not authenticated|authentication (?:failed|failure|required|is required|check)|fails? (?:to pass )?authentication`,
			example: "550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users, and has been blocked."},
		// An unknown or invalid address in our From/Sender/Reply-To (a
		// header or the envelope sender) is about our message, not the
		// recipient: user-unknown below would suppress the recipient.
		{name: "sender-header-address", class: PolicyBlocked, reason: ReasonBlockedSender,
			match:   `\b(?:unknown|invalid|bad|unverified|non-?existent) (?:user|address|e-?mail address|domain|mailbox)\b(?:[^.\n]|\.\S){0,20}\b(?:in|of) (?:the |your )?(?:"?from:?"?|sender|reply-to|return-path|envelope sender|mail from)(?: header| field| address| line)?\b`,
			example: "550 5.7.1 Unknown user in your From header"},
		// "Sender IP reverse lookup rejected" names the sending host's
		// reverse DNS, not the sender address (reverse-dns, below, would
		// say so but comes after sender-rejected).
		{name: "sender-ip-reverse", class: PolicyBlocked, reason: ReasonBlockedIP,
			match:   `\bsender(?:'s)? (?:ip|host)(?: address)?\b(?:[^.\n]|\.\S){0,30}(?:reverse (?:dns|lookup)|\bptr\b|\brdns\b)`,
			example: "550 5.7.1 Sender IP reverse lookup rejected"},
		{name: "sender-rejected", class: PolicyBlocked, reason: ReasonBlockedSender,
			match: `\bsender domain must exist\b|\bsender\b(?:[^.\n]|\.\S){0,40}\b(?:rejected|refused|denied|blocked|not (?:found|allowed|permitted|authori[sz]ed|verified|accepted)|unknown|invalid|does ?n[o']t exist|verification failed|verify failed)` +
				`|\bsender\b(?:[^.\n]|\.\S){0,30}\b(?:null mx|no mx|has no mx)\b|\b(?:unknown|invalid|bad|unverified|unauthorized|blocked|banned) senders?\b|\bsender verify\b|\benvelope (?:sender )?blocked\b|\bmail from\b(?:[^.\n]|\.\S){0,30}\b(?:rejected|refused|not accepted)|return[- ]path(?:[^.\n]|\.\S){0,30}(?:rejected|invalid)|(?:your|the sender'?s?|sending) (?:e-?mail )?(?:address|domain)\b(?:[^.\n]|\.\S){0,30}\b(?:is |has been )?(?:blocked|rejected|banned|not allowed|blacklisted|listed)`,
			example: "553 Sender address rejected: Domain not found"},
		{name: "sender-rejected-intl", class: PolicyBlocked, reason: ReasonBlockedSender,
			match:   `(?:absender|expéditeur|expediteur|remitente|mittente|remetente|afzender|nadawc|odesílatel|gönderen|отправител|送信者|发件人|發件人|발신자|المرسل|השולח)(?:[^.\n]|\.\S){0,40}(?:abgelehnt|unbekannt|existiert nicht|gesperrt|rejet|inconnu|n'existe pas|bloqué|rechazad|desconocid|no existe|bloquead|rifiutat|sconosciut|bloccat|non (?:è )?valid|ungültig|invalide|no (?:es )?válid|inválid|rejeitad|desconhecid|geweigerd|onbekend|odrzuc|zablokowan|odmítnut|blokován|reddedildi|engellendi|не существует|неизвест|отклонен|заблокирован|拒否|拒绝|拒絕|거부|차단|مرفوض|محظور|נדחה|חסום)`,
			example: "550 El dominio del remitente no existe"},
		// The recipient refused mail from this sender (Korean 수신 거부,
		// Japanese 受信拒否): a block list the recipient keeps, not a dead
		// address.
		{name: "recipient-refuses-sender", class: PolicyBlocked, reason: ReasonBlockedSender,
			match:   `수신\s?거부(?:하였|했|되었|됨|설정|처리)|受信拒否|拒收(?:了)?(?:您|你)?的?(?:邮件|郵件)|(?:拒绝|拒絕)接收`,
			example: "받는 사람이 보낸 사람의 메일을 수신 거부하였습니다."},
		// The sender domain's DNS: IONOS refuses MAIL FROM with "invalid DNS
		// MX or A/AAAA resource record" after RFC 5321's stock "mailbox
		// unavailable", which user-unknown would read as the recipient's.
		{name: "sender-dns", class: PolicyBlocked, reason: ReasonBlockedSender,
			match:   `\binvalid (?:dns )?(?:mx|a|aaaa)(?: or (?:a|aaaa|a/aaaa))? (?:resource )?records?|\b(?:no|missing|invalid) (?:dns )?(?:mx or a|mx/a|a/aaaa|mx and a)(?:/aaaa)? (?:resource )?records?`,
			example: "550 Requested action not taken: mailbox unavailable 550 invalid DNS MX or A/AAAA resource record"},
		{name: "spoofing", class: PolicyBlocked, reason: ReasonBlockedSender,
			match:   `anti-?spoof|\bspoof(?:ed|ing)\b|unregistered (?:sending )?domains?|sending domain (?:is )?not registered`,
			example: "550 Rejected by header based Anti-Spoofing policy: news@brand.example"},
		{name: "reverse-dns", class: PolicyBlocked, reason: ReasonBlockedIP,
			match:   `reverse (?:dns|lookup|hostname|address)|\brdns\b|\bptr\b|cannot find your (?:reverse )?hostname|\bhelo\b(?:[^.\n]|\.\S){0,40}(?:rejected|invalid|not|denied|forged)|\bfcrdns\b`,
			example: "450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.10]"},
	}
}

// rateRules: group 4.
func rateRules() []rule {
	return []rule{
		{name: "rate-limit", class: RateLimited, reason: ReasonRateLimited, match: `rate[ -]?limit|\bthrottl|\brp:(?:trc|qrc)\b|\brl0{4}\d\d\b|\brp-00\d\b|limits for how many messages`,
			example: "451 4.7.650 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation."},
		{name: "too-many", class: RateLimited, reason: ReasonRateLimited,
			match:   `too many (?:messages|mails?|e-?mails|connections|concurrent|sessions|simultaneous|recipients|rcpts?|requests|deliveries|smtp)|слишком много|zu viele|trop de (?:messages|connexions)|demasiad[oa]s (?:mensajes|conexiones)|troppi (?:messaggi|connessioni)|demasiad|muitas (?:mensagens|conexões)|te veel|zbyt wiele|příliš mnoho|çok fazla`,
			example: "421 4.7.0 Too many concurrent SMTP connections from this IP address; please try again later"},
		{name: "sending-quota", class: RateLimited, reason: ReasonRateLimited,
			match:   `(?:sending|daily|hourly|outbound|message|recipient) (?:quota|limit) (?:exceeded|reached)|(?:daily|hourly) (?:user )?sending (?:quota|limit)`,
			example: "550 5.4.5 Daily user sending quota exceeded."},
		{name: "frequency", class: RateLimited, reason: ReasonRateLimited,
			match:   `frequen(?:cy|t)|per[- ](?:ip|host|sender|connection) (?:limit|rate|quota)|(?:connection|message|sending|recipient)s? limit (?:for|per|exceeded|reached)|limit (?:exceeded|reached) for (?:this |your )?(?:ip|host)|\bmax(?:imum)? (?:[\w-]+ ){1,4}per (?:hour|minute|day)\b|\bper (?:hour|minute|day) (?:limit|quota)|\bper (?:hour|minute|day) (?:message )?(?:receive|send|sending|delivery) (?:limit|quota)|\b(?:receive|receiving) (?:limit|quota)(?:[^.\n]|\.\S){0,40}exceeded|relay quota|quota(?:[^.\n]|\.\S){0,20}\b(?:relay|relaying|sending|outbound|submission|per ip)\b|\b(?:relay|relaying|sending|outbound|submission)\b(?:[^.\n]|\.\S){0,20}quota`,
			example: "450 4.7.1 Connection frequency limited for 192.0.2.10, try again later"},
		{name: "unsolicited-rate", class: PolicyBlocked, reason: ReasonBlockedIP, when: permanent,
			match:   `(?:unusual|high|suspicious|increased|large) (?:rate|volume|amount|number) of (?:unsolicited|spam|bulk|suspicious|junk)`,
			example: "550 5.7.1 Our system has detected an unusual rate of unsolicited mail originating from your IP address. Mail sent from your IP address has been blocked."},
		{name: "rate-words", class: RateLimited, reason: ReasonRateLimited,
			match:   `(?:sending|receiving|message|mail|connection|delivery) rate|unusual rate|at a rate|exceeded (?:the )?(?:maximum )?(?:allowed )?(?:rate|number of (?:messages|connections|recipients))|too (?:much mail|fast|quickly)|slow down`,
			example: "452 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered."},
		{name: "deferred-volume", class: RateLimited, reason: ReasonRateLimited,
			match:   `temporarily deferred|deferred due to|unexpected volume|(?:high|excessive|unusual) volume|mail flood`,
			example: "421 4.7.0 Messages from 192.0.2.10 temporarily deferred due to unexpected volume"},
		{name: "try-later-policy", class: RateLimited, reason: ReasonRateLimited, status: "x.7.", when: transient,
			match:   `try (?:again )?later|retry (?:again )?later|come back later|server busy`,
			example: "421 4.7.0 Try again later, closing connection. (EHLO) a640c23a62f3a-a9cd2c5a7c2si123456766b.123 - gsmtp"},
	}
}

// contentRules: group 5, lists, reputation and content.
func contentRules() []rule {
	return []rule{
		{name: "url-blocklist", class: SpamBlocked, reason: ReasonBlockedContent,
			match:   `\buribl\b|\bsurbl\b|dbl\.spamhaus|(?:url|uri|link|domain in (?:the )?(?:body|message))(?:[^.\n]|\.\S){0,30}(?:blocklist|blacklist|block list|black list|listed|blocked)|(?:blocked|blacklisted|listed) (?:url|uri|link)s?\b`,
			example: "554 5.7.1 Message rejected: contains a URL listed in multi.uribl.com"},
		{name: "provider-spam-code", class: SpamBlocked, reason: ReasonBlockedContent,
			match:   `\bdt:spm\b`,
			example: "554 DT:SPM 163 mx13,QMCowAC3v1YR5kJlWxD+Aw--.18212S2 1764584546"},
		{name: "ip-check-link", class: PolicyBlocked, reason: ReasonBlockedIP,
			match:   `\bipcheck\b|\bip=\d{1,3}\.\d{1,3}\.|\bdt:rbl\b`,
			example: "554 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.10"},
		{name: "blocklist", class: PolicyBlocked, reason: ReasonBlockedIP,
			match: `block ?list|black ?list|deny ?list|block-list|black-list|\(bl\)|\bdnsbl\b|\brbl\b|spamhaus|spamcop|barracuda ?(?:reputation|central)|barracudacentral|\bsorbs\b|uceprotect|\bpsbl\b|\bs3150\b|\bs3140\b` +
				`|(?:blocked|listed) (?:using|by|at|on|in) (?:the )?[a-z0-9-]+\.[a-z0-9.-]+|lista (?:negra|nera)|liste noire|sperrliste|schwarze(?:n)? liste|zwarte lijst|czarn(?:ej|a|ą) list|černé listin|черн(?:ом|ый|ого) спис|黑名单|黑名單|ブラックリスト|블랙리스트|kara liste|tiltólist|feketelist|lista neagr|μαύρη λίστα|svartlist|sortlist|estolist|mustalla listalla|mustalist|daftar hitam|senarai hitam|danh sách đen|บัญชีดำ|чорн(?:ому|ий|ого|ому) спис|القائمة السوداء|רשימה שחורה|llista negra|crn(?:a|oj) list|черен списък|черния списък|لیست سیاه|ब्लैकलिस्ट|juodąjį sąrašą|melnaj(?:ā|ais) sarakst|\b(?:is|are|was|were|been|currently) (?:black|block|dns)?listed\b|block listed|black listed|\bbl\d{2,6}\b`,
			example: "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10"},
		// Words, attachments or links a filter bans are the content, not
		// the sending host that reputation below would read in "banned".
		{name: "banned-content", class: SpamBlocked, reason: ReasonBlockedContent,
			match:   `\b(?:banned|prohibited|forbidden|disallowed|blacklisted|restricted) (?:words?|phrases?|terms?|expressions?|keywords?|content|attachments?|files?|file ?types?|file ?names?|extensions?|urls?|links?)\b|\bcontains? (?:an? )?(?:banned|prohibited|forbidden|disallowed)\b|\bid=[\w-]+ - banned\b|\bbanned: p=p\d`,
			example: "554 5.7.1 This message has been blocked because it contains a banned word"},
		// The sending domain's standing (not the IP's): a new source
		// address does not help, and must not be marked.
		{name: "domain-reputation", class: PolicyBlocked, reason: ReasonBlockedSender,
			match:   `reputation of (?:the |your )?(?:sending |sender'?s? |from )?domain|(?:sending |sender'?s? |from )domain(?:'s)? reputation|domain (?:has |with )?(?:a )?(?:poor|low|bad) reputation`,
			example: "550 5.7.1 Gmail has detected that this message is likely suspicious due to the very low reputation of the sending domain."},
		{name: "reputation", class: PolicyBlocked, reason: ReasonBlockedIP,
			match:   `reputation|sender ?score|\bbanned\b|(?:your|sending|client|the|this) ip\b(?:[^.\n]|\.\S){0,40}\b(?:blocked|banned|rejected|invalid|not (?:allowed|authori[sz]ed|permitted))|not authori[sz]ed to send (?:e-?mail )?directly|\bnot accepted from (?:this|your|the sending|the client) ip\b|\b(?:sc|ou|dy)-00\d\b`,
			example: "550 5.7.1 [192.0.2.10] Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address."},
		// An IP literal said to be blocked: "Connection refused: 192.0.2.10
		// blocked by Yahoo" refuses the sending host (a 5.7.x, not a
		// network failure, whatever "connection refused" says).
		{name: "ip-blocked", class: PolicyBlocked, reason: ReasonBlockedIP,
			match:   `\b\d{1,3}(?:\.\d{1,3}){3}\]?\)?:?\s+(?:is |has been |was |are )?(?:blocked|blacklisted|blocklisted|banned|listed)\b`,
			example: "554 5.7.1 Connection refused: 192.0.2.10 blocked by Yahoo"},
		// Postfix's check_recipient_access refusal is the receiver's
		// policy for that address, not the sending host (Office 365's
		// 5.4.1 wording is o365-directory, above).
		{name: "recipient-access-denied", class: PolicyBlocked, reason: ReasonPolicy,
			match:   `recipient address rejected: access denied`,
			example: "554 5.7.1 <rita@example.net>: Recipient address rejected: Access denied"},
		// QQ's "Mailbox not found or access denied" names the mailbox
		// first: a bare "access denied" after "not found or" is no host
		// refusal (sending-host below would read it so).
		{name: "not-found-or-denied", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match:   `\b(?:mail ?box|user|recipient|account|address)\b (?:not found|unknown|does ?n[o']t exist|not exist) or access denied\b`,
			example: "550 Mailbox not found or access denied"},
		// A bare "Access denied" refuses the connecting host; "Access
		// denied, <why>" (Exchange Online's 5.7.5xx/5.7.7xx) says why,
		// and the rules above or policy below read the why.
		{name: "sending-host", class: PolicyBlocked, reason: ReasonBlockedIP,
			match:   `\b(?:sending|your|client|connecting|source) (?:host|server|mta|ip(?: address)?|mail ?server|network|address)\b(?:[^.\n]|\.\S){0,40}\b(?:rejected|refused|denied|blocked|not (?:allowed|permitted|authori[sz]ed|accepted|welcome)|blacklisted|listed)|client host rejected|connection (?:refused|rejected|denied) (?:by|due to|for) (?:local )?(?:policy|administrator)|\baccess denied\.?(?:\s*$|\s*\n|\s+[\[(])|\bno access\b|(?:are|is) not allowed to (?:send|connect|deliver)|does not accept (?:e-?)?mail from (?:you|your|this)|refused to talk to me`,
			example: "554 5.7.1 Your mail server 192.0.2.10 is not allowed to connect"},
		{name: "virus", class: SpamBlocked, reason: ReasonVirus,
			match:   `\bvirus|malware|infected|trojan|\bworm\b|malicious (?:attachment|content|file|link|url)|dangerous (?:attachment|content)|вирус|ウイルス|病毒|바이러스|فيروس|וירוס|wirus|vir(?:us|y) |virüs`,
			example: "554 5.7.1 Message rejected: the attachment contains a virus (Eicar-Test-Signature)"},
		{name: "spam", class: SpamBlocked, reason: ReasonBlockedContent,
			match:   `\bspam\b|\bspammy\b|unsolicited|\bu(?:ce|be)\b|junk (?:e-?)?mail|bulk (?:e-?)?mail|` + spamIntl,
			example: "550 5.7.1 [192.0.2.10] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked."},
		{name: "too-large", class: SpamBlocked, reason: ReasonMessageTooLarge,
			match:   `\b(?:message|mail|e-?mail|headers?|attachments?)\b(?:[^.\n]|\.\S){0,20}(?:too (?:large|big|long)|size (?:exceeds|limit|too)|exceeds?(?:[^.\n]|\.\S){0,30}(?:size|limit|maximum|length))|\bmessage size\b|exceeds (?:the )?(?:maximum|max|allowed|fixed) (?:message )?size|size exceeds (?:the )?(?:fixed |maximum )?(?:message )?(?:size )?limit|zu gro(?:ß|ss)|trop (?:gros|volumineux)|demasiado grande|troppo grande`,
			example: "552 5.3.4 Message size exceeds fixed limit"},
		{name: "malformed", class: SpamBlocked, reason: ReasonBlockedContent,
			match:   `8-?bit|8bitmime|non-?ascii|bare (?:lf|cr|linefeed|newline)|malformed|invalid (?:header|mime|message|character|charset|content)|header (?:syntax|line|field)(?:[^.\n]|\.\S){0,20}(?:invalid|too long|error)|line (?:too long|length exceeded)|rfc ?(?:2?822|5322|5321)(?:[^.\n]|\.\S){0,20}(?:complian|violat|conform)|not (?:rfc|standards?)[- ]compliant|missing (?:an? )?(?:valid |required )?(?:header|date|from|message-id)|missing (?:an? )?(?:valid |required )?(?:[\w:-]+ ){1,4}header\b|\brfcmessagenoncompliant\b|duplicate header|syntax error in (?:the )?(?:message|header)`,
			example: "554 5.6.1 Message contains NUL characters or 8-bit data without BODY=8BITMIME"},
		{name: "content", class: SpamBlocked, reason: ReasonBlockedContent,
			match:   `\bmessage (?:was )?filtered\b|:blocked\)|content (?:filter|rejected|refused|denied|blocked|policy|not accepted|scan)|blocked content|message content|unacceptable content|(?:rejected|refused|blocked) (?:because|due to|for)(?: of)? (?:its |the |message )?content|potential security issue|security threat|phish|malicious|spamassassin|high probability|\bscore (?:too high|exceeds?|above)|flagged as|detected as|(?:attachment|file) (?:type )?(?:not allowed|blocked|prohibited|rejected)`,
			example: "554 5.7.1 Message rejected because of unacceptable content."},
	}
}

// mailboxFullRules: group 6, English and the wordings of mailbox size.
func mailboxFullRules() []rule {
	return []rule{
		{name: "mailbox-full", class: SoftMailboxFull, reason: ReasonMailboxFull,
			match: `(?:mail ?box|inbox|mail ?folder|mail ?drop)(?:es)?\b(?:[^.\n]|\.\S){0,40}\b(?:full|out of (?:space|storage))\b|\b(?:account|user|recipient)(?:'s)?\b(?:[^.\n]|\.\S){0,30}\b(?:is|was) full\b|full mailbox` +
				`|(?:over|exceeded?|exceeds|exceeding|above|reached)\b(?:[^.\n]|\.\S){0,20}\b(?:quota|storage (?:allocation|limit|quota)|size limit|disk quota)|quota ?(?:exceeded|exceed|full|reached|limit)|quota (?:usage )?(?:exceeded|reached)|overquota|over-quota` +
				`|insufficient (?:user )?(?:disk )?(?:space|quota)|storage (?:space )?(?:full|exceeded|limit)|\bmailbox (?:size|storage) (?:limit|exceeded)` +
				`|mailbox (?:has )?(?:exceeded|reached|is over) (?:its |the )?(?:size|storage|maximum|limit)|(?:size|storage) of (?:the )?(?:recipient'?s? )?mailbox|not enough (?:disk |storage )?space|mailbox (?:is )?(?:too (?:large|big)|would exceed|exceeds)|exceeds? (?:the )?(?:recipient'?s? )?mailbox (?:size|storage|limit)`,
			example: "552 5.2.2 The email account that you tried to reach is over quota."},
	}
}

// domainRules: group 7, domains without mail service. Sticky: a null
// MX (RFC 7505), an empty MX answer or NXDOMAIN is dead whatever code the
// reporting MTA chose, unless the text says the lookup failed for now
// (dns-temporary comes earlier, and finish checks again).
func domainRules() []rule {
	return []rule{
		{name: "domain-no-mail", class: HardInvalidRecipient, reason: ReasonDomainNotFound, sticky: true,
			match:   `\b(?:no|null) mx\b|no mail ?exchangers?|mail exchanger(?:[^.\n]|\.\S){0,20}(?:not found|missing)|mx (?:record )?(?:lookup )?(?:returned )?(?:no|empty) (?:data|records?|answer)|(?:empty|no) mx (?:answer|records?|hosts?)|answer with no data|domain (?:has no|without) mail|does not accept (?:e-?)?mail|accepts no mail|rfc ?7505|unrout(?:e)?able (?:mail )?domain|mx records? points? to non-?existent hosts?|\b(?:mx|srv) (?:or srv |or mx )?record indicated no smtp service`,
			example: "451 4.1.10 <jane@example.net>: Recipient address rejected: Domain example.net does not accept mail (nullMX)"},
		{name: "domain-not-found", class: HardInvalidRecipient, reason: ReasonDomainNotFound, sticky: true,
			match:   `\b(?:host|domain)(?: name)? (?:or domain name )?(?:not found|does ?n[o']t exist|unknown)|name service error|\bnxdomain\b|\bdomain [a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,63} (?:does ?n[o']t exist|not found|is unknown)|unknown domain|no such (?:host|domain)|non-?existent domain|domain (?:name )?(?:is )?(?:invalid|not valid)|invalid domain|domain name not found|\bdomain(?: name)?(?: \(?[^)\s]{1,80}\)?)? (?:does not appear to be|is not|isn't) registered`,
			example: "Host or domain name not found. Name service error for name=example.invalid type=A: Host not found"},
	}
}

// recipientRules: group 7, dead addresses in English.
func recipientRules() []rule {
	return []rule{
		{name: "mailbox-disabled", class: HardInvalidRecipient, reason: ReasonMailboxDisabled,
			match:   `\b(?:user|recipient|mailbox|account|address)\b(?:[^.\n]|\.\S){0,30}\b(?:discontinued|(?:has been |was )(?:closed|terminated|deleted|removed))\b|\baccount (?:has been )?(?:closed|terminated|deleted)\b|\b(?:closed|deleted) (?:user|recipient|mailbox|account|e-?mail account)|` + closedIntl,
			example: "550 5.2.1 The account has been closed permanently."},
		{name: "user-unknown", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match: `\b(?:user|recipient|addressee|mailbox|account|address|local user|local-part|username|rcpt)\b(?:[^.\n]|\.\S){0,30}\b(?:unknown|not found|not known|do(?:es|s)?n[o']?t exist|not exist|no longer (?:exists|valid|active|available|in use)|non-?existent|invalid|is not valid|not a valid|not recogni[sz]ed)\b` +
				`|\b(?:unknown|invalid|non-?existent|nonexisting|unrecogni[sz]ed|bad destination|not a valid) (?:user|recipient|addressee|mailbox|account|e-?mail address|address|local[- ]part|destination mailbox)`,
			example: "550 5.1.1 <jane@example.net>: Recipient address rejected: User unknown in virtual mailbox table"},
		{name: "no-such-user", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match: `no such (?:user|recipient|mailbox|account|address|person|local user)|\bno mailbox\b|mailbox not found|there is no (?:user|mailbox|account)|does ?n[o']t have an? [a-z0-9.-]*\s?account|not our customer` +
				`|no longer (?:with|employed|works?|at)\b|left the (?:company|organi[sz]ation)|unroute?able address|user not local|no valid (?:recipients?|mailbox)|address (?:(?:that )?you entered )?(?:couldn't|could not|can't|cannot|wasn't|was not) (?:be )?found`,
			example: "550 sorry, no mailbox here by that name. (#5.1.1)"},
	}
}

// expiredRules: the retry period ran out. After the recipient and mailbox
// rules, as an expiry notice often quotes the last reply ("mailbox quota
// exceeded", "user unknown" under a 4xx), which says more.
func expiredRules() []rule {
	return []rule{
		{name: "expired", class: SoftTemporary, reason: ReasonExpired,
			match:   `(?:delivery time|delivery|message|lifetime) (?:has )?expired|expired in (?:the )?queue|retry (?:time(?:out)?|period) (?:exceeded|expired)|retry time not reached|retries exhausted|could not be delivered within|(?:could not|couldn't|cannot) (?:be delivered|send message) for \d+ days?|will be deleted from (?:the )?queue|too long in (?:the )?queue|(?:been|was) (?:in the queue|queued) (?:for )?too long|gave up|giving up|(?:have|has|had) given up|no (?:further|more) (?:delivery )?(?:attempts|retries) will be made|(?:will (?:not|no longer)|won't) (?:be )?retr(?:y|ied)(?:[.;,!)]|\s*$|\s+(?:again|any ?more|further))|undeliverable for \d+ days|maximum (?:time|retries|delivery attempts)|delivery attempts (?:have )?(?:failed|expired|exhausted)|(?:unable|failed) to deliver(?:[^.\n]|\.\S){0,40}(?:for|within|after) \d+ (?:days|hours)|\btried \d+ times (?:over|in|during) \d+ (?:days?|hours?)|\bafter (?:retrying |trying |(?:multiple|repeated|several|\d+) attempts )?(?:for|over) \d+ (?:days?|hours?)|\bafter \d+ (?:days?|hours?) of (?:attempts|retrying|trying|retries|delivery attempts)|` + expiredIntl,
			example: "451 4.4.7 Message expired, unable to deliver in 840 minutes"},
	}
}

// genericRules: group 8.
func genericRules() []rule {
	return []rule{
		{name: "policy", class: PolicyBlocked, reason: ReasonPolicy,
			match:   `\bpolic(?:y|ies)\b|\baccess denied\b|administrative(?:ly)? (?:denied|prohibit)|will not accept (?:delivery of )?(?:this|your) (?:message|mail)|service refus(?:ed|é|e)\b|not (?:on the )?(?:whitelist|allowlist|allow list)`,
			example: "554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes"},
		{name: "network", class: SoftTemporary, reason: ReasonNetwork,
			match:   `timed? ?out|connection (?:refused|reset|closed|lost|dropped|failed)|\bnetwork error\b|lost connection|no route to host|network (?:is )?unreachable|\b(?:host|domain|destination)\b(?:[^.\n]|\.\S){0,40}\bunreachable|unreachable (?:host|domain|destination)|(?:could not|unable to|failed to) connect|tls (?:handshake )?(?:failed|error)|broken pipe`,
			example: "Connect to mx.example.net[192.0.2.25]:25: Connection timed out"},
		{name: "system-error", class: SoftTemporary, reason: ReasonSystemError,
			match:   `mailer error|local delivery failed|(?:internal|system|local|server|configuration|mail system|processing|software|storage|database) (?:error|failure|problem)|internal server|mail system (?:problem|failure)|out of memory|resources? (?:are |is )?(?:temporarily )?unavailable|insufficient system (?:storage|resources)|queue (?:is )?full|delivery to (?:a )?(?:local )?(?:mailbox|program|pipe|file) failed|(?:unable|failed) to (?:process|store|write)|` + systemIntl,
			example: "451 4.3.0 Mail server error, please contact your administrator"},
		// A success notice in prose (Exchange's "Relayed:" report), after
		// every failure phrase.
		{name: "success-words", class: Other, reason: ReasonSuccess,
			match:   `delivery to (?:these|the following) recipients(?: or (?:groups|distribution lists))? (?:is complete|succeeded|was successful)|(?:has been|was) successfully delivered to|was successfully delivered to the following|delivered to the (?:recipient'?s? )?mailbox successfully`,
			example: "Delivery to these recipients or groups is complete, but no delivery notification was sent by the destination server:"},
		{name: "temporary", class: SoftTemporary, reason: ReasonTemporary,
			match:   `temporar(?:y|ily)|try (?:again )?later|retry later|please retry|transient|tempfail|server busy|system busy|` + temporaryIntl,
			example: "451 4.3.0 Temporary failure, please try again"},
	}
}

// weakRules: only when neither the rules above nor the status code
// decided; never decisive.
func weakRules() []rule {
	return []rule{
		{name: "mailbox-unavailable", class: HardInvalidRecipient, reason: ReasonUserUnknown, weak: true, when: permanent,
			match:   `mailbox (?:is )?(?:currently )?(?:unavailable|not available)|requested action not taken: mailbox|(?:user|recipient) (?:is )?(?:unavailable|not available)`,
			example: "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302)"},
		{name: "does-not-exist", class: HardInvalidRecipient, reason: ReasonUserUnknown, weak: true, when: permanent,
			match:   `does ?n[o']t exist|not exist\b|existiert nicht|не существует`,
			example: "550 <jane@example.net>... does not exist"},
		{name: "blocked", class: PolicyBlocked, reason: ReasonPolicy, weak: true,
			match:   `\bblocked\b|\bdenied\b|not (?:allowed|authori[sz]ed|permitted)|prohibited|forbidden|\brefused\b|\brejected\b`,
			example: "550 Your message was blocked"},
		// RFC 5321's stock 421/554 text: on a 4xx the site is busy or
		// closing (the basic code says temporary), on a 5xx it refuses.
		{name: "service-unavailable", class: PolicyBlocked, reason: ReasonPolicy, weak: true, when: permanent,
			match:   `service (?:unavailable|not available)`,
			example: "554 Service unavailable"},
	}
}

// statusTable maps RFC 3463 enhanced codes to classes by subject.detail, or
// by subject alone (key "7"). Codes with an empty class give no opinion, so
// the weak rules and the basic code decide; they are listed so the reader
// sees they were considered.
func statusTable() []statusRule {
	return []statusRule{
		{"0.0", "", "", "other undefined status"},
		{"1.0", "", "", "other address status"},
		{"1.1", HardInvalidRecipient, ReasonUserUnknown, "bad destination mailbox address"},
		{"1.2", HardInvalidRecipient, ReasonDomainNotFound, "bad destination system address"},
		{"1.3", HardInvalidRecipient, ReasonUserUnknown, "bad destination mailbox address syntax"},
		{"1.4", "", "", "destination mailbox address ambiguous"},
		{"1.6", HardInvalidRecipient, ReasonUserUnknown, "destination mailbox has moved, no forwarding address"},
		{"1.7", PolicyBlocked, ReasonBlockedSender, "bad sender's mailbox address syntax"},
		{"1.8", PolicyBlocked, ReasonBlockedSender, "bad sender's system address"},
		{"1.10", HardInvalidRecipient, ReasonDomainNotFound, "recipient address has null MX (RFC 7505)"},
		{"2.0", "", "", "other or undefined mailbox status"},
		{"2.1", SoftTemporary, ReasonMailboxDisabled, "mailbox disabled, not accepting messages: often for now (see temporarily-disabled)"},
		{"2.2", SoftMailboxFull, ReasonMailboxFull, "mailbox full"},
		{"2.3", SpamBlocked, ReasonMessageTooLarge, "message length exceeds administrative limit"},
		{"2.4", Other, ReasonUnclassified, "mailing list expansion problem"},
		{"3.0", "", "", "other or undefined mail system status"},
		{"3.1", SoftTemporary, ReasonSystemError, "mail system full"},
		{"3.2", SoftTemporary, ReasonSystemError, "system not accepting network messages"},
		{"3.4", SpamBlocked, ReasonMessageTooLarge, "message too big for system"},
		{"3.5", SoftTemporary, ReasonSystemError, "system incorrectly configured"},
		{"4.1", SoftTemporary, ReasonNetwork, "no answer from host"},
		{"4.2", SoftTemporary, ReasonNetwork, "bad connection"},
		{"4.3", SoftTemporary, ReasonSystemError, "directory server failure"},
		{"4.4", "", "", "unable to route: the text says whether the domain exists"},
		{"4.5", SoftTemporary, ReasonSystemError, "mail system congestion"},
		{"4.6", SoftTemporary, ReasonLoop, "routing loop detected"},
		{"4.7", SoftTemporary, ReasonExpired, "delivery time expired"},
		{"5.0", "", "", "other or undefined protocol status"},
		{"5.3", RateLimited, ReasonRateLimited, "too many recipients"},
		{"6", SpamBlocked, ReasonBlockedContent, "message content or media errors (X.6.x)"},
		{"6.0", "", "", "other or undefined media error"},
		{"7", PolicyBlocked, ReasonPolicy, "security or policy status (X.7.x)"},
		{"7.23", PolicyBlocked, ReasonAuthFailure, "SPF validation failed (RFC 7372)"},
		{"7.25", PolicyBlocked, ReasonBlockedIP, "reverse DNS validation failed (RFC 7372)"},
		{"7.26", PolicyBlocked, ReasonAuthFailure, "multiple authentication checks failed (RFC 7372)"},
		{"7.27", PolicyBlocked, ReasonBlockedSender, "sender address has null MX (RFC 7505)"},
		{"7.28", RateLimited, ReasonRateLimited, "Gmail's rate limiting of unusual volumes"},
	}
}
