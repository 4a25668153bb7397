package submit

import (
	"sluice/mta/outbound"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Envelope mailbox syntax (RFC 5321 §4.1.2, RFC 6531 §3.3).
//
// go-smtp hands the session a path with its quotes taken off: MAIL
// FROM:<"x@b.test> BODY=8BITMIME"@c.test> arrives as
// `x@b.test> BODY=8BITMIME@c.test`, and "v@w"@r.test as v@w@r.test. Such a
// string cannot be written back on a command line as it is (the receiver
// would read another reverse-path and parameters), and every consumer of
// an envelope address here (the sender-domain check, suppression keys,
// VERP, logs, webhooks) reads it as local@domain split at the last "@".
// So submission accepts only local parts that need no quoting: atext and
// dots (a quoted "a.b" is the same mailbox as a.b, RFC 5321 §4.1.2, and
// passes), plus UTF-8 under SMTPUTF8. RFC 5321 §4.1.2 itself says hosts
// SHOULD avoid mailboxes that need the Quoted-string form; they are not
// seen in bulk mail. Dots out of place (a..b, a.) pass: old mobile
// carriers' mailboxes have them, and mta/outbound quotes them on output.
//
// The domain must be one name written one way: LDH labels (RFC 5321
// Domain, RFC 1035 §2.3.1) or U-labels in the form IDNA reads back from
// their A-labels (RFC 5891), no empty label (so no
// leading, doubled or trailing dot: "r.test." is r.test to DNS and to
// receivers, and would name a suppressed mailbox in a form its key does
// not match), no IDNA dot look-alikes (U+3002, U+FF0E, U+FF61, which IDNA
// maps to "."), and no address literal (a mailbox at an IP address is the
// same mailbox as at a name for that IP, and would let a tenant aim sluice
// at any host, internal ones included).

// Address problems, as addressProblem reports them (fixed texts, never the
// address itself).
const (
	probNone        = ""
	probShape       = "not local@domain within RFC 5321 lengths"
	probLocal       = "local part needs quoting (RFC 5321 section 4.1.2); use a dot-atom"
	probLiteral     = "address literals are not accepted; use a domain name"
	probTrailingDot = "domain has a trailing dot"
	probDomain      = "domain is not a valid host name"
	probRouting     = "local part contains % or ! (percent hack or bang path routing, RFC 5321 Appendix C); these are not accepted"
	probLocalForm   = "non-ASCII local part is not in Unicode normal form (RFC 6530 section 10.1); send it composed (NFC), without full-width, compatibility or invisible format characters"
	probNumeric     = "domain ends in a numeric label (an IP address written as a name); use a domain name"
	probLocalHost   = "domain is reserved for the local host (RFC 6761 section 6.3, 6.4: localhost, invalid)"
)

// ValidAddress checks the shape of an envelope mailbox as submission
// accepts it (see above): local@domain within RFC 5321 §4.5.3.1 lengths,
// valid UTF-8 (RFC 6531), a local part that needs no quoting and one
// domain name. It is the rule MAIL and RCPT apply (after
// checkAddressBytes has refused controls and undeclared UTF-8), exported
// so that operator tools naming a recipient (data subject requests) apply
// the same one.
func ValidAddress(a string) bool {
	return addressProblem(a) == probNone
}

// addressProblem returns what is wrong with a as an envelope mailbox, or
// probNone.
func addressProblem(a string) string {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || len(a) > 254 || at > 64 || !utf8.ValidString(a) {
		return probShape
	}
	if !dotAtomText(a[:at]) {
		return probLocal
	}
	return domainProblem(a[at+1:])
}

// mailboxProblem is what MAIL and RCPT refuse: addressProblem's syntax,
// then two rules about mailboxes that another host would read as some
// other mailbox, so that a suppression, a sender-domain check or a
// de-duplication keyed by the address as written would miss them:
//
//   - routing in the local part. "victim%r.test@relay.test" is delivered
//     to victim@r.test by a receiver that still honours the percent hack
//     (Postfix's allow_percent_hack is on by default; RFC 5321 Appendix C
//     discourages it), and "r.test!victim@relay.test" likewise by one that
//     rewrites UUCP bang paths (Postfix's swap_bangpath). No suppression of
//     victim@r.test, and no reputation count, sees them. "%" and "!" are
//     atext, but no bulk mailbox needs them, so both are refused, from
//     senders too (a bounce to such a return path would be routed to a
//     third party). The other routing forms are refused already: source
//     routes ("@a.test:b@c.test") are dropped by the parser, and the
//     quoted forms ("b@c"@d, DECnet "host::user") need quoting.
//   - Unicode spellings of one local part (RFC 6530 §10.1, RFC 6532 §3.1:
//     NFC). A receiver that normalises delivers "ju\u0308rgen" (NFD) and
//     "ｊürgen" (full-width) to jürgen's mailbox; a non-ASCII local part
//     must therefore be what NFKC leaves unchanged (which implies NFC)
//     and hold no format characters (U+200B, U+00AD, bidi controls), which
//     NFKC keeps but readers and some receivers drop. Refusing rather than
//     rewriting keeps the envelope the tenant sent; queue.NormalizeAddr
//     puts local parts in NFC besides, for addresses from elsewhere.
//
// These are submission's rules, not ValidAddress's: an address accepted
// before them and stored must stay reachable by data subject requests.
func mailboxProblem(a string) string {
	if prob := addressProblem(a); prob != probNone {
		return prob
	}
	local := a[:strings.LastIndexByte(a, '@')]
	if strings.ContainsAny(local, "%!") {
		return probRouting
	}
	if !isASCII(local) && !normalLocal(local) {
		return probLocalForm
	}
	return probNone
}

// rcptProblem is what RCPT refuses: mailboxProblem's rules, then two
// about where the mail would go. An address literal is refused already
// (it would aim sluice at any host, internal ones included); these are
// the same aim written as a name:
//
//   - a last label of digits only ("v@127.0.0.1", "v@2130706433"): no
//     top-level domain is all-numeric (RFC 3696 §2, RFC 1123 §2.1), so
//     such a "domain" is an IP address, which some resolvers and stub
//     libraries answer as itself;
//   - localhost and invalid and their subdomains (RFC 6761 §6.3, §6.4):
//     resolvers SHOULD answer localhost names with the loopback address.
//
// Senders keep mailboxProblem's rule alone: a tenant's sender domains are
// the operator's to choose (the development tenant's is localhost).
func rcptProblem(a string) string {
	if prob := mailboxProblem(a); prob != probNone {
		return prob
	}
	dom := a[strings.LastIndexByte(a, '@')+1:]
	last := dom[strings.LastIndexByte(dom, '.')+1:]
	if strings.Trim(last, "0123456789") == "" {
		return probNumeric
	}
	if strings.EqualFold(last, "localhost") || strings.EqualFold(last, "invalid") {
		return probLocalHost
	}
	return probNone
}

// normalLocal reports whether a non-ASCII local part is in the one form
// mailboxProblem accepts: unchanged by NFKC, no format characters.
func normalLocal(local string) bool {
	for _, r := range local {
		if unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return norm.NFKC.IsNormalString(local)
}

// dotAtomText reports whether local is atext and dots only (RFC 5322
// §3.2.3), non-ASCII counting as atext (RFC 6531 §3.3). Dot placement is
// not checked (see the package comment above).
func dotAtomText(local string) bool {
	for _, r := range local {
		if r < 0x80 && r != '.' && !outbound.IsAtext(byte(r)) || r >= 0x80 && r < 0xa0 {
			return false
		}
	}
	return true
}

// domainProblem checks an envelope domain: probNone, or what is wrong.
func domainProblem(dom string) string {
	switch {
	case dom == "" || len(dom) > 253:
		return probShape
	case dom[0] == '[':
		return probLiteral
	case strings.HasSuffix(dom, "."):
		return probTrailingDot
	case strings.ContainsAny(dom, "\u3002\uff0e\uff61"):
		return probDomain
	}
	ascii := true
	for label := range strings.SplitSeq(dom, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return probDomain
		}
		for _, r := range label {
			switch {
			case r >= 0x80:
				ascii = false
			case r == '-', '0' <= r && r <= '9', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			default:
				return probDomain
			}
		}
	}
	if !ascii {
		// U-labels: what IDNA (RFC 5891 lookup) cannot turn into an
		// A-label names no host, and one it maps to another form
		// (full-width letters, upper-case non-ASCII, a label already an
		// A-label among U-labels) names a host in a second form: the
		// domain must be what the A-label reads back as (ASCII case
		// aside).
		a, err := idna.Lookup.ToASCII(dom)
		if err != nil {
			return probDomain
		}
		if u, err := idna.Lookup.ToUnicode(a); err != nil || u != asciiLower(dom) {
			return probDomain
		}
	}
	return probNone
}

// senderSyntax and rcptSyntax are the replies to a MAIL or RCPT address
// addressProblem refuses: 553 5.1.7 (bad sender's mailbox syntax) and 501
// 5.1.3 (bad destination mailbox syntax), RFC 3463 §3.2; the text says
// what is wrong.
func senderSyntax(prob string) *refusal {
	return &refusal{"bad_sender_syntax", &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 7},
		Message: "Bad sender address syntax: " + prob}}
}

func rcptSyntax(prob string) *refusal {
	return &refusal{"bad_address", &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3},
		Message: "Bad recipient address syntax: " + prob}}
}
