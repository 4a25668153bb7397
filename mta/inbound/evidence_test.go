package inbound

import (
	"slices"
	"strings"
	"testing"
)

// Shapes of tokens, not valid ones: findEvidence only finds candidates.
var (
	tokU = "AQdDAAt0ZW5hbnQtYS50ZXN0gICAgICAgAEBAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	tokC = "AQdCAAt0ZW5hbnQtYS50ZXN0gICAgICAgAEBAAAAAAAAAAAAAAAAAAAAAAAAAAAB"
	tokM = "qeaqgaaabaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" // base32, 45 symbols
)

// TestFindEvidence: tokens are found in headers and bodies through the
// transfer encodings and MIME structures reports use.
func TestFindEvidence(t *testing.T) {
	t.Parallel()
	qp := encode(t, "quoted-printable", []byte(`<a href="https://t.example/c/`+tokC+`">x</a>`))
	b64 := encode(t, "base64", []byte("https://t.example/o/"+tokU+".gif"))
	tests := []struct {
		name string
		raw  string
		want []candidate
		to   []string
	}{
		{"list-unsubscribe header, folded", "List-Unsubscribe: <mailto:U." + strings.ToUpper(tokM) + "@b.test>,\r\n <https://t.example/u/" + tokU + ">\r\n\r\nbody\r\n",
			[]candidate{{tokURL, tokU}, {tokMailUnsub, strings.ToUpper(tokM)}}, nil},
		{"quoted-printable with soft breaks", "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + string(qp),
			[]candidate{{tokURL, tokC}}, nil},
		{"base64 without padding", "Content-Transfer-Encoding: BASE64\r\n\r\n" + strings.TrimRight(string(b64), "=\r\n") + "\r\n",
			[]candidate{{tokURL, tokU}}, nil},
		{"nested rfc822 in base64 multipart", "Content-Type: multipart/report; boundary=\"r\"\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nreport\r\n" +
			"--r\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			string(encode(t, "base64", []byte("To: a@x.test, b@x.test\r\nReturn-Path: <b."+tokM+"@b.test>\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+string(qp)))) + "--r--\r\n",
			[]candidate{{tokBounce, tokM}, {tokURL, tokC}}, []string{"a@x.test", "b@x.test"}},
		{"headers-only part", "Content-Type: multipart/report; boundary=r\r\n\r\n--r\r\nContent-Type: text/rfc822-headers\r\n\r\nTo: c@x.test\r\nList-Unsubscribe: <https://t.example/u/" + tokU + ">\r\n--r--\r\n",
			[]candidate{{tokURL, tokU}}, []string{"c@x.test"}},
		{"broken content-type keeps its boundary", "Content-Type: multipart/mixed; boundary=\"q\"; ;;\r\n\r\n--q\r\nContent-Transfer-Encoding: base64\r\n\r\n" + string(b64) + "--q",
			[]candidate{{tokURL, tokU}}, nil},
		{"no header", "see https://t.example/c/" + tokC + " and b." + tokM + "@b.test\r\n",
			[]candidate{{tokURL, tokC}, {tokBounce, tokM}}, nil},
		{"too short, or inside a longer local part", "https://t.example/c/short and xb." + tokM + "@b.test and b.abc@b.test\r\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := findEvidence([]byte(tt.raw))
			if !slices.Equal(ev.tokens, tt.want) {
				t.Errorf("tokens = %v, want %v", ev.tokens, tt.want)
			}
			if !slices.Equal(ev.returnedTo, tt.to) {
				t.Errorf("returned To = %v, want %v", ev.returnedTo, tt.to)
			}
		})
	}
}

// TestFindEvidenceBounded: a report stuffed with candidates keeps a
// bounded number, and deep nesting stops.
func TestFindEvidenceBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 1000 {
		b.WriteString("/c/" + tokC[:40] + string(rune('a'+i%26)) + strings.Repeat("x", i%50) + "\n")
	}
	if ev := findEvidence([]byte(b.String())); len(ev.tokens) != maxTokens {
		t.Errorf("%d tokens, want the bound %d", len(ev.tokens), maxTokens)
	}
	deep := "https://t.example/c/" + tokC
	for range 20 {
		deep = "Content-Type: message/rfc822\r\n\r\n" + deep
	}
	if ev := findEvidence([]byte(deep)); len(ev.tokens) != 0 {
		t.Errorf("found %v beyond the depth bound", ev.tokens)
	}
}
