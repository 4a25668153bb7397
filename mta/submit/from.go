package submit

import (
	"io"
	"mime"
	"net/mail"
	"strings"

	"github.com/emersion/go-smtp"
)

// The header From policy. The envelope sender is checked at MAIL
// (Tenant.MaySend), but what a reader sees, and what DMARC aligns on, is
// the From header field: without this policy a tenant authorised for
// sender.example could send "From: Boss <boss@other-tenant.example>"
// (unsigned, but accepted and delivered). So every address of the From
// field, and of the Sender field when there is one, must be in one of the
// tenant's sender domains (subdomains included) or on its FromAllow list.
// So must every address of the Resent-From and Resent-Sender fields (RFC
// 5322 §3.6.6): readers show them as who re-sent the message, "From X on
// behalf of Y", and they are another way to speak as someone else.

// refuseFromCount is the reply to a message without exactly one From
// field, or with one that does not parse: RFC 5322 §3.6 allows exactly
// one, and a receiver would have to guess which address is the author.
// The same reply as the signer's (errUnsignable), so that a tenant without
// a DKIM key gets it too.
var (
	refuseFromCount = &refusal{"bad_from", errUnsignable}
	refuseSenderHdr = &refusal{"bad_from", &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "Message may have at most one valid Sender header"}}
	refuseResentHdr = &refusal{"bad_from", &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "Resent-From and Resent-Sender headers must hold valid addresses"}}
)

// fromPolicy checks the addresses of the From, Sender, Resent-From and
// Resent-Sender fields (from p) against what t may use; nil means the
// message may go.
func fromPolicy(t *Tenant, p *prepared) *refusal {
	from, sender := p.from, p.sender
	if len(from) != 1 {
		return refuseFromCount
	}
	addrs, ok := headerAddresses(from[0])
	if !ok {
		return refuseFromCount
	}
	for _, a := range addrs {
		if !t.mayUseHeaderAddress(a) {
			return notAllowed("From", a)
		}
	}
	if len(sender) > 1 {
		return refuseSenderHdr
	}
	if len(sender) == 1 {
		addrs, ok := headerAddresses(sender[0])
		if !ok {
			return refuseSenderHdr
		}
		for _, a := range addrs {
			if !t.mayUseHeaderAddress(a) {
				return notAllowed("Sender", a)
			}
		}
	}
	// Resent blocks may repeat, one per re-sending (§3.6.6), so there
	// is no count to check: every address of every one must be the
	// tenant's.
	for _, f := range []struct {
		name   string
		values []string
	}{{"Resent-From", p.resentFrom}, {"Resent-Sender", p.resentSender}} {
		for _, v := range f.values {
			addrs, ok := headerAddresses(v)
			if !ok {
				return refuseResentHdr
			}
			for _, a := range addrs {
				if !t.mayUseHeaderAddress(a) {
					return notAllowed(f.name, a)
				}
			}
		}
	}
	return nil
}

// notAllowed is the 550 5.7.1 refusal naming the field and the address's
// domain. The domain is the tenant's text: it is named only when it is
// printable ASCII of reasonable length (a reply is ASCII, RFC 5321
// §4.2), never echoed raw.
func notAllowed(field, addr string) *refusal {
	text := field + " header address not allowed for this account"
	if d := domainOf(addr); len(d) <= 255 && printableASCII(d) {
		text += ": " + d
	}
	return &refusal{"from_not_allowed", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: text}}
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// headerAddresses returns every addr-spec in a From or Sender field value
// (RFC 5322 §3.6.2: a mailbox list, with RFC 6854's groups, display names,
// comments, quoted local parts, RFC 2047 encoded words), and false when it
// does not parse or holds no address at all (an empty group alone names
// no author). net/mail parses; encoded words in any charset are passed
// through as bytes (as the DKIM signer does) rather than failing the
// whole field on a charset Go does not know: only the addresses matter.
// Every address must have a domain.
func headerAddresses(v string) ([]string, bool) {
	p := mail.AddressParser{WordDecoder: &mime.WordDecoder{
		CharsetReader: func(_ string, input io.Reader) (io.Reader, error) { return input, nil },
	}}
	list, err := p.ParseList(v)
	if err != nil || len(list) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		if at := strings.LastIndexByte(a.Address, '@'); at <= 0 || at == len(a.Address)-1 {
			return nil, false
		}
		out = append(out, a.Address)
	}
	return out, true
}

// domainOf returns addr's domain, ASCII letters lower-cased (see
// asciiLower: never Unicode case rules), without a trailing dot.
func domainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	return asciiLower(strings.TrimSuffix(addr[at+1:], "."))
}

// inDomain reports whether dom (from domainOf) is d or a subdomain of d;
// d is compared ASCII-case-insensitively, with or without a trailing dot.
// A domain with non-ASCII bytes (U-labels, RFC 5890) matches only a
// configured domain that has non-ASCII bytes too, byte for byte: an ASCII
// domain is never matched by a Unicode spelling. IDNA mapping (UTS #46)
// is not applied here on purpose: it maps U+212A KELVIN SIGN to "k",
// which is how "\u212Ak.example" would pass for kk.example; a tenant that
// sends from a U-label domain configures that spelling.
func inDomain(dom, d string) bool {
	d = asciiLower(strings.TrimSuffix(d, "."))
	if d == "" || !isASCII(dom) && isASCII(d) {
		return false
	}
	return dom == d || strings.HasSuffix(dom, "."+d)
}

// mayUseHeaderAddress reports whether t may put addr in a From or Sender
// field: its domain is one of SenderDomains or FromAllow's domains (or a
// subdomain of one), or FromAllow lists the address itself (compared
// ASCII-case-insensitively: an allow list names a mailbox, not a
// spelling; any other byte must match exactly).
func (t *Tenant) mayUseHeaderAddress(addr string) bool {
	dom := domainOf(addr)
	for _, d := range t.SenderDomains {
		if inDomain(dom, d) {
			return true
		}
	}
	for _, a := range t.FromAllow {
		if strings.IndexByte(a, '@') >= 0 {
			if asciiEqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(addr, ".")) {
				return true
			}
		} else if inDomain(dom, a) {
			return true
		}
	}
	return false
}
