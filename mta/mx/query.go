package mx

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

const (
	// udpSize is the EDNS0 buffer size advertised: 1232 octets avoids IP
	// fragmentation on any path (DNS Flag Day 2020); larger answers come
	// truncated and are retried over TCP.
	udpSize = 1232
	// maxCNAMEs bounds how many aliases a lookup follows, across answers.
	maxCNAMEs = 8
)

// query returns the answer for (name, qtype) from the cache, or resolves it,
// coalescing concurrent resolutions of the same question. Temporary
// failures are returned as errors and never cached.
func (r *Resolver) query(ctx context.Context, name string, qtype uint16) (*answer, error) {
	k := cacheKey{name: name, qtype: qtype}
	if a, ok := r.cache.get(k, r.cfg.Now()); ok {
		return a, nil
	}
	return r.flights.do(ctx, k, func(ctx context.Context) (*answer, error) {
		// A flight that just ended may have filled the cache between our
		// miss and our taking the lead.
		if a, ok := r.cache.get(k, r.cfg.Now()); ok {
			return a, nil
		}
		start := time.Now()
		a, err := r.resolve(ctx, name, qtype)
		if r.cfg.Observe != nil {
			r.cfg.Observe(dns.TypeToString[qtype], time.Since(start), observeResult(a, err))
		}
		if err != nil {
			return nil, err
		}
		r.cache.put(k, a)
		return a, nil
	})
}

// resolve asks the servers about (name, qtype), following CNAMEs both inside
// an answer and, when an answer ends on an alias, by asking again about its
// target (RFC 5321 §5.1: "the resulting domain is processed as if it were
// the initial domain").
func (r *Resolver) resolve(ctx context.Context, name string, qtype uint16) (*answer, error) {
	target := dns.Fqdn(name)
	ttl := uint32(math.MaxUint32)
	hops := 0
	for {
		resp, err := r.ask(ctx, target, qtype)
		if err != nil {
			return nil, err
		}
		st, err := readResponse(resp, target, qtype, maxCNAMEs-hops)
		if err != nil {
			return nil, err
		}
		hops += st.hops
		ttl = min(ttl, st.ttl)
		switch {
		case len(st.records) > 0:
			return r.positive(st.records, ttl), nil
		case st.nxdomain:
			return r.negative(ErrNoSuchDomain, ttl, st), nil
		case st.target != target:
			// The answer ends on an alias: ask about its target.
			target = st.target
		default:
			return r.negative(errNoData, ttl, st), nil
		}
	}
}

// positive builds the answer for records of one type.
func (r *Resolver) positive(records []dns.RR, ttl uint32) *answer {
	a := &answer{expires: r.cfg.Now().Add(clamp(ttl, r.cfg.MinTTL, r.cfg.MaxTTL))}
	null := false
	for _, rr := range records {
		switch rr := rr.(type) {
		case *dns.MX:
			host := strings.ToLower(strings.TrimSuffix(rr.Mx, "."))
			if host == "" {
				// RFC 7505 §3: "." as exchange. A domain MUST NOT mix
				// it with other MXs; if it does, the real ones win.
				null = true
				continue
			}
			a.hosts = append(a.hosts, Host{Name: host, Preference: rr.Preference})
		case *dns.A:
			if ip, ok := netip.AddrFromSlice(rr.A); ok {
				a.addrs = append(a.addrs, ip.Unmap())
			}
		case *dns.AAAA:
			if ip, ok := netip.AddrFromSlice(rr.AAAA); ok {
				a.addrs = append(a.addrs, ip)
			}
		case *dns.TXT:
			a.txts = append(a.txts, strings.Join(rr.Txt, ""))
		}
	}
	slices.SortStableFunc(a.hosts, func(x, y Host) int { return cmp.Compare(x.Preference, y.Preference) })
	switch {
	case null && len(a.hosts) == 0:
		a.err = ErrNullMX
	case len(a.hosts) == 0 && len(a.addrs) == 0 && len(a.txts) == 0:
		// Records of the type were present but none usable (malformed
		// address lengths): nothing to deliver to.
		a.err = errNoData
	}
	return a
}

// negative builds a negative answer, cached per RFC 2308 §5 for the SOA's
// negative TTL, bounded by MinTTL and NegativeTTL, or NegativeTTL without SOA.
func (r *Resolver) negative(err error, ttl uint32, st step) *answer {
	d := r.cfg.NegativeTTL
	if st.soa {
		d = clamp(min(ttl, st.negTTL), r.cfg.MinTTL, r.cfg.NegativeTTL)
	} else if ttl != math.MaxUint32 {
		d = clamp(ttl, r.cfg.MinTTL, r.cfg.NegativeTTL)
	}
	return &answer{err: err, expires: r.cfg.Now().Add(d)}
}

// clamp converts a TTL in seconds to a duration within [lo, hi].
func clamp(ttl uint32, lo, hi time.Duration) time.Duration {
	d := time.Duration(ttl) * time.Second
	return min(max(d, lo), hi)
}

// ask sends one question to the servers in turn, each up to Attempts times,
// until one gives a usable answer: NOERROR or NXDOMAIN.
func (r *Resolver) ask(ctx context.Context, qname string, qtype uint16) (*dns.Msg, error) {
	var last error
	for range r.cfg.Attempts {
		for _, server := range r.servers {
			resp, err := r.exchange(ctx, server, qname, qtype)
			if err == nil {
				if resp.Rcode == dns.RcodeSuccess || resp.Rcode == dns.RcodeNameError {
					return resp, nil
				}
				err = fmt.Errorf("%w: %s", ErrServerFailure, dns.RcodeToString[resp.Rcode])
			}
			last = fmt.Errorf("%s %s via %s: %w", qname, dns.TypeToString[qtype], server, err)
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%w (%w)", ctx.Err(), last)
			}
		}
	}
	return nil, last
}

// exchange asks one server over UDP, and again over TCP if the answer is
// truncated (RFC 7766 §5), within Timeout.
func (r *Resolver) exchange(ctx context.Context, server, qname string, qtype uint16) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	q := new(dns.Msg)
	q.SetQuestion(qname, qtype)
	q.SetEdns0(udpSize, false)
	resp, err := r.exchangeOver(ctx, &r.udp, server, q)
	if err == nil && resp.Truncated {
		q.Id = dns.Id()
		resp, err = r.exchangeOver(ctx, &r.tcp, server, q)
		if err == nil && resp.Truncated {
			err = fmt.Errorf("%w: truncated over TCP", ErrBadResponse)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(resp.Question) != 1 || resp.Question[0].Qtype != qtype ||
		!strings.EqualFold(resp.Question[0].Name, qname) {
		return nil, fmt.Errorf("%w: answer to another question", ErrBadResponse)
	}
	return resp, nil
}

// exchangeOver runs one exchange with c, closing the connection if ctx ends
// first: miekg/dns only honours the context's deadline, not its
// cancellation.
func (r *Resolver) exchangeOver(ctx context.Context, c *dns.Client, server string, q *dns.Msg) (*dns.Msg, error) {
	conn, err := c.DialContext(ctx, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	resp, _, err := c.ExchangeWithConnContext(ctx, q, conn)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// Report a timeout as the net package does, not as
			// context.DeadlineExceeded: callers would take it for the end of
			// their own context. ask reports that one when it happens.
			return nil, fmt.Errorf("%w (%v)", os.ErrDeadlineExceeded, err)
		}
		return nil, err
	}
	return resp, nil
}

// step is what one response says about a question.
type step struct {
	records  []dns.RR // records of the asked type owned by target
	target   string   // where the alias chain in the answer ends (FQDN)
	hops     int      // aliases followed in this answer
	ttl      uint32   // lowest TTL of records and aliases used
	nxdomain bool     // rcode NXDOMAIN (about target)
	soa      bool     // the authority section has an SOA
	negTTL   uint32   // min(SOA TTL, SOA MINIMUM), RFC 2308 §5
}

// readResponse extracts from resp the records of qtype for qname, following
// the CNAME chain present in the answer section for at most maxHops aliases.
// It is pure so that it can be fuzzed.
func readResponse(resp *dns.Msg, qname string, qtype uint16, maxHops int) (step, error) {
	st := step{target: qname, ttl: math.MaxUint32, nxdomain: resp.Rcode == dns.RcodeNameError}
	for {
		var alias *dns.CNAME
		for _, rr := range resp.Answer {
			h := rr.Header()
			if h.Class != dns.ClassINET || !strings.EqualFold(h.Name, st.target) {
				continue
			}
			switch {
			case h.Rrtype == qtype:
				st.records = append(st.records, rr)
				st.ttl = min(st.ttl, h.Ttl)
			case h.Rrtype == dns.TypeCNAME && alias == nil:
				alias, _ = rr.(*dns.CNAME)
			}
		}
		if len(st.records) > 0 || alias == nil {
			break
		}
		if st.hops >= maxHops {
			return st, fmt.Errorf("%w: at %s", ErrCNAMEChain, alias.Target)
		}
		st.hops++
		st.ttl = min(st.ttl, alias.Hdr.Ttl)
		st.target = dns.CanonicalName(alias.Target)
	}
	if len(st.records) > 0 {
		// Records answer the question even if a confused server also set
		// NXDOMAIN.
		st.nxdomain = false
		return st, nil
	}
	hasNS := false
	for _, rr := range resp.Ns {
		switch rr := rr.(type) {
		case *dns.SOA:
			st.soa = true
			st.negTTL = min(rr.Hdr.Ttl, rr.Minttl)
		case *dns.NS:
			hasNS = true
		}
	}
	if !st.nxdomain && len(resp.Answer) == 0 && !st.soa && hasNS && !resp.Authoritative {
		// A referral: the server does not recurse. Taking it for NODATA
		// would deliver to an implicit MX that may not be one.
		return st, fmt.Errorf("%w: referral for %s from a non-recursive server", ErrBadResponse, qname)
	}
	return st, nil
}
