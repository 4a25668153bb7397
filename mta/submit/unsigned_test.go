package submit

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"sluice/dkim"
)

// A tenant whose Signer is RequireAligned gets a clear 550 for mail that
// would leave without a DKIM signature aligned with its From domain: no
// key at all, or keys of another of its domains; a subdomain of a keyed
// domain is aligned; with allowESP the service's own signature is
// enough. A tenant without the policy keeps sending unsigned.
func TestRequireAligned(t *testing.T) {
	t.Parallel()
	now := time.Unix(1795000000, 0)
	key := func(domain, sel string) dkim.Key {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return dkim.Key{Domain: domain, Selector: sel, Signer: k}
	}
	signer := func(opts dkim.Options) Signer {
		opts.Now = func() time.Time { return now }
		s, err := dkim.NewSigner(opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	acmeKey, espKey := key("acme.example", "a"), key("esp.example", "esp")
	domains := []string{"acme.example", "other.example"}
	strict := &Tenant{Name: "strict", Username: "strict", SenderDomains: domains,
		Signer: RequireAligned(signer(dkim.Options{Keys: []dkim.Key{acmeKey}}), false)}
	nokeys := &Tenant{Name: "nokeys", Username: "nokeys", SenderDomains: domains, Signer: RequireAligned(nil, false)}
	esp := &Tenant{Name: "esp", Username: "esp", SenderDomains: domains,
		Signer: RequireAligned(signer(dkim.Options{Keys: []dkim.Key{acmeKey}, ESPKeys: []dkim.Key{espKey}}), true)}
	espOff := &Tenant{Name: "espoff", Username: "espoff", SenderDomains: domains,
		Signer: RequireAligned(signer(dkim.Options{Keys: []dkim.Key{acmeKey}, ESPKeys: []dkim.Key{espKey}}), false)}
	legacy := &Tenant{Name: "legacy", Username: "legacy", SenderDomains: domains}
	ts := startServer(t, Config{}, strict, nokeys, esp, espOff, legacy)
	for _, tc := range []struct {
		user, from string
		want       string // reply prefix
		sigs       []string
	}{
		{"strict", "a@acme.example", "250", []string{"d=acme.example"}},
		{"strict", "a@news.acme.example", "250", []string{"d=acme.example"}}, // relaxed alignment: a parent's key
		{"strict", "a@other.example", "550 5.7.1", nil},
		{"nokeys", "a@acme.example", "550 5.7.1", nil},
		{"esp", "a@other.example", "250", []string{"d=esp.example"}},
		{"esp", "a@acme.example", "250", []string{"d=acme.example", "d=esp.example"}},
		{"espoff", "a@other.example", "550 5.7.1", nil},
		{"legacy", "a@other.example", "250", nil},
	} {
		c := dialRaw(t, ts.addr).login(tc.user)
		before := len(ts.spool.messages())
		data := "From: " + tc.from + "\r\nTo: b@x.example\r\nSubject: hi\r\n\r\nbody\r\n.\r\n"
		reply := c.send(tc.from, "b@x.example", data)
		if !strings.HasPrefix(reply, tc.want) {
			t.Errorf("%s from %s: %q, want %s", tc.user, tc.from, reply, tc.want)
			continue
		}
		msgs := ts.spool.messages()
		if tc.want != "250" {
			if !strings.Contains(reply, "no DKIM key for the From domain") || len(msgs) != before {
				t.Errorf("%s from %s: refusal %q, %d queued", tc.user, tc.from, reply, len(msgs)-before)
			}
			continue
		}
		body := string(msgs[len(msgs)-1].Body)
		if n := strings.Count(body, "DKIM-Signature:"); n != len(tc.sigs) {
			t.Errorf("%s from %s: %d signatures, want %v", tc.user, tc.from, n, tc.sigs)
		}
		for _, d := range tc.sigs {
			if !strings.Contains(body, d+";") {
				t.Errorf("%s from %s: no signature with %s", tc.user, tc.from, d)
			}
		}
	}
	if n := ts.rejected("unsigned"); n != 3 {
		t.Errorf("rejected as unsigned: %d, want 3", n)
	}
}
