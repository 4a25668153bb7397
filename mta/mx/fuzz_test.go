package mx

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"example.com", "Example.COM.", "a..b", "bücher.example", ".", "", "_x.y-z.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := normalize(s)
		if err != nil {
			return
		}
		if got == "" || len(got) > maxNameLen || strings.HasSuffix(got, ".") || got != strings.ToLower(got) {
			t.Fatalf("normalize(%q) = %q: not a normalized name", s, got)
		}
		if again, err := normalize(got); err != nil || again != got {
			t.Fatalf("normalize not idempotent on %q: %q, %v", got, again, err)
		}
		if _, err := dns.PackRR(&dns.MX{Hdr: dns.RR_Header{Name: dns.Fqdn(got), Rrtype: dns.TypeMX, Class: dns.ClassINET}, Mx: "."}, make([]byte, 512), 0, nil, false); err != nil {
			t.Fatalf("normalize(%q) = %q, which does not pack as a DNS name: %v", s, got, err)
		}
	})
}

// FuzzReadResponse feeds arbitrary wire messages to the answer parser and
// to answer building: neither may panic.
func FuzzReadResponse(f *testing.F) {
	seed := func(answer ...dns.RR) {
		m := new(dns.Msg)
		m.SetQuestion("example.com.", dns.TypeMX)
		m.Response = true
		m.Answer = answer
		m.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: "example.com.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60},
			Ns: "ns.example.com.", Mbox: "h.example.com.", Minttl: 30}}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: 300}
	}
	seed(&dns.MX{Hdr: hdr("example.com.", dns.TypeMX), Preference: 10, Mx: "mx.example.com."})
	seed(&dns.MX{Hdr: hdr("example.com.", dns.TypeMX), Mx: "."})
	seed(&dns.CNAME{Hdr: hdr("example.com.", dns.TypeCNAME), Target: "b.example."},
		&dns.MX{Hdr: hdr("b.example.", dns.TypeMX), Preference: 5, Mx: "mx.b.example."})
	seed()

	r := &Resolver{cfg: Config{MinTTL: defaultMinTTL, MaxTTL: defaultMaxTTL, NegativeTTL: defaultNegativeTTL, Now: newClock().Now}}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(dns.Msg)
		if err := m.Unpack(b); err != nil {
			return
		}
		for _, qtype := range []uint16{dns.TypeMX, dns.TypeA, dns.TypeAAAA} {
			st, err := readResponse(m, "example.com.", qtype, maxCNAMEs)
			if err != nil {
				continue
			}
			if st.hops > maxCNAMEs {
				t.Fatalf("followed %d aliases, limit %d", st.hops, maxCNAMEs)
			}
			if len(st.records) > 0 {
				a := r.positive(st.records, st.ttl)
				for i := 1; i < len(a.hosts); i++ {
					if a.hosts[i].Preference < a.hosts[i-1].Preference {
						t.Fatalf("hosts not sorted: %v", a.hosts)
					}
				}
			} else {
				_ = r.negative(errNoData, st.ttl, st)
			}
		}
	})
}
