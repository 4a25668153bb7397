package submit

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var fuzzInfo = receivedInfo{helo: "h", remoteIP: "127.0.0.1", hostname: "mx.test", id: "00000000000000ab",
	protocol: "ESMTPA", user: "u", date: time.Unix(1795000000, 0)}

// FuzzPrepare checks prepare on any submission: it never panics; what it
// returns holds no bare CR or LF, no NUL, only UTF-8 in its header, no
// submission-control header and exactly one X-Sluice-ID (ours); preparing
// the result again changes only the trace fields on top; and
// normalisation is idempotent and leaves clean input as it is.
func FuzzPrepare(f *testing.F) {
	for _, s := range []string{
		"From: a@b.example\r\n\r\nx\r\n",
		"From: a@b.example\nX-Sluice-Stream: transactional\nX-Sluice-Pool: p\r\nX-Sluice-Campaign: c\r\n\r\n.\r\n",
		"Subject: a\rX-Sluice-ID: 1\r\n\r\nhi\r.\r\n",
		"x\x00y", "Subject: caf\xe9\r\n\r\n", "From:\r\n\tb\r\n", "\r\n\r\n", "",
		"From: a@b.example\r\nResent-From: c@d.example\r\nresent-sender: <<<\r\nX-\u017Fluice-ID: 9\r\n\r\nx\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		n := normalizeCRLF(raw)
		if i := bareLineEnd(n); i >= 0 {
			t.Fatalf("normalizeCRLF(%q) = %q: bare line end at %d", raw, n, i)
		}
		if n2 := normalizeCRLF(n); !bytes.Equal(n2, n) || len(n) > 0 && &n2[0] != &n[0] {
			t.Fatalf("normalizeCRLF not idempotent or copied clean input: %q", n)
		}
		p := prepare(append([]byte(nil), raw...), fuzzInfo, 64)
		if p.bad != nil {
			return
		}
		check := func(msg []byte) {
			if i := bareLineEnd(msg); i >= 0 {
				t.Fatalf("prepare(%q): bare line end at %d in %q", raw, i, msg)
			}
			if bytes.IndexByte(msg, 0) >= 0 {
				t.Fatalf("prepare(%q): NUL passed", raw)
			}
			header, _ := splitHeader(msg)
			if !utf8.Valid(header) {
				t.Fatalf("prepare(%q): header not UTF-8", raw)
			}
			ids := 0
			eachField(header, func(name string, _ []byte) {
				for _, h := range []string{StreamHeader, PriorityHeader, PoolHeader, CampaignHeader} {
					if strings.EqualFold(name, h) {
						t.Fatalf("prepare(%q): %s survived in %q", raw, h, msg)
					}
				}
				if strings.EqualFold(name, IDHeader) {
					ids++
				}
			})
			if ids != 1 {
				t.Fatalf("prepare(%q): %d %s fields", raw, ids, IDHeader)
			}
		}
		check(p.msg)
		// Again: the trace on top is added once more, the message's own
		// X-Sluice-ID is dropped, everything else stays as it was.
		p2 := prepare(append([]byte(nil), p.msg...), fuzzInfo, 0)
		if p2.bad != nil {
			t.Fatalf("prepare(%q) gave %q, which prepare refuses: %v", raw, p.msg, p2.bad.reply)
		}
		check(p2.msg)
		trace := appendReceived(nil, fuzzInfo)
		top := append(append([]byte(nil), trace...), IDHeader+": "+fuzzInfo.id+"\r\n"...)
		if want := append(append(bytes.Clone(top), trace...), p.msg[len(top):]...); !bytes.Equal(p2.msg, want) {
			t.Fatalf("prepare twice:\n%q\nwant\n%q", p2.msg, want)
		}
		if p2.stream != 0 || p2.pool != "" || p2.campaign != "" || p2.streamBad != "" {
			t.Fatalf("prepare(%q): control headers read twice", raw)
		}
		if p.eightBit != hasHighBit(p.msg) {
			t.Fatalf("prepare(%q): eightBit = %v", raw, p.eightBit)
		}
	})
}

// FuzzHeaderAddresses checks the From/Sender parser on any field value:
// no panic; every address it returns has a local part and a domain; a
// tenant allows one of them only if its domain is the tenant's; and the
// policy never answers with a raw byte.
func FuzzHeaderAddresses(f *testing.F) {
	for _, s := range []string{
		"a@b.example", "A <a@b.example>, c@d.example", "g: a@b.example;", "g:;", "\"x@y\"@z.example",
		"=?koi8-r?B?9MXT1A==?= <a@b.example>", "a@b.example (c@d.example)", "<<<", "a@[1.2.3.4]",
		"me@\u212Ab.example", "a@\u00fc.b.example", "a@B.EXAMPLE.",
	} {
		f.Add(s)
	}
	tn := &Tenant{SenderDomains: []string{"b.example"}}
	f.Fuzz(func(t *testing.T, v string) {
		addrs, ok := headerAddresses(v)
		if ok != (len(addrs) > 0) {
			t.Fatalf("headerAddresses(%q) = %q, %v", v, addrs, ok)
		}
		for _, a := range addrs {
			at := strings.LastIndexByte(a, '@')
			if at <= 0 || at == len(a)-1 {
				t.Fatalf("headerAddresses(%q): %q has no local part or domain", v, a)
			}
			if d := domainOf(a); tn.mayUseHeaderAddress(a) != (isASCII(d) && (d == "b.example" || strings.HasSuffix(d, ".b.example"))) {
				t.Fatalf("headerAddresses(%q): %q allowed wrongly", v, a)
			}
		}
		if r := fromPolicy(tn, &prepared{from: []string{v}, resentFrom: []string{v}}); r != nil {
			for _, c := range []byte(r.reply.Message) {
				if c < ' ' || c >= 0x7f {
					t.Fatalf("fromPolicy(%q) reply is not printable ASCII: %q", v, r.reply.Message)
				}
			}
		}
	})
}
