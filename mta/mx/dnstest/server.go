// Package dnstest runs a real DNS server on loopback for tests: a
// github.com/miekg/dns server answering over UDP and TCP on one
// 127.0.0.1 port from records the test adds, with knobs for the failure
// shapes a resolver must handle (rcodes, delays, truncation).
//
// It answers like a recursive resolver would (RFC 1034 §4.3.2): aliases are
// chased within its data, unknown names get NXDOMAIN, known names without
// records of the asked type get NOERROR with an SOA in the authority section
// (NODATA, RFC 2308 §2.2), UDP answers larger than the client's buffer are
// truncated (RFC 6891 §7) and complete over TCP. Names are
// case-insensitive. A Server is safe for concurrent use.
//
// Typical use, with mta/mx or any resolver that takes a server address:
//
//	srv := dnstest.NewServer(t)
//	srv.AddMX("example.com", 10, "mx.example.com")
//	srv.AddA("mx.example.com", "127.0.0.1")
//	r, _ := mx.New(mx.Config{Servers: []string{srv.Addr()}})
package dnstest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Default TTLs of answers, in seconds.
const (
	// DefaultTTL is the TTL of records until SetTTL changes it.
	DefaultTTL = 300
	// DefaultNegativeTTL is the TTL and MINIMUM of the SOA in negative
	// answers until SetNegativeTTL changes it.
	DefaultNegativeTTL = 60
)

// Server is a DNS server on 127.0.0.1, UDP and TCP on the same port.
type Server struct {
	addr   string
	udp    *dns.Server
	tcp    *dns.Server
	closed chan struct{} // closed by Close: releases delayed and held answers
	wg     sync.WaitGroup
	report func(string) // reports misuse: tb.Error, or kept for Close

	mu          sync.Mutex
	names       map[string]*node // by canonical name
	ttl         uint32
	negTTL      uint32
	follow      bool
	queries     map[queryKey]int
	tcpQueries  map[queryKey]int
	misuse      error
	closeCalled bool
	sec         dnssec // TLSA records and AD bits (tlsa.go)
}

type queryKey struct {
	name  string
	qtype uint16
}

// NewServer starts a Server and returns it ready to answer; it is closed
// when the test ends. Misuse (an invalid IP…) fails the test.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s, err := Start()
	if err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	s.report = func(msg string) { tb.Error(msg) }
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("dnstest: close: %v", err)
		}
	})
	return s
}

// Start starts a Server outside a test (examples, load tools); the caller
// must Close it. Misuse is reported by Close.
func Start() (*Server, error) {
	pc, l, err := listen()
	if err != nil {
		return nil, err
	}
	s := &Server{
		addr:       pc.LocalAddr().String(),
		closed:     make(chan struct{}),
		names:      make(map[string]*node),
		ttl:        DefaultTTL,
		negTTL:     DefaultNegativeTTL,
		follow:     true,
		queries:    make(map[queryKey]int),
		tcpQueries: make(map[queryKey]int),
	}
	s.report = s.keepMisuse
	h := dns.HandlerFunc(s.serve)
	s.udp = &dns.Server{PacketConn: pc, Handler: h}
	s.tcp = &dns.Server{Listener: l, Handler: h}
	if err := s.run(s.udp); err != nil {
		_ = pc.Close()
		_ = l.Close()
		return nil, err
	}
	if err := s.run(s.tcp); err != nil {
		_ = s.udp.Shutdown()
		s.wg.Wait()
		return nil, err
	}
	return s, nil
}

// listen binds UDP and TCP on the same free loopback port.
func listen() (net.PacketConn, net.Listener, error) {
	var last error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("dnstest: listen udp: %w", err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l, nil
		}
		last = err
		_ = pc.Close()
	}
	return nil, nil, fmt.Errorf("dnstest: no port free for both udp and tcp: %w", last)
}

// run serves srv in a goroutine owned by s and returns once it accepts
// queries.
func (s *Server) run(srv *dns.Server) error {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	failed := make(chan error, 1)
	s.wg.Go(func() {
		if err := srv.ActivateAndServe(); err != nil {
			failed <- err
		}
	})
	select {
	case <-started:
		return nil
	case err := <-failed:
		return fmt.Errorf("dnstest: serve: %w", err)
	}
}

// Close stops the server, releasing any answer still delayed or held, and
// waits for its goroutines. It returns the first misuse of a Server from
// Start. Calling it twice is harmless.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closeCalled {
		s.mu.Unlock()
		return nil
	}
	s.closeCalled = true
	s.mu.Unlock()
	close(s.closed)
	err := errors.Join(s.udp.Shutdown(), s.tcp.Shutdown())
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(err, s.misuse)
}

func (s *Server) keepMisuse(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.misuse == nil {
		s.misuse = errors.New(msg)
	}
}

// Addr returns the "127.0.0.1:port" the server answers on, UDP and TCP.
func (s *Server) Addr() string { return s.addr }

// node returns the node of name, created if needed; s.mu must be held.
func (s *Server) node(name string) *node {
	key := canonical(name)
	n, ok := s.names[key]
	if !ok {
		n = newNode()
		s.names[key] = n
	}
	return n
}

// edit runs f on the node of name under the lock.
func (s *Server) edit(name string, f func(n *node)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.node(name))
}

// AddMX adds an MX record: mail for domain goes to host with preference
// pref. It replaces a null MX set by SetNullMX.
func (s *Server) AddMX(domain string, pref uint16, host string) {
	s.edit(domain, func(n *node) {
		if len(n.mx) == 1 && n.mx[0].Mx == "." {
			n.mx = nil
		}
		n.mx = append(n.mx, &dns.MX{Preference: pref, Mx: canonical(host)})
	})
}

// SetNullMX makes domain publish a null MX (RFC 7505: a single MX 0 "."),
// replacing its MX records.
func (s *Server) SetNullMX(domain string) {
	s.edit(domain, func(n *node) { n.mx = []*dns.MX{{Preference: 0, Mx: "."}} })
}

// AddA adds an A record; ip must be an IPv4 address.
func (s *Server) AddA(name, ip string) {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Unmap().Is4() {
		s.report(fmt.Sprintf("dnstest: AddA(%q, %q): not an IPv4 address", name, ip))
		return
	}
	s.edit(name, func(n *node) { n.a = append(n.a, a.Unmap()) })
}

// AddAAAA adds an AAAA record; ip must be an IPv6 address.
func (s *Server) AddAAAA(name, ip string) {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Zone() != "" {
		s.report(fmt.Sprintf("dnstest: AddAAAA(%q, %q): not an IPv6 address", name, ip))
		return
	}
	s.edit(name, func(n *node) { n.aaaa = append(n.aaaa, a) })
}

// AddCNAME makes name an alias of target, replacing a previous alias.
func (s *Server) AddCNAME(name, target string) {
	s.edit(name, func(n *node) { n.cname = canonical(target) })
}

// AddTXT adds one TXT record whose text is the concatenation of txt, as a
// DKIM or SPF verifier reads it. Each part is split into character-strings
// of at most 255 octets (RFC 1035 §3.3.14), so a 2048-bit DKIM key can be
// added in one piece. Any octet is allowed.
func (s *Server) AddTXT(name string, txt ...string) {
	var strs []string
	for _, t := range txt {
		for _, part := range splitTXT(t) {
			strs = append(strs, escapeTXT(part))
		}
	}
	if len(strs) == 0 {
		strs = []string{""}
	}
	s.edit(name, func(n *node) { n.txt = append(n.txt, strs) })
}

// SetRcode makes every query for name answered with rcode and no records,
// whatever the type (dns.RcodeServerFailure, dns.RcodeRefused…).
// dns.RcodeSuccess restores normal answers.
func (s *Server) SetRcode(name string, rcode int) {
	if rcode < 0 || rcode > 0xF {
		s.report(fmt.Sprintf("dnstest: SetRcode(%q, %d): rcode out of range", name, rcode))
		return
	}
	s.edit(name, func(n *node) {
		n.rcode = rcode
		if rcode == dns.RcodeSuccess {
			n.rcode = -1
		}
	})
}

// SetTTL sets the TTL, in seconds, of every record in later answers.
// Default DefaultTTL.
func (s *Server) SetTTL(ttl uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ttl = ttl
}

// SetNegativeTTL sets the TTL and MINIMUM, in seconds, of the SOA sent with
// NXDOMAIN and NODATA answers, which resolvers use as the negative caching
// time (RFC 2308 §5). Default DefaultNegativeTTL.
func (s *Server) SetNegativeTTL(ttl uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.negTTL = ttl
}

// SetFollowCNAME chooses whether answers chase aliases (on, the default, as
// a recursive resolver does) or stop at the first CNAME (as an
// authoritative server does when the target is out of its zone).
func (s *Server) SetFollowCNAME(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.follow = on
}

// SetDelay delays every answer about name by d, for timeout tests. Close
// releases delayed answers.
func (s *Server) SetDelay(name string, d time.Duration) {
	s.edit(name, func(n *node) { n.delay = d })
}

// Hold makes queries about name wait until release is called (or the
// server closes), for tests that need several lookups in flight at once.
// Queries are counted when they arrive, before they wait.
func (s *Server) Hold(name string) (release func()) {
	ch := make(chan struct{})
	s.edit(name, func(n *node) { n.hold = ch })
	var once sync.Once
	return func() {
		once.Do(func() {
			s.edit(name, func(n *node) {
				if n.hold == ch {
					n.hold = nil
				}
			})
			close(ch)
		})
	}
}

// SetTruncate, when on, makes UDP answers about name empty with the TC bit
// set, so that a client must retry over TCP to get them.
func (s *Server) SetTruncate(name string, on bool) {
	s.edit(name, func(n *node) { n.truncate = on })
}

// Queries returns how many queries for (name, qtype) arrived, over UDP and
// TCP.
func (s *Server) Queries(name string, qtype uint16) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[queryKey{canonical(name), qtype}]
}

// TCPQueries returns how many queries for (name, qtype) arrived over TCP.
func (s *Server) TCPQueries(name string, qtype uint16) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tcpQueries[queryKey{canonical(name), qtype}]
}

// exists reports whether name owns records or has a descendant that does
// (an empty non-terminal exists too, RFC 8020); s.mu must be held.
func (s *Server) exists(name string) bool {
	if n, ok := s.names[name]; ok && n.hasData() {
		return true
	}
	suffix := "." + name
	for k, n := range s.names {
		if n.hasData() && strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}
