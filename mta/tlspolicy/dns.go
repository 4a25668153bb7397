package tlspolicy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// maxAliases bounds the CNAME chain followed inside one answer.
const maxAliases = 8

// errDNS marks a lookup that failed (no answer, SERVFAIL, REFUSED, a bad
// answer): temporary, unlike NXDOMAIN and NODATA, which are answers.
var errDNS = errors.New("tlspolicy: dns lookup failed")

// dnsAnswer is what one question got.
type dnsAnswer struct {
	records []dns.RR // of the asked type, at the end of the alias chain
	ad      bool     // the AD bit (RFC 4035 §3.2.3)
	ttl     uint32   // lowest TTL of the records, 0 when none
}

// query asks servers in turn about (name, qtype) with the DO bit set (RFC
// 3225), so that a validating resolver reports the AD bit, over UDP and
// again over TCP when truncated, each exchange within timeout. NXDOMAIN and
// NODATA give an answer without records; only a failure of every server is
// an error. It follows the style of mta/mx's resolver, which does not
// expose the AD bit.
func query(ctx context.Context, servers []string, timeout time.Duration, name string, qtype uint16) (*dnsAnswer, error) {
	qname := dns.Fqdn(strings.ToLower(name))
	if _, ok := dns.IsDomainName(qname); !ok {
		return nil, fmt.Errorf("%w: %s: invalid name", errDNS, name)
	}
	var last error = fmt.Errorf("%w: no servers", errDNS)
	for _, server := range servers {
		resp, err := exchange(ctx, server, timeout, qname, qtype)
		if err != nil {
			last = fmt.Errorf("%w: %s %s via %s: %w", errDNS, name, dns.TypeToString[qtype], server, err)
			if ctx.Err() != nil {
				return nil, last
			}
			continue
		}
		if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
			last = fmt.Errorf("%w: %s %s via %s: %s", errDNS, name, dns.TypeToString[qtype], server, dns.RcodeToString[resp.Rcode])
			continue
		}
		return readAnswer(resp, qname, qtype), nil
	}
	return nil, last
}

// exchange runs one question against one server, over UDP then TCP if the
// answer is truncated (RFC 7766 §5).
func exchange(ctx context.Context, server string, timeout time.Duration, qname string, qtype uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(qname, qtype)
	q.SetEdns0(1232, true) // DO: ask for DNSSEC validation status.
	q.AuthenticatedData = true
	c := &dns.Client{Net: "udp", Timeout: timeout}
	resp, _, err := c.ExchangeContext(ctx, q, server)
	if err == nil && resp.Truncated {
		c.Net = "tcp"
		q.Id = dns.Id()
		resp, _, err = c.ExchangeContext(ctx, q, server)
	}
	if err != nil {
		return nil, err
	}
	if len(resp.Question) != 1 || resp.Question[0].Qtype != qtype || !strings.EqualFold(resp.Question[0].Name, qname) {
		return nil, errors.New("answer to another question")
	}
	return resp, nil
}

// readAnswer takes the records of qtype owned by qname or by the end of
// the CNAME chain in the answer section.
func readAnswer(resp *dns.Msg, qname string, qtype uint16) *dnsAnswer {
	a := &dnsAnswer{ad: resp.AuthenticatedData}
	target := qname
	for range maxAliases {
		next := ""
		for _, rr := range resp.Answer {
			h := rr.Header()
			if h.Class != dns.ClassINET || !strings.EqualFold(h.Name, target) {
				continue
			}
			if h.Rrtype == qtype {
				a.records = append(a.records, rr)
				if a.ttl == 0 || h.Ttl < a.ttl {
					a.ttl = h.Ttl
				}
			} else if c, ok := rr.(*dns.CNAME); ok && next == "" {
				next = c.Target
			}
		}
		if len(a.records) > 0 || next == "" {
			break
		}
		target = next
	}
	return a
}
