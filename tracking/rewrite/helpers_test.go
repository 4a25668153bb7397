package rewrite

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Test tracking URLs: easy to find again in the output, with nothing that
// needs escaping.
const (
	testPixelURL = "https://t.example/o/PIXEL.gif"
	testUnsubURL = "https://t.example/u/UNSUBTOKEN"
	testMailto   = "mailto:u.UNSUBTOKEN@bounce.example"
	testPixel    = `<img src="` + testPixelURL + `" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`
)

// testToken is as long as a real signed token, so that rewritten lines
// grow as they do in production.
const testToken = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4_QA"

var testClickRE = regexp.MustCompile(`https://t\.example/c/L(\d+)x/` + testToken)

func testClickURL(link int, _ string) (string, error) {
	return fmt.Sprintf("https://t.example/c/L%dx/%s", link, testToken), nil
}

func testOpenURL() (string, error) { return testPixelURL, nil }

// testOptions tracks everything with the test URLs.
func testOptions() Options {
	return Options{
		TrackOpens:  true,
		TrackClicks: true,
		ClickURL:    testClickURL,
		OpenURL:     testOpenURL,
		Unsubscribe: &Unsubscribe{HTTPS: testUnsubURL, Mailto: testMailto},
	}
}

// leaf is a leaf entity of a message as mime/multipart sees it.
type leaf struct {
	path   string
	header textproto.MIMEHeader
	raw    []byte // body as transmitted
	data   []byte // body decoded
}

// walk parses msg with the standard library, independently of the code
// under test, and returns its top-level header and leaves in order.
func walk(msg []byte) (textproto.MIMEHeader, []leaf, error) {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(msg)))
	h, err := tp.ReadMIMEHeader()
	if err != nil && !(err == io.EOF && len(h) > 0) {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	body, err := io.ReadAll(tp.R)
	if err != nil {
		return nil, nil, err
	}
	var leaves []leaf
	err = walkEntity(h, body, "1", 0, &leaves)
	return h, leaves, err
}

func walkEntity(h textproto.MIMEHeader, body []byte, path string, depth int, leaves *[]leaf) error {
	typ, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if h.Get("Content-Type") == "" {
		typ, err = "text/plain", nil
	}
	if err == nil && strings.HasPrefix(typ, "multipart/") && depth < maxDepth {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for i := 1; ; i++ {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return fmt.Errorf("%s.%d: %w", path, i, err)
			}
			if err := walkEntity(p.Header, b, fmt.Sprintf("%s.%d", path, i), depth+1, leaves); err != nil {
				return err
			}
		}
	}
	l := leaf{path: path, header: h, raw: body, data: body}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		l.data = d
	case "base64":
		d, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(body)))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		l.data = d
	}
	*leaves = append(*leaves, l)
	return nil
}

// hrefOracle decodes a raw attribute value the way a browser does (with
// the tokenizer, which implements the HTML rules for character references
// in attributes) and cleans it like the URL parser.
func hrefOracle(raw []byte, quote byte) string {
	tag := "<a href=" + string(raw) + ">"
	if quote != 0 {
		tag = "<a href=" + string(quote) + string(raw) + string(quote) + ">"
	}
	z := html.NewTokenizer(strings.NewReader(tag))
	z.Next()
	_, v, _ := z.TagAttr()
	s := strings.TrimFunc(string(v), func(r rune) bool { return r <= ' ' })
	return strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(s)
}

// matchRewrite checks that out is orig with some URLs replaced by test
// tracking URLs, numbered from *next on, each standing for links[n] (an
// href value a browser decodes to it, or a bare URL in text), and with the
// test pixel inserted once when pixel is set. Everything else must be
// byte-identical: the part renders as before, but for the URLs.
func matchRewrite(t *testing.T, name string, orig, out []byte, isHTML, pixel bool, links []string, next *int) {
	t.Helper()
	if pixel {
		i := bytes.Index(out, []byte(testPixel))
		if i < 0 || bytes.Count(out, []byte(testPixel)) != 1 {
			t.Errorf("%s: want one pixel, have %d", name, bytes.Count(out, []byte(testPixel)))
			return
		}
		out = append(out[:i:i], out[i+len(testPixel):]...)
		if j := lastEndTag(out, "body"); j >= 0 && j != i {
			t.Errorf("%s: pixel at %d, </body> at %d", name, i, j)
		}
	} else if bytes.Contains(out, []byte(testPixelURL)) {
		t.Errorf("%s: unexpected pixel", name)
	}
	locs := testClickRE.FindAllSubmatchIndex(out, -1)
	p := 0 // position in orig
	prev := 0
	for n := 0; n <= len(locs); n++ {
		segEnd := len(out)
		if n < len(locs) {
			segEnd = locs[n][0]
		}
		seg := out[prev:segEnd]
		if n == 0 {
			if !bytes.HasPrefix(orig[p:], seg) {
				t.Errorf("%s: output differs before the first link:\n%s", name, firstDiff(orig[p:], seg))
				return
			}
			p += len(seg)
		} else {
			// orig[p:p+k] is the original URL; seg must follow it.
			var idx int
			fmt.Sscan(string(out[locs[n-1][2]:locs[n-1][3]]), &idx)
			if idx != *next {
				t.Errorf("%s: link number %d, want %d", name, idx, *next)
				return
			}
			*next++
			if idx >= len(links) {
				t.Errorf("%s: link %d not in Result.Links", name, idx)
				return
			}
			var quote byte
			if isHTML && p > 0 && (orig[p-1] == '"' || orig[p-1] == '\'') {
				quote = orig[p-1]
			}
			found := false
			for k := 1; k <= 4096 && p+k <= len(orig); k++ {
				if !bytes.HasPrefix(orig[p+k:], seg) {
					continue
				}
				got := string(orig[p : p+k])
				if isHTML {
					got = hrefOracle(orig[p:p+k], quote)
				}
				if got == links[idx] {
					p += k + len(seg)
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s: link %d (%q): no original URL followed by the rest of the output:\n%s", name, idx, links[idx], firstDiff(orig[p:], seg))
				return
			}
		}
		if n < len(locs) {
			prev = locs[n][1]
		}
	}
	if p != len(orig) {
		t.Errorf("%s: output is missing %q", name, orig[p:])
	}
}

// lastEndTag returns the offset of the last </name> end tag in doc, as the
// tokenizer sees it, or -1.
func lastEndTag(doc []byte, name string) int {
	z := html.NewTokenizer(bytes.NewReader(doc))
	pos, last := 0, -1
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return last
		}
		if n, _ := z.TagName(); tt == html.EndTagToken && string(n) == name {
			last = pos
		}
		pos += len(z.Raw())
	}
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-60)
	return fmt.Sprintf("  orig: %q\n  out:  %q", a[from:min(len(a), i+60)], b[from:min(len(b), i+60)])
}

// checkLines checks the line length limits of an output leaf.
func checkLines(t *testing.T, name string, l leaf) {
	t.Helper()
	cte := strings.ToLower(l.header.Get("Content-Transfer-Encoding"))
	lines := strings.Split(string(l.raw), "\n")
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		switch {
		case cte == "quoted-printable" && len(line) > maxEncodedLine:
			t.Errorf("%s: quoted-printable line %d has %d characters", name, i+1, len(line))
		case cte == "base64" && len(line) > maxEncodedLine:
			t.Errorf("%s: base64 line %d has %d characters", name, i+1, len(line))
		case len(line) > maxLine:
			t.Errorf("%s: line %d has %d octets", name, i+1, len(line))
		}
	}
}
