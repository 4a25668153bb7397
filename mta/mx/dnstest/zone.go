package dnstest

import (
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// node is everything configured for one name.
type node struct {
	mx    []*dns.MX // TTL filled in when answering
	a     []netip.Addr
	aaaa  []netip.Addr
	cname string // FQDN target, "" if none
	txt   [][]string

	rcode    int // forced rcode, -1 if none
	delay    time.Duration
	hold     chan struct{} // closed by Hold's release
	truncate bool
}

func newNode() *node { return &node{rcode: -1} }

// hasData reports whether the name owns records, which makes it exist.
func (n *node) hasData() bool {
	return len(n.mx) > 0 || len(n.a) > 0 || len(n.aaaa) > 0 || n.cname != "" || len(n.txt) > 0
}

// canonical returns name lower case and fully qualified, the form of zone
// keys.
func canonical(name string) string { return dns.CanonicalName(name) }

// records returns the records of qtype owned by name, with ttl.
func (n *node) records(name string, qtype uint16, ttl uint32) []dns.RR {
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
	}
	var out []dns.RR
	switch qtype {
	case dns.TypeMX:
		for _, mx := range n.mx {
			out = append(out, &dns.MX{Hdr: hdr(dns.TypeMX), Preference: mx.Preference, Mx: mx.Mx})
		}
	case dns.TypeA:
		for _, ip := range n.a {
			out = append(out, &dns.A{Hdr: hdr(dns.TypeA), A: ip.AsSlice()})
		}
	case dns.TypeAAAA:
		for _, ip := range n.aaaa {
			out = append(out, &dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: ip.AsSlice()})
		}
	case dns.TypeTXT:
		for _, t := range n.txt {
			out = append(out, &dns.TXT{Hdr: hdr(dns.TypeTXT), Txt: t})
		}
	case dns.TypeCNAME:
		if n.cname != "" {
			out = append(out, &dns.CNAME{Hdr: hdr(dns.TypeCNAME), Target: n.cname})
		}
	}
	return out
}

// splitTXT cuts s into character-strings of at most 255 octets (RFC 1035
// §3.3.14); an empty s is one empty string.
func splitTXT(s string) []string {
	if s == "" {
		return []string{""}
	}
	var out []string
	for len(s) > 255 {
		out = append(out, s[:255])
		s = s[255:]
	}
	return append(out, s)
}

// escapeTXT escapes a character-string for miekg/dns, which keeps TXT
// strings in presentation format: '\' and '"' would otherwise be taken as
// escapes, and non-printable octets must be \DDD.
func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteByte('0' + c/100)
			b.WriteByte('0' + c/10%10)
			b.WriteByte('0' + c%10)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// zoneOf returns the apex used for the synthesized SOA: the last two labels
// of name, or name itself.
func zoneOf(name string) string {
	labels := dns.SplitDomainName(name)
	if len(labels) <= 2 {
		return dns.Fqdn(name)
	}
	return dns.Fqdn(strings.Join(labels[len(labels)-2:], "."))
}
