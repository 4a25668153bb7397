package tenants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Resolver answers the lookups of a domain verification. Every method
// takes ctx; DNSResolver implements it on miekg/dns.
type Resolver interface {
	// LookupTXT returns the TXT records at name, each record's strings
	// joined (RFC 6376 §3.6.2.2); none, without error, when there are none.
	LookupTXT(ctx context.Context, name string) ([]string, error)
	// LookupCNAME returns the target of the CNAME at name ("" when none).
	LookupCNAME(ctx context.Context, name string) (string, error)
}

// DNSResolver asks configured recursive resolvers, without a cache: a
// verification runs after the operator published the records, and a
// cached "not there" from a minute before would hide them.
type DNSResolver struct {
	// Servers are "ip:port" addresses, tried in order.
	Servers []string
	// Timeout bounds one exchange. Default 3s.
	Timeout time.Duration
}

var errNoServers = errors.New("tenants: no DNS servers configured")

// LookupTXT implements Resolver.
func (r *DNSResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	msg, err := r.query(ctx, name, dns.TypeTXT)
	if err != nil || msg == nil {
		return nil, err
	}
	var out []string
	for _, rr := range msg.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	return out, nil
}

// LookupCNAME implements Resolver.
func (r *DNSResolver) LookupCNAME(ctx context.Context, name string) (string, error) {
	msg, err := r.query(ctx, name, dns.TypeCNAME)
	if err != nil || msg == nil {
		return "", err
	}
	for _, rr := range msg.Answer {
		if c, ok := rr.(*dns.CNAME); ok {
			return strings.TrimSuffix(strings.ToLower(c.Target), "."), nil
		}
	}
	return "", nil
}

// query asks each server in turn; a nil message without error is
// NXDOMAIN (nothing there). A truncated UDP answer is asked again over TCP
// (RFC 7766 §5): 2048-bit DKIM keys make large TXT answers.
func (r *DNSResolver) query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	if len(r.Servers) == 0 {
		return nil, errNoServers
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	q.SetEdns0(4096, false)
	var last error
	for _, srv := range r.Servers {
		resp, err := exchange(ctx, "udp", srv, q, timeout)
		if err == nil && resp.Truncated {
			resp, err = exchange(ctx, "tcp", srv, q, timeout)
		}
		if err != nil {
			last = err
			continue
		}
		switch resp.Rcode {
		case dns.RcodeSuccess:
			return resp, nil
		case dns.RcodeNameError:
			return nil, nil
		default:
			last = fmt.Errorf("%s answered %s", srv, dns.RcodeToString[resp.Rcode])
		}
	}
	return nil, fmt.Errorf("tenants: lookup %s %s: %w", dns.TypeToString[qtype], name, last)
}

func exchange(ctx context.Context, network, server string, q *dns.Msg, timeout time.Duration) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &dns.Client{Net: network, Timeout: timeout}
	resp, _, err := c.ExchangeContext(ctx, q, server)
	return resp, err
}
