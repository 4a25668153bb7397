package tlspolicy

import (
	"strings"
	"testing"
)

func FuzzParseTXT(f *testing.F) {
	for _, s := range []string{"v=STSv1; id=20160831085700Z;", "v=STSv1;id=a;x=y", "v=STSv1; id=;", "v=STSv1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseTXT(strings.Split(s, "\x00"))
		if err == nil && (id == "" || len(id) > 32 || !alnum(id)) {
			t.Fatalf("ParseTXT(%q) accepted id %q", s, id)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n"))
	f.Add([]byte("version: STSv1\nmode: none\nmax_age: 0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePolicy(b)
		if err != nil {
			return
		}
		if p.MaxAge < 0 || p.MaxAge > MaxSTSAge || (p.Mode != STSNone && len(p.MX) == 0) {
			t.Fatalf("ParsePolicy(%q) accepted %+v", b, p)
		}
		// What a report prints parses back to the same policy.
		q, err := ParsePolicy([]byte(p.String()))
		if err != nil || q.String() != p.String() {
			t.Fatalf("round trip of %+v: %+v, %v", p, q, err)
		}
		for _, mx := range p.MX {
			p.MatchMX(mx)
		}
	})
}
