package reencode

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// longHTML is one line of HTML of n octets or a little more, with
// non-ASCII text, "=" signs and trailing space in places, as templating
// engines write it.
func longHTML(n int) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><body style="margin:0">`)
	for i := 0; b.Len() < n; i++ {
		b.WriteString(`<td class="c" style="padding:8px">Größe café №` + strings.Repeat("x", i%7) + ` <a href="https://example.com/p?a=1&b=2">link</a> </td>`)
	}
	b.WriteString("</body></html>")
	return b.String()
}

// newsletter is multipart/alternative with a short text part and a 20 KB
// one-line HTML part, the commonest shape of the problem.
func newsletter() string {
	return crlf(`From: News <news@example.com>
To: a@example.net
Subject: Weekly
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt-1"

This is a multi-part message in MIME format.
--alt-1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hello, this week: Größe.
--alt-1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

`) + longHTML(20000) + "\r\n" + crlf(`--alt-1--
`)
}

// attachment is multipart/mixed with a base64 attachment written as one
// line, and a text part.
func attachment() (msg string, data []byte) {
	data = make([]byte, 30000)
	for i := range data {
		data[i] = byte(i * 7 % 251)
	}
	return crlf(`From: a@example.com
Subject: report
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=mix

--mix
Content-Type: text/plain

See attached.
--mix
Content-Type: application/pdf; name=r.pdf
Content-Disposition: attachment; filename=r.pdf
Content-Transfer-Encoding: base64

`) + base64.StdEncoding.EncodeToString(data) + "\r\n" + crlf(`--mix--
`), data
}

// forwarded is a message/rfc822 part whose inner HTML body has a long line.
func forwarded() string {
	return crlf(`From: b@example.com
Subject: Fwd: Weekly
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain

Forwarding this.
--outer
Content-Type: message/rfc822

From: News <news@example.com>
Subject: Weekly
Content-Type: text/html; charset=utf-8

`) + longHTML(3000) + "\r\n" + crlf(`--outer--
`)
}

func longHeader() string {
	var refs []string
	for i := range 60 {
		refs = append(refs, "<message-"+strings.Repeat("r", i%9)+"-id@mail.example.com>")
	}
	return crlf(`From: a@example.com
Subject: ` + strings.Repeat("Ein sehr langer Betreff ", 60) + `
References: ` + strings.Join(refs, " ") + `

short body
`)
}

func TestConformFixtures(t *testing.T) {
	t.Parallel()
	att, attData := attachment()
	for _, tc := range []struct {
		name string
		msg  string
		// want: substrings of the output
		want []string
		// keep: substrings of the input that the output keeps as they are
		keep []string
	}{
		{"newsletter HTML part", newsletter(),
			[]string{"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<!DOCTYPE html>"},
			[]string{"This is a multi-part message in MIME format.\r\n--alt-1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHello, this week: Größe.\r\n--alt-1\r\n"}},
		{"base64 attachment in one line", att,
			[]string{"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(attData)[:76] + "\r\n"},
			[]string{"--mix\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--mix\r\n", "Content-Disposition: attachment; filename=r.pdf\r\n"}},
		{"forwarded message", forwarded(),
			[]string{"Content-Type: message/rfc822\r\n\r\nFrom: News <news@example.com>\r\nSubject: Weekly\r\nContent-Type: text/html; charset=utf-8\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"},
			[]string{"--outer\r\nContent-Type: text/plain\r\n\r\nForwarding this.\r\n"}},
		{"long Subject and References", longHeader(),
			[]string{"Subject: Ein sehr langer Betreff", "\r\n Betreff Ein sehr", "\r\n <message-"},
			[]string{"\r\n\r\nshort body\r\n"}},
		{"plain text without MIME", crlf("From: a@example.com\n\n") + strings.Repeat("wörd ", 400) + "\r\n",
			[]string{"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nw=C3=B6rd "},
			[]string{"From: a@example.com\r\n"}},
		{"long preamble", crlf("Content-Type: multipart/mixed; boundary=b\n\n") + strings.Repeat("pre ", 400) + crlf("\n--b\n\nx\n--b--\n"),
			[]string{"\r\n--b\r\n\r\nx\r\n--b--\r\n"}, nil},
		{"quoted-printable with long lines", crlf("Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n") + strings.Repeat("a=3Db caf=C3=A9 ", 300) + "\r\n",
			[]string{"Content-Transfer-Encoding: quoted-printable\r\n\r\na=3Db caf=C3=A9 a=3Db"}, nil},
		{"application/json to quoted-printable", crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/json\n\n") + `{"k":"` + strings.Repeat("v", 2000) + `"}` + crlf("\n--b--\n"),
			[]string{"Content-Type: application/json\r\nContent-Transfer-Encoding: quoted-printable\r\n"}, nil},
		{"binary 8bit part to base64", crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: 8bit\n\n") + strings.Repeat("\x80\x81\x82\x83abc", 300) + crlf("\n--b--\n"),
			[]string{"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"}, nil},
		// A soft break or a wrap must not start a line with "--b--".
		{"dash after a soft break", crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n") + strings.Repeat("x", 75) + "--b-- " + strings.Repeat("y", 1000) + crlf("\n--b\n\nsecond\n--b--\n"),
			[]string{"\r\n=2D-b-- "}, []string{"\r\n--b\r\n\r\nsecond\r\n--b--\r\n"}},
		{"dash at a preamble wrap", crlf("Content-Type: multipart/mixed; boundary=b\n\n") + strings.Repeat("p", MaxLine) + "--b--" + crlf("\n--b\n\nx\n--b--\n"),
			[]string{"\r\n--b\r\n\r\nx\r\n--b--\r\n"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := []byte(tc.msg)
			orig := bytes.Clone(in)
			out, changed, err := Conform(in, MaxLine)
			if err != nil || !changed {
				t.Fatalf("Conform: changed %v, err %v", changed, err)
			}
			if !bytes.Equal(in, orig) {
				t.Fatal("Conform modified its input")
			}
			for _, w := range tc.want {
				if !bytes.Contains(out, []byte(w)) {
					t.Errorf("output lacks %q\n%.3000s", w, out)
				}
			}
			for _, k := range tc.keep {
				if !bytes.Contains(out, []byte(k)) {
					t.Errorf("output does not keep %q", k)
				}
			}
			checkConforms(t, in, out, MaxLine)
		})
	}
}

// TestConformHeaderUnfolds checks that folding a header field changes
// nothing but line breaks: unfolded, it is the field as it was.
func TestConformHeaderUnfolds(t *testing.T) {
	t.Parallel()
	in := []byte(longHeader())
	out, _, err := Conform(in, MaxLine)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.ReplaceAll(string(out), "\r\n ", " "), string(in); got != want {
		t.Fatalf("unfolded output differs from input:\n%s", got)
	}
	for _, line := range strings.Split(string(out), "\r\n") {
		if len(line) > 78 && strings.Contains(line[1:78], " ") {
			t.Errorf("line of %d octets could have been folded within 78: %.90q", len(line), line)
		}
	}
}

func TestConformErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 1200)
	for _, tc := range []struct {
		name, msg, part string
		want            error
	}{
		{"header without whitespace", "DKIM-Foo: " + long + "\r\n\r\nbody\r\n", "", ErrUnfoldableHeader},
		{"part header without whitespace", crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nX-Data: ") + long + crlf("\n\nbody\n--b--\n"), "1", ErrUnfoldableHeader},
		{"multipart without boundary", crlf("Content-Type: multipart/mixed\n\n") + long + "\r\n", "", ErrUnencodable},
		{"unknown transfer encoding", crlf("Content-Transfer-Encoding: x-uuencode\n\n") + long + "\r\n", "", ErrUnencodable},
		{"message/partial", crlf("Content-Type: message/partial; id=a; number=1\n\n") + long + "\r\n", "", ErrUnencodable},
		{"nested in rfc822", crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b\nContent-Type: message/rfc822\n\nSubject: ") + long + crlf("\n\nx\n--b--\n"), "2", ErrUnfoldableHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Conform([]byte(tc.msg), MaxLine)
			var e *Error
			if !errors.Is(err, tc.want) || !errors.As(err, &e) || e.Part != tc.part {
				t.Fatalf("err = %v, want %v at part %q", err, tc.want, tc.part)
			}
		})
	}
	if _, _, err := Conform(nil, 10); !errors.Is(err, ErrLimit) {
		t.Fatalf("limit 10: err = %v, want ErrLimit", err)
	}
}

// TestConformCleanNoCopy checks that a conforming message comes back as
// the same slice, unchanged, including lines of exactly the limit.
func TestConformCleanNoCopy(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{
		"", "\r\n", "Subject: x\r\n\r\nbody",
		"Subject: x\r\n\r\n" + strings.Repeat("y", MaxLine) + "\r\n",
		"Subject: x\r\n\r\n" + strings.Repeat("y", MaxLine),
		"Subject: x\r\n\r\n" + strings.Repeat("y", MaxLine-1) + "\r\r\n",
		newsletterShort(),
	} {
		in := []byte(msg)
		out, changed, err := Conform(in, MaxLine)
		if err != nil || changed || len(out) != len(in) || len(in) > 0 && &out[0] != &in[0] {
			t.Errorf("Conform(%.40q) = changed %v, err %v, or copied", msg, changed, err)
		}
	}
}

func newsletterShort() string {
	return strings.Replace(newsletter(), longHTML(20000), longHTML(500), 1)
}

func TestHasLongLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want bool
	}{
		{"", 3, false},
		{"abc", 3, false},
		{"abcd", 3, true},
		{"abc\r\n", 3, false},
		{"abcd\r\n", 3, true},
		{"abc\n", 3, false},
		{"abcd\n", 3, true},
		{"abc\r", 3, true}, // a CR without LF is content
		{"ab\r\r\n", 3, false},
		{"abc\r\r\n", 3, true},
		{"a\r\nabc\r\nabcd", 3, true},
		{"a\r\nabc\r\nabc", 3, false},
		{"\n\n\n", 0, false},
	} {
		if got := hasLongLine([]byte(tc.in), tc.max); got != tc.want {
			t.Errorf("hasLongLine(%q, %d) = %v, want %v", tc.in, tc.max, got, tc.want)
		}
		if got := longLineAt([]byte(tc.in), tc.max) >= 0; got != tc.want {
			t.Errorf("longLineAt(%q, %d) disagrees: %v", tc.in, tc.max, got)
		}
	}
}
