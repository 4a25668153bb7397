package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sluice/tracking/token"
)

// The newsletter's tracked links, in document order.
var newsletterLinks = []string{
	"https://www.acme-outdoor.example/?utm_source=newsletter&utm_medium=email&utm_campaign=summer-sale-2024",
	// "&copy=" is no character reference in an attribute (HTML §13.2.5.73).
	"https://www.acme-outdoor.example/blog?id=7&copy=2&x=1",
	"https://www.acme-outdoor.example/sale/tents?color=green&size=2p&sort=price_asc#results",
	"https://www.acme-outdoor.example/sale/sleeping-bags?temp=-5&ref=nl",
	"https://www.acme-outdoor.example/sale/stoves",
	// The VML button in <!--[if mso]> and its non-Outlook twin.
	"https://www.acme-outdoor.example/sale?utm_source=newsletter&utm_content=button",
	"https://www.acme-outdoor.example/sale?utm_source=newsletter&utm_content=button",
	"https://www.acme-outdoor.example/p/trail-2p-tent?variant=4411&utm_source=newsletter",
	"https://www.acme-outdoor.example/p/down-bag-minus5?variant=8812&utm_source=newsletter",
	"https://www.acme-outdoor.example/stores#map",
	"https://www.acme-outdoor.example/privacy",
	// Surrounding spaces dropped, "&#x3f;" decoded.
	"https://www.acme-outdoor.example/imprint?lang=en",
}

var corpus = []struct {
	file      string
	opts      func(*Options)
	links     []string
	pixel     bool
	unsub     bool
	reencoded int
}{
	{file: "newsletter.eml", links: newsletterLinks, pixel: true, unsub: true},
	{
		file: "newsletter.eml",
		opts: func(o *Options) { o.TrackText = true },
		links: slices.Concat([]string{
			"https://www.acme-outdoor.example/sale/tents?color=green&size=2p",
			"https://www.acme-outdoor.example/sale?utm_source=newsletter",
		}, newsletterLinks),
		pixel: true, unsub: true,
	},
	{
		file: "base64-html.eml",
		links: []string{
			"https://例え.example/パス/カタログ?q=café&lang=ja",
			"https://www.example.de/stra%C3%9Fe?x=%E2%82%AC&y=1",
			"HTTPS://WWW.EXAMPLE.DE/Herbst#Jacken",
			"https://www.example.de/über-uns",
		},
		pixel: true, unsub: true,
	},
	{
		file:  "mixed-related.eml",
		opts:  func(o *Options) { o.TrackText = true; o.Unsubscribe = nil },
		links: []string{"https://billing.acme-outdoor.example/invoices/2024-0611?download=1", "https://billing.acme-outdoor.example/invoices/2024-0611?download=1&fmt=pdf"},
		pixel: true,
	},
	{file: "single-html.eml", pixel: true, unsub: true},
	{
		file: "text-only.eml",
		opts: func(o *Options) { o.TrackText = true },
		links: []string{
			"https://www.acme-outdoor.example/catalogue",
			"https://blog.example.org/reviews/acme-tent_(2024)",
			"https://en.wikipedia.org/wiki/Tent_(disambiguation)",
			"https://例え.example/パス",
			"HTTPS://WWW.ACME-OUTDOOR.EXAMPLE/SALE",
			"https://www.acme-outdoor.example/",
		},
		unsub: true,
	},
	{file: "text-only.eml", unsub: true}, // TrackText off: nothing to do in the body
	// Marketing: the sender's https URI gives way to sluice's, its mailto
	// is kept after sluice's; its unsubscribe link in the body is still
	// not tracked.
	{file: "existing-unsub.eml", links: []string{"https://www.acme-outdoor.example/digest/24"}, pixel: true, unsub: true},
	// Transactional (no Unsubscribe): the sender's header as it was.
	{file: "existing-unsub.eml", links: []string{"https://www.acme-outdoor.example/digest/24"}, pixel: true,
		opts: func(o *Options) { o.Unsubscribe = nil }},
	{file: "track-none.eml", unsub: true},
	{file: "track-none.eml", opts: func(o *Options) { o.Unsubscribe = nil }},
	{file: "latin1.eml", links: []string{"https://www.cafe.example/carte?plat=cr%C3%A8me&prix=4"}, pixel: true, unsub: true},
	{
		file: "long-line-7bit.eml",
		links: []string{
			"https://www.acme-outdoor.example/p/0?utm_source=nl", "https://www.acme-outdoor.example/p/1?utm_source=nl",
			"https://www.acme-outdoor.example/p/2?utm_source=nl", "https://www.acme-outdoor.example/p/3?utm_source=nl",
			"https://www.acme-outdoor.example/p/4?utm_source=nl", "https://www.acme-outdoor.example/p/5?utm_source=nl",
			"https://www.acme-outdoor.example/p/6?utm_source=nl", "https://www.acme-outdoor.example/p/7?utm_source=nl",
			"https://www.acme-outdoor.example/p/8?utm_source=nl", "https://www.acme-outdoor.example/p/9?utm_source=nl",
			"https://www.acme-outdoor.example/p/10?utm_source=nl", "https://www.acme-outdoor.example/p/11?utm_source=nl",
		},
		pixel: true, unsub: true, reencoded: 1,
	},
	{file: "utf16.eml", unsub: true},
}

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Fatalf("%s has lost its CRLF line ends", name)
	}
	return b
}

func TestCorpus(t *testing.T) {
	t.Parallel()
	for _, tc := range corpus {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			in := readCorpus(t, tc.file)
			opts := testOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			var calls []string
			click := opts.ClickURL
			opts.ClickURL = func(link int, original string) (string, error) {
				if link != len(calls) {
					t.Errorf("ClickURL(%d), want link %d", link, len(calls))
				}
				calls = append(calls, original)
				return click(link, original)
			}
			out, res, err := Message(in, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Links, tc.links) {
				t.Errorf("Links:\n got %q\nwant %q", res.Links, tc.links)
			}
			if !slices.Equal(calls, res.Links) {
				t.Errorf("ClickURL saw %q, Links say %q", calls, res.Links)
			}
			for _, l := range res.Links {
				// Reachable: the edge can parse the destination and redirect to it.
				if u, err := url.Parse(l); err != nil || u.Host == "" || !strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http") {
					t.Errorf("link %q cannot be redirected to: %v", l, err)
				}
			}
			if res.Pixel != tc.pixel || res.Unsubscribe != tc.unsub || res.Reencoded != tc.reencoded {
				t.Errorf("Pixel, Unsubscribe, Reencoded = %v, %v, %d; want %v, %v, %d",
					res.Pixel, res.Unsubscribe, res.Reencoded, tc.pixel, tc.unsub, tc.reencoded)
			}
			checkHeader(t, in, out, res)
			checkBodies(t, in, out, res, opts)
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

// checkHeader checks that the output header is the input header without
// X-Sluice-Track, plus List-Unsubscribe fields when added (replacing the
// input's, whose mailto URIs follow sluice's), and with
// Content-Transfer-Encoding changed when a single-part message was
// re-encoded.
func checkHeader(t *testing.T, in, out []byte, res Result) {
	t.Helper()
	inHdr, _, _ := bytes.Cut(in, []byte("\r\n\r\n"))
	outHdr, _, _ := bytes.Cut(out, []byte("\r\n\r\n"))
	var want, kept []string
	drop, hadLU := false, false
	for _, line := range strings.Split(string(inHdr), "\r\n") {
		if line[0] != ' ' && line[0] != '\t' {
			lower := strings.ToLower(line)
			lu := strings.HasPrefix(lower, "list-unsubscribe:") || strings.HasPrefix(lower, "list-unsubscribe-post:")
			hadLU = hadLU || lu
			drop = strings.HasPrefix(lower, "x-sluice-track:") || lu && res.Unsubscribe
		}
		if drop {
			for _, m := range regexp.MustCompile(`<(mailto:[^>]*)>`).FindAllStringSubmatch(line, -1) {
				kept = append(kept, m[1])
			}
			continue
		}
		if res.Reencoded > 0 && strings.HasPrefix(line, "Content-Transfer-Encoding:") && !strings.Contains(string(inHdr), "multipart/") {
			line = "Content-Transfer-Encoding: quoted-printable"
		}
		want = append(want, line)
	}
	if res.UnsubscribeReplaced != (res.Unsubscribe && hadLU) {
		t.Errorf("UnsubscribeReplaced = %v with Unsubscribe %v, List-Unsubscribe in the input %v", res.UnsubscribeReplaced, res.Unsubscribe, hadLU)
	}
	if res.Unsubscribe {
		want = append(want, "List-Unsubscribe: <"+testUnsubURL+">,", " <"+testMailto+">")
		for _, m := range kept {
			want[len(want)-1] += ","
			want = append(want, " <"+m+">")
		}
		want = append(want, "List-Unsubscribe-Post: List-Unsubscribe=One-Click")
	}
	if got := strings.Split(string(outHdr), "\r\n"); !slices.Equal(got, want) {
		t.Errorf("header:\n got %q\nwant %q", got, want)
	}
}

// checkBodies compares the leaves of in and out.
func checkBodies(t *testing.T, in, out []byte, res Result, opts Options) {
	t.Helper()
	_, inLeaves, err := walk(in)
	if err != nil {
		t.Fatalf("input: %v", err)
	}
	_, outLeaves, err := walk(out)
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	if len(inLeaves) != len(outLeaves) {
		t.Fatalf("%d leaves in, %d out", len(inLeaves), len(outLeaves))
	}
	next := 0
	for i, il := range inLeaves {
		ol := outLeaves[i]
		name := il.path + " " + il.header.Get("Content-Type")
		if il.path != ol.path {
			t.Errorf("leaf %d: path %s, then %s", i, il.path, ol.path)
		}
		typ := strings.ToLower(il.header.Get("Content-Type"))
		isHTML := strings.HasPrefix(typ, "text/html")
		tracked := (isHTML || strings.HasPrefix(typ, "text/plain") || typ == "") &&
			inline(il.header.Get("Content-Disposition")) &&
			scannableCharset(il.header.Get("Content-Type"))
		if !tracked || bytes.Equal(il.data, ol.data) {
			// Untouched: byte-identical, content header fields included.
			if !bytes.Equal(il.raw, ol.raw) {
				t.Errorf("%s: untouched part changed:\n%s", name, firstDiff(il.raw, ol.raw))
			}
			if !headersEqual(il.header, ol.header, "") {
				t.Errorf("%s: header changed: %v -> %v", name, il.header, ol.header)
			}
			continue
		}
		checkLines(t, name, ol)
		if !headersEqual(il.header, ol.header, "Content-Transfer-Encoding") {
			t.Errorf("%s: header changed: %v -> %v", name, il.header, ol.header)
		}
		if ic, oc := il.header.Get("Content-Transfer-Encoding"), ol.header.Get("Content-Transfer-Encoding"); ic != oc && res.Reencoded == 0 {
			t.Errorf("%s: transfer encoding %q became %q", name, ic, oc)
		}
		matchRewrite(t, name, il.data, ol.data, isHTML, isHTML && res.Opens, res.Links, &next)
	}
	if next != len(res.Links) {
		t.Errorf("found %d tracking URLs in the output, Result has %d links", next, len(res.Links))
	}
}

// inline reports whether a Content-Disposition value lets a part be
// tracked: none, or inline.
func inline(disposition string) bool {
	d, _, _ := strings.Cut(disposition, ";")
	return disposition == "" || strings.EqualFold(strings.TrimSpace(d), "inline")
}

// headersEqual compares the Content-* fields of two entities (the top-level
// header is checked by checkHeader), but for except.
func headersEqual(a, b map[string][]string, except string) bool {
	for _, m := range []map[string][]string{a, b} {
		for k := range m {
			if k != except && strings.HasPrefix(k, "Content-") && !slices.Equal(a[k], b[k]) {
				return false
			}
		}
	}
	return true
}

func TestTooLarge(t *testing.T) {
	t.Parallel()
	msg := "X-Sluice-Track: all\r\nContent-Type: text/html\r\n\r\n<a href=\"https://a.example/\">a</a>\r\n"
	opts := testOptions()
	opts.MaxBytes = 20
	out, res, err := Message([]byte(msg), opts)
	want := "Content-Type: text/html\r\nList-Unsubscribe: <" + testUnsubURL + ">,\r\n <" + testMailto + ">\r\n" +
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n<a href=\"https://a.example/\">a</a>\r\n"
	if err != nil || string(out) != want || !res.TooLarge || len(res.Links) != 0 || res.Pixel {
		t.Errorf("got %q, %+v, %v", out, res, err)
	}
}

func TestNoOptionsKeepsMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range corpus {
		in := readCorpus(t, tc.file)
		out, res, err := Message(in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := stripTrackHeader(in)
		if !bytes.Equal(out, want) {
			t.Errorf("%s: output differs:\n%s", tc.file, firstDiff(want, out))
		}
		if len(res.Links) != 0 || res.Pixel || res.Unsubscribe || res.Opens || res.Clicks {
			t.Errorf("%s: %+v", tc.file, res)
		}
	}
}

// stripTrackHeader removes X-Sluice-Track fields from msg, a test-side
// reference for Message with no options.
func stripTrackHeader(msg []byte) []byte {
	var out []byte
	inHeader, drop := true, false
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line = msg[:i+1]
		}
		msg = msg[len(line):]
		if inHeader {
			if string(line) == "\r\n" || string(line) == "\n" {
				inHeader = false
			} else if line[0] != ' ' && line[0] != '\t' {
				name, _, ok := strings.Cut(string(line), ":")
				drop = ok && strings.EqualFold(strings.TrimRight(name, " \t"), "x-sluice-track")
			}
			if drop && inHeader {
				continue
			}
		}
		out = append(out, line...)
	}
	return out
}

func TestParseTrack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in                string
		opens, clicks, ok bool
	}{
		{"none", false, false, true},
		{" Opens ", true, false, true},
		{"CLICKS", false, true, true},
		{"all\r\n", true, true, true},
		{"", false, false, false},
		{"yes", false, false, false},
		{"opens, clicks", false, false, false},
	} {
		o, c, ok := ParseTrack(tc.in)
		if o != tc.opens || c != tc.clicks || ok != tc.ok {
			t.Errorf("ParseTrack(%q) = %v, %v, %v", tc.in, o, c, ok)
		}
	}
}

func TestTrackHeaderCombines(t *testing.T) {
	t.Parallel()
	body := "\r\n<a href=\"https://a.example/\">a</a>\r\n"
	for _, tc := range []struct {
		name          string
		header        string
		def           bool // tenant default for both
		opens, clicks bool
	}{
		{"default on", "", true, true, true},
		{"default off", "", false, false, false},
		{"opt in", "X-Sluice-Track: all\r\n", false, true, true},
		{"opt out", "X-Sluice-Track: none\r\n", true, false, false},
		{"invalid ignored", "X-Sluice-Track: maybe\r\n", true, true, true},
		{"most restrictive", "x-sluice-track: opens\r\nX-SLUICE-TRACK : all\r\n", false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.TrackOpens, opts.TrackClicks, opts.Unsubscribe = tc.def, tc.def, nil
			msg := []byte("Content-Type: text/html\r\n" + tc.header + body)
			out, res, err := Message(msg, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Opens != tc.opens || res.Clicks != tc.clicks {
				t.Errorf("opens, clicks = %v, %v; want %v, %v", res.Opens, res.Clicks, tc.opens, tc.clicks)
			}
			if bytes.Contains(bytes.ToLower(out), []byte("x-sluice-track")) {
				t.Errorf("X-Sluice-Track left in:\n%s", out)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	msg := []byte("Content-Type: text/html\r\n\r\n<a href=\"https://a.example/\">a</a>\r\n")
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		opts func(*Options)
		want error
	}{
		{"click error", func(o *Options) {
			o.ClickURL = func(int, string) (string, error) { return "", boom }
		}, boom},
		{"open error", func(o *Options) { o.OpenURL = func() (string, error) { return "", boom } }, boom},
		{"click injection", func(o *Options) {
			o.ClickURL = func(int, string) (string, error) { return `https://t.example/"><script>`, nil }
		}, ErrBadURL},
		{"relative click", func(o *Options) {
			o.ClickURL = func(int, string) (string, error) { return "/c/x", nil }
		}, ErrBadURL},
		{"header injection", func(o *Options) {
			o.Unsubscribe = &Unsubscribe{HTTPS: "https://t.example/u/x>\r\nBcc: x@example.com"}
		}, ErrBadURL},
		{"mailto not mailto", func(o *Options) {
			o.Unsubscribe = &Unsubscribe{Mailto: "https://t.example/"}
		}, ErrBadURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			tc.opts(&opts)
			out, _, err := Message(msg, opts)
			if !errors.Is(err, tc.want) || out != nil {
				t.Errorf("err = %v, want %v; out %q", err, tc.want, out)
			}
		})
	}
}

// scannableCharset reports whether a part with this Content-Type may be
// rewritten as far as its charset goes: the charset parameter (not any
// parameter that mentions a charset name) is ASCII-compatible.
func scannableCharset(ct string) bool {
	if ct == "" {
		return true
	}
	_, params, err := mime.ParseMediaType(ct)
	return err == nil && asciiCompatible(strings.ToLower(params["charset"]))
}

// A link longer than a click token may carry (token.MaxURL) is left as it
// is, untracked, in HTML and in text (redteam2: its ClickURL failed, and
// with it the whole message, answered 451 for ever); the links around it
// are tracked.
func TestOverlongLinkLeftUntracked(t *testing.T) {
	t.Parallel()
	long := "https://a.example/" + strings.Repeat("x", token.MaxURL)
	msg := "Content-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n" +
		long + "\r\nhttps://a.example/t\r\n--B\r\nContent-Type: text/html\r\n\r\n" +
		`<a href="` + long + `">x</a> <a href="https://a.example/h">y</a></body>` + "\r\n--B--\r\n"
	opts := testOptions()
	opts.TrackText = true
	opts.ClickURL = func(link int, u string) (string, error) {
		if len(u) > token.MaxURL {
			return "", fmt.Errorf("URL of %d bytes", len(u))
		}
		return testClickURL(link, u)
	}
	out, res, err := Message([]byte(msg), opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://a.example/t", "https://a.example/h"}; !slices.Equal(res.Links, want) {
		t.Errorf("links %q, want %q", res.Links, want)
	}
	_, leaves, err := walk(out)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range leaves {
		n += strings.Count(string(l.data), long)
	}
	if n != 2 {
		t.Errorf("the long link is in the output %d times, want 2 (text and HTML, untouched)", n)
	}
}

// TestTextPartsBounded: a message of more text parts than maxTexts has
// only the first maxTexts rewritten; the rest are copied untouched, their
// links untracked (each part rewritten costs a tokenizer per recipient's
// copy: 150,000 tiny HTML parts in a 10.8 MB message allocated 1.6 GB).
func TestTextPartsBounded(t *testing.T) {
	t.Parallel()
	const parts = maxTexts + 50
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=B\r\n\r\n")
	for i := range parts {
		fmt.Fprintf(&b, "--B\r\nContent-Type: text/html\r\n\r\n<a href=\"https://a.example/%d\">x</a>\r\n", i)
	}
	b.WriteString("--B--\r\n")
	out, res, err := Message([]byte(b.String()), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Links) != maxTexts {
		t.Errorf("%d links tracked, want %d (one per rewritten part)", len(res.Links), maxTexts)
	}
	for i := maxTexts; i < parts; i++ {
		if !bytes.Contains(out, fmt.Appendf(nil, `<a href="https://a.example/%d">`, i)) {
			t.Fatalf("part %d was rewritten", i)
		}
	}
}
