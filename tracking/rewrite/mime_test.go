package rewrite

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestEncodeQP(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 80)
	for _, tc := range []struct{ in, want string }{
		{"a=b\r\n", "a=3Db\r\n"},
		{"trailing \r\ntab\t", "trailing=20\r\ntab=09"},
		{"-- \r\n--boundary\r\n", "=2D-=20\r\n=2D-boundary\r\n"},
		{"From me\r\nFrom", "=46rom me\r\nFrom"},
		{"caf\xc3\xa9", "caf=C3=A9"},
		{"bare\nLF and \rCR", "bare=0ALF and =0DCR"},
		{long, strings.Repeat("x", 75) + "=\r\n" + "xxxxx"},
		{strings.Repeat("x", 76) + "\r\n", strings.Repeat("x", 76) + "\r\n"},
		{strings.Repeat("x", 74) + "==", strings.Repeat("x", 74) + "=\r\n=3D=3D"},
	} {
		if got := string(encodeQP(nil, []byte(tc.in), "\r\n")); got != tc.want {
			t.Errorf("encodeQP(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if got := string(encodeQP(nil, []byte("a\r\nb\n"), "\n")); got != "a=0D\nb\n" {
		t.Errorf("LF mode: %q", got)
	}
}

// FuzzQP checks that decodeQP undoes encodeQP exactly and that encoded
// lines stay within 76 characters.
func FuzzQP(f *testing.F) {
	for _, s := range []string{"", "a=b", "x \r\n", "\r\n\r\n", "From x", "-", strings.Repeat("\xff", 40), strings.Repeat("a ", 50)} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, src []byte, crlf bool) {
		nl := "\n"
		if crlf {
			nl = "\r\n"
		}
		enc := encodeQP(nil, src, nl)
		for _, line := range strings.Split(string(enc), nl) {
			if len(line) > maxEncodedLine {
				t.Fatalf("line of %d: %q", len(line), line)
			}
			if strings.HasPrefix(line, "--") || strings.HasPrefix(line, "From ") {
				t.Fatalf("line %q", line)
			}
		}
		dec, ok := decodeQP(enc)
		if !ok || !bytes.Equal(dec, src) {
			t.Fatalf("%q -> %q -> %q, %v", src, enc, dec, ok)
		}
	})
}

func TestBase64(t *testing.T) {
	t.Parallel()
	src := bytes.Repeat([]byte("0123456789"), 20)
	enc := encodeBase64(nil, src, "\r\n")
	lines := strings.Split(string(enc), "\r\n")
	for i, l := range lines {
		if len(l) != 76 && i < len(lines)-1 || len(l) > 76 {
			t.Errorf("line %d: %d characters", i, len(l))
		}
	}
	dec, trailer, ok := decodeBase64(append(enc, "\r\n\r\n"...))
	if !ok || !bytes.Equal(dec, src) || string(trailer) != "\r\n\r\n" {
		t.Errorf("decode: %v %q", ok, trailer)
	}
	if _, _, ok := decodeBase64([]byte("not base64!")); ok {
		t.Error("decoded garbage")
	}
}

func TestSplitMultipart(t *testing.T) {
	t.Parallel()
	body := "pre\r\n--b\r\none\r\n--b \t\r\ntwo\r\n--bx\r\n\r\n--b--\r\nepi\r\n--b\r\nignored\r\n"
	parts := splitMultipart([]byte(body), "b")
	var got []string
	for _, p := range parts {
		got = append(got, body[p.start:p.end])
	}
	if want := []string{"one", "two\r\n--bx\r\n"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// No preamble, bare LF, no close delimiter.
	body = "--b\nx\n--b\ny"
	parts = splitMultipart([]byte(body), "b")
	if len(parts) != 2 || body[parts[0].start:parts[0].end] != "x" || body[parts[1].start:parts[1].end] != "y" {
		t.Errorf("got %v", parts)
	}
	if parts := splitMultipart([]byte("--b\r\n--b\r\n--b--"), "b"); len(parts) != 2 || parts[0].start != parts[0].end {
		t.Errorf("empty parts: %v", parts)
	}
	// CRLF set by the first delimiter: LF-only lines are content, as in
	// mime/multipart.
	body = "--b\r\nx\n--b\ny\r\n--b--\n\r\n--b--\r\n"
	parts = splitMultipart([]byte(body), "b")
	if len(parts) != 1 || body[parts[0].start:parts[0].end] != "x\n--b\ny\r\n--b--\n" {
		t.Errorf("got %v", parts)
	}
}

// msgOpts tracks everything with test URLs, without List-Unsubscribe.
func msgOpts() Options {
	o := testOptions()
	o.Unsubscribe = nil
	o.TrackText = true
	return o
}

func TestMessageShapes(t *testing.T) {
	t.Parallel()
	link := "https://t.example/c/L0x/" + testToken
	pixel := testPixel
	for _, tc := range []struct {
		name, in, want string
		opts           func(*Options)
	}{
		{
			name: "bare LF",
			in:   "Subject: x\nContent-Type: text/html\n\n<a href=\"https://a.example/\">a</a>\n",
			want: "Subject: x\nContent-Type: text/html\n\n<a href=\"" + link + "\">a</a>" + pixel + "\n",
		},
		{
			name: "no body gets List-Unsubscribe on a line of its own",
			in:   "Subject: x",
			want: "Subject: x\r\nList-Unsubscribe: <" + testUnsubURL + ">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
			opts: func(o *Options) { o.Unsubscribe = &Unsubscribe{HTTPS: testUnsubURL} },
		},
		{
			name: "mailto only, no Post; existing Post kept alone",
			in:   "Subject: x\r\n\r\nbody",
			want: "Subject: x\r\nList-Unsubscribe: <" + testMailto + ">\r\n\r\nbody",
			opts: func(o *Options) { o.Unsubscribe = &Unsubscribe{Mailto: testMailto} },
		},
		{
			name: "the message's own List-Unsubscribe-Post gives way to sluice's",
			in:   "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nbody",
			want: "List-Unsubscribe: <" + testUnsubURL + ">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nbody",
			opts: func(o *Options) { o.Unsubscribe = &Unsubscribe{HTTPS: testUnsubURL} },
		},
		{
			name: "base64 trailer kept",
			in:   "Content-Type: text/plain\r\nContent-Transfer-Encoding: BASE64\r\n\r\naHR0cDovL2EuZXhhbXBsZS8=\r\n\r\n",
			want: "Content-Type: text/plain\r\nContent-Transfer-Encoding: BASE64\r\n\r\n" +
				strings.TrimSpace(string(encodeBase64(nil, []byte(link), "\r\n"))) + "\r\n\r\n",
		},
		{
			name: "part without Content-Transfer-Encoding gets one when re-encoded",
			in: "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n" +
				strings.Repeat("x", 990) + "<a href=\"https://a.example/\">a</a>\r\n--b--\r\n",
			want: "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n" +
				"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
				string(encodeQP(nil, []byte(strings.Repeat("x", 990)+"<a href=\""+link+"\">a</a>"+pixel), "\r\n")) + "\r\n--b--\r\n",
		},
		{
			name: "duplicate Content-Type left alone",
			in:   "Content-Type: text/html\r\nContent-Type: text/plain\r\n\r\n<a href=\"https://a.example/\">a</a>",
			want: "Content-Type: text/html\r\nContent-Type: text/plain\r\n\r\n<a href=\"https://a.example/\">a</a>",
		},
		{
			name: "unknown transfer encoding left alone",
			in:   "Content-Type: text/html\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n<a href=\"https://a.example/\">a</a>",
			want: "Content-Type: text/html\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n<a href=\"https://a.example/\">a</a>",
		},
		{
			name: "base64 multipart left alone",
			in:   "Content-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: base64\r\n\r\n--b\r\n\r\nhttps://a.example/\r\n--b--",
			want: "Content-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: base64\r\n\r\n--b\r\n\r\nhttps://a.example/\r\n--b--",
		},
		{
			name: "digest parts default to message/rfc822",
			in:   "Content-Type: multipart/digest; boundary=b\r\n\r\n--b\r\n\r\nSubject: x\r\n\r\nhttps://a.example/\r\n--b--",
			want: "Content-Type: multipart/digest; boundary=b\r\n\r\n--b\r\n\r\nSubject: x\r\n\r\nhttps://a.example/\r\n--b--",
		},
		{
			name: "message/rfc822 left alone",
			in:   "Content-Type: message/rfc822\r\n\r\nContent-Type: text/html\r\n\r\n<a href=\"https://a.example/\">a</a>",
			want: "Content-Type: message/rfc822\r\n\r\nContent-Type: text/html\r\n\r\n<a href=\"https://a.example/\">a</a>",
		},
		{
			name: "ISO-2022-JP left alone",
			in:   "Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\nhttps://a.example/",
			want: "Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\nhttps://a.example/",
		},
		{
			name: "header without separator is no body",
			in:   "Content-Type: text/html\r\nX-Sluice-Track: all\r\n",
			want: "Content-Type: text/html\r\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := msgOpts()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			out, _, err := Message([]byte(tc.in), opts)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want {
				t.Errorf("\n got %q\nwant %q", out, tc.want)
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	t.Parallel()
	build := func(depth int) string {
		s := "Content-Type: text/html\r\n\r\n<a href=\"https://a.example/\">a</a>"
		for i := range depth {
			b := fmt.Sprintf("b%d", i)
			s = "Content-Type: multipart/mixed; boundary=" + b + "\r\n\r\n--" + b + "\r\n" + s + "\r\n--" + b + "--\r\n"
		}
		return s
	}
	for _, tc := range []struct {
		depth int
		links int
	}{{maxDepth, 1}, {maxDepth + 1, 0}, {500, 0}} {
		_, res, err := Message([]byte(build(tc.depth)), msgOpts())
		if err != nil || len(res.Links) != tc.links {
			t.Errorf("depth %d: %d links, %v; want %d", tc.depth, len(res.Links), err, tc.links)
		}
	}
}

func TestLinkLimit(t *testing.T) {
	t.Parallel()
	msg := "Content-Type: text/plain\r\n\r\n" + strings.Repeat("https://a.example/ ", maxLinks+5)
	_, res, err := Message([]byte(msg), msgOpts())
	if err != nil || len(res.Links) != maxLinks {
		t.Errorf("%d links, %v", len(res.Links), err)
	}
}

func TestLongUnsubscribeFolds(t *testing.T) {
	t.Parallel()
	u := &Unsubscribe{HTTPS: "https://t.example/u/" + testToken, Mailto: "mailto:u." + testToken + "@bounce.example"}
	out, res, err := Message([]byte("Subject: x\r\n\r\n"), Options{Unsubscribe: u})
	if err != nil || !res.Unsubscribe {
		t.Fatal(err)
	}
	want := "Subject: x\r\nList-Unsubscribe: <" + u.HTTPS + ">,\r\n <" + u.Mailto + ">\r\n" +
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n"
	if string(out) != want {
		t.Errorf("\n got %q\nwant %q", out, want)
	}
}
