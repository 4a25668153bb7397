package dnstest

import (
	"time"

	"github.com/miekg/dns"
)

// maxChase bounds alias chasing, so that a CNAME loop in test data ends.
const maxChase = 16

// serve answers one query.
func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	resp := new(dns.Msg)
	if req.Opcode != dns.OpcodeQuery || len(req.Question) != 1 {
		resp.SetRcode(req, dns.RcodeFormatError)
		_ = w.WriteMsg(resp)
		return
	}
	resp.SetReply(req)
	resp.Authoritative = true
	resp.RecursionAvailable = true
	q := req.Question[0]
	name := canonical(q.Name)
	overTCP := w.LocalAddr().Network() == "tcp"

	s.mu.Lock()
	s.queries[queryKey{name, q.Qtype}]++
	if overTCP {
		s.tcpQueries[queryKey{name, q.Qtype}]++
	}
	var delay time.Duration
	var hold chan struct{}
	if n, ok := s.names[name]; ok {
		delay, hold = n.delay, n.hold
	}
	s.mu.Unlock()

	if !s.wait(delay, hold) {
		return // closing: no answer, as from a dead server
	}

	s.mu.Lock()
	truncate := s.answer(resp, name, q.Qtype)
	s.answerDNSSEC(req, resp, name, q.Qtype)
	s.mu.Unlock()

	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		resp.SetEdns0(dns.DefaultMsgSize, false)
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
	}
	if !overTCP {
		if truncate {
			resp.Answer, resp.Ns = nil, nil
			resp.Truncated = true
		}
		resp.Truncate(size)
	}
	_ = w.WriteMsg(resp)
}

// wait blocks for delay and until hold is closed; it returns false if the
// server closes first.
func (s *Server) wait(delay time.Duration, hold chan struct{}) bool {
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.closed:
			return false
		}
	}
	if hold != nil {
		select {
		case <-hold:
		case <-s.closed:
			return false
		}
	}
	return true
}

// answer fills resp for (name, qtype) and reports whether UDP answers must
// be truncated; s.mu must be held.
func (s *Server) answer(resp *dns.Msg, name string, qtype uint16) (truncate bool) {
	cur := name
	for range maxChase {
		n := s.names[cur]
		if n != nil {
			truncate = truncate || n.truncate
			if n.rcode >= 0 {
				resp.Rcode = n.rcode
				resp.Answer = nil
				return truncate
			}
			if rrs := n.records(cur, qtype, s.ttl); len(rrs) > 0 {
				resp.Answer = append(resp.Answer, rrs...)
				return truncate
			}
			if n.cname != "" && qtype != dns.TypeCNAME {
				resp.Answer = append(resp.Answer, n.records(cur, dns.TypeCNAME, s.ttl)...)
				if !s.follow {
					return truncate
				}
				cur = n.cname
				continue
			}
		}
		if !s.exists(cur) {
			resp.Rcode = dns.RcodeNameError
		}
		resp.Ns = append(resp.Ns, s.soa(cur))
		return truncate
	}
	// An alias loop: a recursive resolver gives up with SERVFAIL.
	resp.Rcode = dns.RcodeServerFailure
	resp.Answer = nil
	return truncate
}

// soa returns the SOA sent with negative answers about name.
func (s *Server) soa(name string) dns.RR {
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: zoneOf(name), Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: s.negTTL},
		Ns:      "ns.dnstest.invalid.",
		Mbox:    "hostmaster.dnstest.invalid.",
		Serial:  1,
		Refresh: 3600,
		Retry:   600,
		Expire:  86400,
		Minttl:  s.negTTL,
	}
}
