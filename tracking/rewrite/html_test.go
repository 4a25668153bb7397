package rewrite

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// rewriteHTMLString runs the HTML rewriter alone, with short tracking URLs.
func rewriteHTMLString(t *testing.T, src string, opens bool, skip ...string) (string, []string) {
	t.Helper()
	skipSet := map[string]bool{}
	for _, s := range skip {
		skipSet[s] = true
	}
	r := &rewriter{
		opts: Options{
			ClickURL: func(i int, _ string) (string, error) { return fmt.Sprintf("https://t.example/c/%d", i), nil },
			OpenURL:  func() (string, error) { return "https://t.example/o/p.gif", nil },
		},
		clicks: true, opens: opens, skip: skipSet,
	}
	out, err := r.rewriteHTML([]byte(src), true)
	if err != nil {
		t.Fatal(err)
	}
	if out == nil {
		return src, r.links
	}
	return string(out), r.links
}

func TestHTMLLinks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
		links          []string
	}{
		{"double quotes", `<a href="https://a.example/x?y=1&amp;z=2">`, `<a href="https://t.example/c/0">`, []string{"https://a.example/x?y=1&z=2"}},
		{"single quotes", `<a class=b href='https://a.example/'>`, `<a class=b href='https://t.example/c/0'>`, []string{"https://a.example/"}},
		{"unquoted", `<A HREF=https://a.example/ target=_blank>`, `<A HREF=https://t.example/c/0 target=_blank>`, []string{"https://a.example/"}},
		{"spaces around =", "<a href \n=\t\"http://a.example/\">", "<a href \n=\t\"https://t.example/c/0\">", []string{"http://a.example/"}},
		{"area", `<area shape=rect href="https://a.example/m">`, `<area shape=rect href="https://t.example/c/0">`, []string{"https://a.example/m"}},
		{"self-closing", `<a href="https://a.example/"/>`, `<a href="https://t.example/c/0"/>`, []string{"https://a.example/"}},
		{"unquoted before />", `<a href=https://a.example/ />`, `<a href=https://t.example/c/0 />`, []string{"https://a.example/"}},
		{"first href wins", `<a href="https://a.example/1" href="https://a.example/2">`, `<a href="https://t.example/c/0" href="https://a.example/2">`, []string{"https://a.example/1"}},
		{"data-href is not href", `<a data-href="https://a.example/1" href="https://a.example/2">`, `<a data-href="https://a.example/1" href="https://t.example/c/0">`, []string{"https://a.example/2"}},
		{"href in other attribute value", `<a title='href="https://x.example/"' href="https://a.example/">`, `<a title='href="https://x.example/"' href="https://t.example/c/0">`, []string{"https://a.example/"}},
		{"newline and tab inside", "<a href=\"https://a.ex\nample/p\tq\">", `<a href="https://t.example/c/0">`, []string{"https://a.example/pq"}},
		{"numeric references", `<a href="&#104;ttps://a.example/&#x3F;q">`, `<a href="https://t.example/c/0">`, []string{"https://a.example/?q"}},
		{"backslashes", `<a href="https:\\a.example\p">`, `<a href="https://t.example/c/0">`, []string{`https:\\a.example\p`}},
		{"VML", `<v:roundrect href="https://a.example/b" arcsize="10%">`, `<v:roundrect href="https://t.example/c/0" arcsize="10%">`, []string{"https://a.example/b"}},
		{"two links", `<a href="https://a.example/">a</a><a href="https://a.example/">b</a>`, `<a href="https://t.example/c/0">a</a><a href="https://t.example/c/1">b</a>`, []string{"https://a.example/", "https://a.example/"}},
		{"conditional comment", `<!--[if mso]><v:rect href="https://a.example/v"/><![endif]--><a href="https://a.example/a">`, `<!--[if mso]><v:rect href="https://t.example/c/0"/><![endif]--><a href="https://t.example/c/1">`, []string{"https://a.example/v", "https://a.example/a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, links := rewriteHTMLString(t, tc.in, false)
			if got != tc.want || !slices.Equal(links, tc.links) {
				t.Errorf("got  %q %q\nwant %q %q", got, links, tc.want, tc.links)
			}
		})
	}
}

func TestHTMLLeftAlone(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`<a href="mailto:a@example.com">`,
		`<a href="tel:+441234">`,
		`<a href="#top">`,
		`<a href="/relative">`,
		`<a href="//a.example/protocol-relative">`,
		`<a href="https:a.example">`,
		`<a href="https://">`,
		`<a href="ftp://a.example/">`,
		`<a href="javascript:alert(1)">`,
		`<a href="{{unsubscribe}}">`,
		`<a href="%unsubscribe_url%">`,
		`<a href="*|UNSUB|*">`,
		`<a href>`,
		`<a name="https://a.example/">`,
		`<a href="https://a.example/" data-sluice-notrack>`,
		`<a data-sluice-notrack="" href="https://a.example/">`,
		`<a href="https://a.example/" DATA-SLUICE-UNSUBSCRIBE>`,
		`<a href="https://t.example/u/X">`,
		`<link href="https://a.example/style.css" rel="stylesheet">`,
		`<base href="https://a.example/">`,
		`<img src="https://a.example/i.png">`,
		`<!-- <a href="https://a.example/"> -->`,
		`<script>document.write('<a href="https://a.example/">')</script>`,
		`<style>a[href="https://a.example/"] { color: red }</style>`,
		`<title><a href="https://a.example/"></title>`,
		`<textarea><a href="https://a.example/"></textarea>`,
		`<a href="https://a.example/`, // unterminated tag at the end
	} {
		got, links := rewriteHTMLString(t, in, false, "https://t.example/u/X")
		if got != in || len(links) != 0 {
			t.Errorf("%q became %q (%q)", in, got, links)
		}
	}
}

func TestHTMLNonASCII(t *testing.T) {
	t.Parallel()
	r := &rewriter{clicks: true, opts: Options{ClickURL: testClickURL}}
	src := []byte("<a href=\"https://caf\xe9.example/\">x</a>")
	if out, _ := r.rewriteHTML(src, false); out != nil {
		t.Errorf("Latin-1 URL rewritten: %q", out)
	}
	if out, _ := r.rewriteHTML(src, true); out != nil {
		t.Errorf("invalid UTF-8 URL rewritten: %q", out)
	}
}

func TestPixel(t *testing.T) {
	t.Parallel()
	const pixel = `<img src="https://t.example/o/p.gif" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`
	for _, tc := range []struct{ in, want string }{
		{"<html><body><p>x</p></body></html>\r\n", "<html><body><p>x</p>" + pixel + "</body></html>\r\n"},
		{"<body>a</BODY >b</body>c", "<body>a</BODY >b" + pixel + "</body>c"},
		{"<p>x</p></html>", "<p>x</p>" + pixel + "</html>"},
		{"<p>x</p>\r\n\r\n", "<p>x</p>" + pixel + "\r\n\r\n"},
		{"<p>x</p><!-- </body> --><script>'</body>'</script>", "<p>x</p><!-- </body> --><script>'</body>'</script>" + pixel},
		{"", pixel},
	} {
		got, _ := rewriteHTMLString(t, tc.in, true)
		if got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestUnquotedGetsQuotes(t *testing.T) {
	t.Parallel()
	r := &rewriter{clicks: true, opts: Options{ClickURL: func(int, string) (string, error) {
		return "https://t.example/c?t=1&u=2", nil
	}}}
	out, err := r.rewriteHTML([]byte(`<a href=https://a.example/>`), true)
	if want := `<a href="https://t.example/c?t=1&amp;u=2">`; err != nil || string(out) != want {
		t.Errorf("got %q, %v; want %q", out, err, want)
	}
}

// FuzzHrefSpan checks that tagName and hrefSpan find the name and the
// attribute the tokenizer reports as the first href, on tags without
// character references.
func FuzzHrefSpan(f *testing.F) {
	for _, s := range []string{
		`<a href="x">`, `<a href='x' href=y>`, `<a =href=x href=y>`, `<a/href=x>`, `<a href = x>`,
		`<a hre f=x href>`, "<a\fhref=\"x\"\f>", `<a b="href=x" href=y>`, `<a href=x/>`, `<a href="a>b">`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		if !strings.HasPrefix(tag, "<a") || strings.ContainsAny(tag, "&\x00") {
			return
		}
		z := html.NewTokenizer(strings.NewReader(tag))
		tt := z.Next()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken || len(z.Raw()) != len(tag) {
			return
		}
		name, more := z.TagName()
		got := []byte(string(tagName([]byte(tag))))
		for i, c := range got { // ASCII only, as the tokenizer
			if 'A' <= c && c <= 'Z' {
				got[i] = c + 'a' - 'A'
			}
		}
		if string(got) != string(name) {
			t.Errorf("%q: tagName = %q, tokenizer %q", tag, got, name)
		}
		var want string
		found := false
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			if string(k) == "href" && !found {
				want, found = string(v), true
			}
		}
		start, end, _, ok := hrefSpan([]byte(tag))
		if ok != found || ok && tag[start:end] != want {
			t.Errorf("%q: hrefSpan = %q, %v; tokenizer %q, %v", tag, tag[start:end], ok, want, found)
		}
	})
}
