package mx

import (
	"errors"
	"net"
	"reflect"
	"testing"

	"github.com/miekg/dns"
)

func rr(t testing.TB, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatalf("dns.NewRR(%q): %v", s, err)
	}
	return r
}

func TestReadResponse(t *testing.T) {
	t.Parallel()
	soa := "example.com. 600 IN SOA ns.example.com. h.example.com. 1 2 3 4 45"
	tests := []struct {
		name     string
		rcode    int
		aa       bool
		answer   []string
		ns       []string
		want     step // records compared by count
		nrecords int
		err      error
	}{
		{
			name:     "records, other owners ignored",
			answer:   []string{"Example.COM. 300 IN MX 10 mx.example.com.", "other.com. 5 IN MX 10 mx.other.com.", "example.com. 200 IN MX 20 mx2.example.com."},
			want:     step{target: "example.com.", ttl: 200},
			nrecords: 2,
		},
		{
			name:     "chain in answer",
			answer:   []string{"example.com. 100 IN CNAME b.example.net.", "b.example.net. 50 IN CNAME c.example.org.", "c.example.org. 300 IN MX 10 mx.example.org."},
			want:     step{target: "c.example.org.", hops: 2, ttl: 50},
			nrecords: 1,
		},
		{
			name:   "chain ends on alias",
			answer: []string{"example.com. 100 IN CNAME b.example.net."},
			want:   step{target: "b.example.net.", hops: 1, ttl: 100},
		},
		{
			name:  "NXDOMAIN with SOA",
			rcode: dns.RcodeNameError,
			ns:    []string{soa},
			want:  step{target: "example.com.", ttl: 1<<32 - 1, nxdomain: true, soa: true, negTTL: 45},
		},
		{
			name: "NODATA without SOA",
			want: step{target: "example.com.", ttl: 1<<32 - 1},
		},
		{
			name: "referral",
			ns:   []string{"example.com. 300 IN NS ns.example.com."},
			err:  ErrBadResponse,
		},
		{
			name: "authoritative NODATA with NS",
			aa:   true,
			ns:   []string{"example.com. 300 IN NS ns.example.com."},
			want: step{target: "example.com.", ttl: 1<<32 - 1},
		},
		{
			name:   "loop in answer",
			answer: []string{"example.com. 1 IN CNAME b.example.com.", "b.example.com. 1 IN CNAME example.com."},
			err:    ErrCNAMEChain,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := new(dns.Msg)
			m.SetQuestion("example.com.", dns.TypeMX)
			m.Response, m.Rcode, m.Authoritative = true, tt.rcode, tt.aa
			for _, s := range tt.answer {
				m.Answer = append(m.Answer, rr(t, s))
			}
			for _, s := range tt.ns {
				m.Ns = append(m.Ns, rr(t, s))
			}
			got, err := readResponse(m, "example.com.", dns.TypeMX, maxCNAMEs)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("readResponse: %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got.records) != tt.nrecords {
				t.Errorf("%d records, want %d", len(got.records), tt.nrecords)
			}
			got.records = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("readResponse = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// A server answering another question than the one asked (a spoofing
// attempt or a broken middlebox) gets a temporary error, not a cached
// answer. No real server does this, so a scripted one stands in.
func TestLookupMXRejectsMismatchedAnswer(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
			resp := new(dns.Msg)
			resp.SetReply(req)
			resp.Question[0].Name = "evil.example."
			resp.Answer = []dns.RR{rr(t, "evil.example. 300 IN MX 10 mx.evil.example.")}
			_ = w.WriteMsg(resp)
		})}
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() {
		_ = srv.Shutdown()
		<-done
	})

	r := newResolver(t, Config{Servers: []string{pc.LocalAddr().String()}})
	_, err = r.LookupMX(t.Context(), "example.com")
	if !errors.Is(err, ErrBadResponse) || IsPermanent(err) {
		t.Fatalf("LookupMX = %v, want temporary ErrBadResponse", err)
	}
}
