package dnstest

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// ask sends one query over network ("udp" or "tcp") with EDNS0 size edns
// (0: none).
func ask(t *testing.T, s *Server, network, name string, qtype uint16, edns uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	if edns > 0 {
		q.SetEdns0(edns, false)
	}
	c := dns.Client{Net: network, Timeout: 5 * time.Second}
	resp, _, err := c.ExchangeContext(t.Context(), q, s.Addr())
	if err != nil {
		t.Fatalf("%s query %s %s: %v", network, name, dns.TypeToString[qtype], err)
	}
	return resp
}

func answerStrings(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		out = append(out, rr.String())
	}
	return out
}

func TestAnswers(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.SetTTL(42)
	s.AddMX("Example.COM", 10, "MX.example.com.")
	s.AddA("mx.example.com", "192.0.2.1")
	s.AddAAAA("mx.example.com", "2001:db8::1")
	s.AddCNAME("www.example.com", "mx.example.com")
	s.AddTXT("sel._domainkey.example.com", "v=DKIM1; p=abc")

	tests := []struct {
		name  string
		qtype uint16
		rcode int
		want  []string
		soa   bool
	}{
		{"example.com", dns.TypeMX, dns.RcodeSuccess, []string{"example.com.\t42\tIN\tMX\t10 mx.example.com."}, false},
		{"EXAMPLE.com", dns.TypeMX, dns.RcodeSuccess, []string{"example.com.\t42\tIN\tMX\t10 mx.example.com."}, false},
		{"mx.example.com", dns.TypeA, dns.RcodeSuccess, []string{"mx.example.com.\t42\tIN\tA\t192.0.2.1"}, false},
		{"mx.example.com", dns.TypeAAAA, dns.RcodeSuccess, []string{"mx.example.com.\t42\tIN\tAAAA\t2001:db8::1"}, false},
		{"www.example.com", dns.TypeA, dns.RcodeSuccess, []string{
			"www.example.com.\t42\tIN\tCNAME\tmx.example.com.",
			"mx.example.com.\t42\tIN\tA\t192.0.2.1",
		}, false},
		{"www.example.com", dns.TypeCNAME, dns.RcodeSuccess, []string{"www.example.com.\t42\tIN\tCNAME\tmx.example.com."}, false},
		{"sel._domainkey.example.com", dns.TypeTXT, dns.RcodeSuccess, []string{"sel._domainkey.example.com.\t42\tIN\tTXT\t\"v=DKIM1; p=abc\""}, false},
		{"example.com", dns.TypeA, dns.RcodeSuccess, nil, true},              // NODATA
		{"_domainkey.example.com", dns.TypeTXT, dns.RcodeSuccess, nil, true}, // empty non-terminal
		{"nosuch.example.com", dns.TypeMX, dns.RcodeNameError, nil, true},    // NXDOMAIN
		{"mx.example.com.evil", dns.TypeA, dns.RcodeNameError, nil, true},    // suffix, not a subdomain
	}
	for _, tt := range tests {
		for _, network := range []string{"udp", "tcp"} {
			resp := ask(t, s, network, tt.name, tt.qtype, 0)
			if resp.Rcode != tt.rcode {
				t.Errorf("%s %s %s: rcode %s, want %s", network, tt.name, dns.TypeToString[tt.qtype],
					dns.RcodeToString[resp.Rcode], dns.RcodeToString[tt.rcode])
			}
			if got := answerStrings(resp); !slices.Equal(got, tt.want) {
				t.Errorf("%s %s %s: answer %q, want %q", network, tt.name, dns.TypeToString[tt.qtype], got, tt.want)
			}
			hasSOA := len(resp.Ns) == 1 && resp.Ns[0].Header().Rrtype == dns.TypeSOA
			if hasSOA != tt.soa {
				t.Errorf("%s %s %s: authority %v, want SOA %v", network, tt.name, dns.TypeToString[tt.qtype], resp.Ns, tt.soa)
			}
		}
	}
	if n, want := s.Queries("EXAMPLE.COM.", dns.TypeMX), 4; n != want {
		t.Errorf("Queries(example.com, MX) = %d, want %d", n, want)
	}
	if n := s.TCPQueries("example.com", dns.TypeMX); n != 2 {
		t.Errorf("TCPQueries(example.com, MX) = %d, want 2", n)
	}
}

func TestNullMXAndRcode(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.AddMX("example.com", 10, "mx.example.com")
	s.SetNullMX("example.com")
	resp := ask(t, s, "udp", "example.com", dns.TypeMX, 0)
	if got, want := answerStrings(resp), []string{"example.com.\t300\tIN\tMX\t0 ."}; !slices.Equal(got, want) {
		t.Errorf("null MX answer %q, want %q", got, want)
	}
	s.AddMX("example.com", 5, "mx5.example.com") // replaces the null MX
	if got := answerStrings(ask(t, s, "udp", "example.com", dns.TypeMX, 0)); len(got) != 1 || !strings.HasSuffix(got[0], "5 mx5.example.com.") {
		t.Errorf("after AddMX: %q", got)
	}

	for _, rcode := range []int{dns.RcodeServerFailure, dns.RcodeRefused} {
		s.SetRcode("example.com", rcode)
		if resp := ask(t, s, "udp", "example.com", dns.TypeMX, 0); resp.Rcode != rcode || len(resp.Answer) != 0 {
			t.Errorf("SetRcode(%s): got %s with %d records", dns.RcodeToString[rcode], dns.RcodeToString[resp.Rcode], len(resp.Answer))
		}
	}
	s.SetRcode("example.com", dns.RcodeSuccess)
	if resp := ask(t, s, "udp", "example.com", dns.TypeMX, 0); resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 1 {
		t.Errorf("after SetRcode(success): %v", resp)
	}
}

func TestFollowCNAME(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.AddCNAME("a.example", "b.example")
	s.AddCNAME("b.example", "c.example")
	s.AddMX("c.example", 10, "mx.c.example")
	s.AddCNAME("dangling.example", "nowhere.example")
	s.AddCNAME("loop1.example", "loop2.example")
	s.AddCNAME("loop2.example", "loop1.example")

	if got := answerStrings(ask(t, s, "udp", "a.example", dns.TypeMX, 0)); len(got) != 3 {
		t.Errorf("chased answer %q, want 2 CNAMEs and the MX", got)
	}
	if resp := ask(t, s, "udp", "dangling.example", dns.TypeMX, 0); resp.Rcode != dns.RcodeNameError || len(resp.Answer) != 1 {
		t.Errorf("dangling alias: %s with %q, want NXDOMAIN with the CNAME", dns.RcodeToString[resp.Rcode], answerStrings(resp))
	}
	if resp := ask(t, s, "udp", "loop1.example", dns.TypeMX, 0); resp.Rcode != dns.RcodeServerFailure {
		t.Errorf("alias loop: %s, want SERVFAIL", dns.RcodeToString[resp.Rcode])
	}
	s.SetFollowCNAME(false)
	if got := answerStrings(ask(t, s, "udp", "a.example", dns.TypeMX, 0)); len(got) != 1 || !strings.Contains(got[0], "CNAME\tb.example.") {
		t.Errorf("unchased answer %q, want the first CNAME only", got)
	}
}

func TestTruncation(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.AddMX("forced.example", 10, "mx.forced.example")
	s.SetTruncate("forced.example", true)
	for i := range 40 {
		s.AddA("big.example", net.IPv4(192, 0, 2, byte(i)).String())
	}

	resp := ask(t, s, "udp", "forced.example", dns.TypeMX, 1232)
	if !resp.Truncated || len(resp.Answer) != 0 {
		t.Errorf("forced UDP answer: TC=%v, %d records; want TC and none", resp.Truncated, len(resp.Answer))
	}
	if resp := ask(t, s, "tcp", "forced.example", dns.TypeMX, 1232); resp.Truncated || len(resp.Answer) != 1 {
		t.Errorf("forced TCP answer: TC=%v, %d records; want the record", resp.Truncated, len(resp.Answer))
	}
	s.SetTruncate("forced.example", false)
	if resp := ask(t, s, "udp", "forced.example", dns.TypeMX, 1232); resp.Truncated || len(resp.Answer) != 1 {
		t.Errorf("after SetTruncate(false): TC=%v", resp.Truncated)
	}

	// 40 A records need 652 octets: over 512 without EDNS0, under 1232 with.
	if resp := ask(t, s, "udp", "big.example", dns.TypeA, 0); !resp.Truncated {
		t.Errorf("40 A records over UDP without EDNS0: not truncated (%d records)", len(resp.Answer))
	}
	if resp := ask(t, s, "udp", "big.example", dns.TypeA, 1232); resp.Truncated || len(resp.Answer) != 40 || resp.IsEdns0() == nil {
		t.Errorf("40 A records with EDNS0 1232: TC=%v, %d records, OPT %v", resp.Truncated, len(resp.Answer), resp.IsEdns0())
	}
}

// Long TXT values come back whole through the standard library's resolver,
// which is what DKIM verifiers use.
func TestTXTLongValue(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	key := "v=DKIM1; k=rsa; p=" + strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 9) + `"\;`
	s.AddTXT("sel._domainkey.example.com", key)
	s.AddTXT("example.com", "v=spf1 ", "-all")
	s.AddTXT("example.com", "")

	resp := ask(t, s, "tcp", "sel._domainkey.example.com", dns.TypeTXT, 0)
	if len(resp.Answer) != 1 {
		t.Fatalf("%d TXT records, want 1", len(resp.Answer))
	}
	strs := resp.Answer[0].(*dns.TXT).Txt
	if len(strs) != 2 {
		t.Errorf("a %d-octet value in %d strings, want 2", len(key), len(strs))
	}

	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, s.Addr())
	}}
	got, err := r.LookupTXT(t.Context(), "sel._domainkey.example.com")
	if err != nil || len(got) != 1 || got[0] != key {
		t.Errorf("net.Resolver.LookupTXT = %q, %v; want the key whole", got, err)
	}
	got, err = r.LookupTXT(t.Context(), "example.com")
	if err != nil || !slices.Equal(got, []string{"v=spf1 -all", ""}) {
		t.Errorf("LookupTXT(example.com) = %q, %v", got, err)
	}
}

func TestDelayHoldAndClose(t *testing.T) {
	t.Parallel()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	s.AddA("slow.example", "192.0.2.1")
	s.SetDelay("slow.example", time.Hour)
	c := dns.Client{Timeout: 100 * time.Millisecond}
	q := new(dns.Msg).SetQuestion("slow.example.", dns.TypeA)
	if _, _, err := c.Exchange(q, s.Addr()); err == nil {
		t.Error("a delayed answer arrived within the client timeout")
	}

	s.AddA("held.example", "192.0.2.2")
	release := s.Hold("held.example")
	held := new(dns.Msg).SetQuestion("held.example.", dns.TypeA)
	if _, _, err := c.Exchange(held, s.Addr()); err == nil {
		t.Error("a held query was answered before release")
	}
	if n := s.Queries("held.example", dns.TypeA); n != 1 {
		t.Errorf("held query counted %d times, want 1", n)
	}
	release()
	release() // harmless
	if resp, _, err := c.Exchange(held, s.Addr()); err != nil || len(resp.Answer) != 1 {
		t.Errorf("query after release: %v, %v", resp, err)
	}

	// Close returns while the delayed handler still waits: it releases it.
	s.AddA("bad", "not-an-ip")
	err = s.Close()
	if err == nil || !strings.Contains(err.Error(), "not-an-ip") {
		t.Errorf("Close = %v, want the misuse reported", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}
