package tlsrpt

import (
	"strings"
	"testing"
)

// FuzzParseRecord: whatever a stranger's DNS holds, ParseRecord neither
// panics nor accepts a record whose ruas the reporter could not use
// safely (a header-injecting address, a host-less https URI).
func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		"v=TLSRPTv1; rua=mailto:tlsrpt@example.net",
		"v=TLSRPTv1;rua=https://r.example/x, mailto:a@b.example;ext=1;",
		"v=TLSRPTv1; rua=mailto:a%2Cb@example.net",
		"v=TLSRPTv1 ; rua=ftp://x/,https://u@h/",
		"v=spf1 -all\x00v=TLSRPTv1; rua=mailto:x@y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rec, err := ParseRecord(strings.Split(s, "\x00"))
		if err != nil {
			return
		}
		if len(rec.RUA) == 0 || len(rec.RUA) > maxRUA {
			t.Fatalf("%q: %d ruas", s, len(rec.RUA))
		}
		for _, u := range rec.RUA {
			switch u.Scheme {
			case "mailto":
				a, err := MailtoAddress(u)
				if err != nil || strings.ContainsAny(a, "\r\n<>, ") || !strings.Contains(a, "@") {
					t.Fatalf("%q: mailto %q gives %q, %v", s, u, a, err)
				}
			case "https":
				if u.Hostname() == "" || u.User != nil {
					t.Fatalf("%q: https rua %q", s, u)
				}
			default:
				t.Fatalf("%q: scheme %q", s, u.Scheme)
			}
		}
	})
}
