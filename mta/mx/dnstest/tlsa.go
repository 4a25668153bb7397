package dnstest

import (
	"encoding/hex"

	"github.com/miekg/dns"
)

// dnssec holds what the server answers for DANE tests (RFC 7672): TLSA
// records and the names whose answers carry the AD bit, as a validating
// recursive resolver would set it (RFC 4035 §3.2.3). It lives apart from
// the zone's nodes so the plain DNS paths stay as they are.
type dnssec struct {
	tlsa map[string][]*dns.TLSA // by canonical name; TTL filled when answering
	ad   map[string]bool        // by canonical name
}

// AddTLSA adds a TLSA record (RFC 6698 §2.1) at name, e.g.
// "_25._tcp.mx1.example.com" with usage 3 (DANE-EE), selector 1 (SPKI),
// matching type 1 (SHA-256) and data the digest.
func (s *Server) AddTLSA(name string, usage, selector, matching uint8, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sec.tlsa == nil {
		s.sec.tlsa = make(map[string][]*dns.TLSA)
	}
	key := canonical(name)
	s.sec.tlsa[key] = append(s.sec.tlsa[key], &dns.TLSA{
		Usage: usage, Selector: selector, MatchingType: matching,
		Certificate: hex.EncodeToString(data),
	})
}

// SetAuthenticated makes answers about name (any type, positive or
// negative) carry the AD bit, as from a validating resolver that found
// them DNSSEC-secure, when the query asked for it with DO or AD (RFC 6840
// §5.7, §5.8). Off by default.
func (s *Server) SetAuthenticated(name string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sec.ad == nil {
		s.sec.ad = make(map[string]bool)
	}
	s.sec.ad[canonical(name)] = on
}

// answerDNSSEC completes resp for (name, qtype) with TLSA records and the
// AD bit; s.mu must be held.
func (s *Server) answerDNSSEC(req, resp *dns.Msg, name string, qtype uint16) {
	if rrs := s.sec.tlsa[name]; qtype == dns.TypeTLSA && len(rrs) > 0 && resp.Rcode != dns.RcodeServerFailure {
		resp.Rcode = dns.RcodeSuccess
		resp.Ns = nil
		for _, rr := range rrs {
			c := *rr
			c.Hdr = dns.RR_Header{Name: name, Rrtype: dns.TypeTLSA, Class: dns.ClassINET, Ttl: s.ttl}
			resp.Answer = append(resp.Answer, &c)
		}
	}
	do := false
	if opt := req.IsEdns0(); opt != nil {
		do = opt.Do()
	}
	if s.sec.ad[name] && (do || req.AuthenticatedData) && resp.Rcode != dns.RcodeServerFailure {
		resp.AuthenticatedData = true
	}
}
