package rewrite

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// rewriteHTML tracks the links of an HTML document and adds the open pixel,
// returning nil when nothing changes.
//
// Tokens come from the golang.org/x/net/html tokenizer, which follows the
// HTML tokenization rules (HTML §13.2.5): it knows where comments, raw text
// (<script>, <style>, <noscript>…) and RCDATA (<title>, <textarea>) end,
// and decodes character references in attribute values as browsers do
// ("&amp;" but not "&ampx" in "?a=1&ampx=2"). Output is built from the
// input bytes, never re-serialized from tokens: only the href values
// change, so the rest of the document stays byte for byte the same.
func (r *rewriter) rewriteHTML(src []byte, utf8OK bool) ([]byte, error) {
	edits, pixelAt, ok := r.scanHTML(src, false, utf8OK)
	if !ok {
		return nil, nil
	}
	return r.apply(src, edits, pixelAt)
}

// scanHTML finds the links to track in src and, unless inner is set (src
// is the inside of a conditional comment), where the pixel goes: just
// before the last </body>, else before the last </html>, else after the
// last non-white-space byte. ok is false when the token stream does not
// cover src exactly, in which case src is best left alone.
func (r *rewriter) scanHTML(src []byte, inner, utf8OK bool) (edits []edit, pixelAt int, ok bool) {
	z := html.NewTokenizer(bytes.NewReader(src))
	pos, bodyEnd, htmlEnd := 0, -1, -1
	for {
		tt := z.Next()
		raw := z.Raw()
		if !bytes.HasPrefix(src[pos:], raw) {
			return nil, -1, false
		}
		start := pos
		pos += len(raw)
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF || pos != len(src) {
				return nil, -1, false
			}
			pixelAt = -1
			switch {
			case inner || !(r.opens || r.honeypot):
			case bodyEnd >= 0:
				pixelAt = bodyEnd
			case htmlEnd >= 0:
				pixelAt = htmlEnd
			default:
				pixelAt = len(bytes.TrimRight(src, " \t\r\n\f"))
			}
			return edits, pixelAt, true
		case html.StartTagToken, html.SelfClosingTagToken:
			if r.clicks {
				if ed, ok := r.link(z, src[start:pos], utf8OK); ok {
					ed.start += start
					ed.end += start
					edits = append(edits, ed)
				}
			}
		case html.EndTagToken:
			if !inner {
				switch name := tagName(src[start:pos]); {
				case strings.EqualFold(string(name), "body"):
					bodyEnd = start
				case strings.EqualFold(string(name), "html"):
					htmlEnd = start
				}
			}
		case html.CommentToken:
			if r.clicks && !inner && conditional(src[start:pos]) {
				// Comments cannot nest, so this recursion is one level deep.
				sub, _, ok := r.scanHTML(src[start+4:pos-3], true, utf8OK)
				if ok {
					for _, ed := range sub {
						ed.start += start + 4
						ed.end += start + 4
						edits = append(edits, ed)
					}
				}
			}
		}
	}
}

// conditional reports whether comment is a downlevel-hidden conditional
// comment, "<!--[if mso]>…<![endif]-->", whose inside Outlook renders.
func conditional(comment []byte) bool {
	return len(comment) >= len("<!--[if-->") &&
		strings.EqualFold(string(comment[:len("<!--[if")]), "<!--[if") &&
		bytes.HasSuffix(comment, []byte("-->"))
}

// link returns the edit for the start tag z just read, whose bytes are tag,
// when it is a link to track: an <a>, <area> or VML (v:*) element whose
// first href attribute (browsers ignore repeated attributes) holds an
// absolute http(s) URL, with no data-sluice-notrack or
// data-sluice-unsubscribe attribute, and not an unsubscribe URL. The
// edit's span is relative to tag.
func (r *rewriter) link(z *html.Tokenizer, tag []byte, utf8OK bool) (edit, bool) {
	// The tag name from the bytes: z.TagName copies it, and this runs for
	// every tag.
	name := tagName(tag)
	if !strings.EqualFold(string(name), "a") && !strings.EqualFold(string(name), "area") &&
		!(len(name) > 2 && strings.EqualFold(string(name[:2]), "v:")) {
		return edit{}, false
	}
	var href []byte
	found := false
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "href":
			href, found = v, true
		case "data-sluice-notrack", "data-sluice-unsubscribe":
			return edit{}, false
		}
	}
	if !found {
		return edit{}, false
	}
	u, ok := browserURL(string(href), utf8OK)
	if !ok || r.unsubscribeURL(u) {
		return edit{}, false
	}
	start, end, quote, ok := hrefSpan(tag)
	if !ok {
		return edit{}, false
	}
	return edit{start: start, end: end, quote: quote, html: true, url: u}, true
}

// tagName returns the name of the tag that starts tag[1:], "<a …" or
// "</body …", as written: it ends at white space, '/' or '>' (HTML
// §13.2.5.8). Its first byte is part of it whatever it is, as for the
// tokenizer, which only calls something a tag when that byte is a letter.
func tagName(tag []byte) []byte {
	if len(tag) < 2 {
		return nil
	}
	i := 2
	if tag[1] == '/' && len(tag) > 2 {
		tag, i = tag[1:], 2
	}
	for i < len(tag) && strings.IndexByte(" \n\r\t\f/>", tag[i]) < 0 {
		i++
	}
	return tag[1:i]
}

// hrefSpan finds the raw value of the first href attribute in tag, a
// complete start tag "<name …>", and its quote character (0 when
// unquoted). It follows the same steps as the x/net/html tokenizer's
// readTag (HTML §13.2.5.32–§13.2.5.39), one helper per step as there
// (readTagName, readTagAttrKey, readTagAttrVal), so that the span found is
// the attribute the tokenizer decoded.
func hrefSpan(tag []byte) (start, end int, quote byte, ok bool) {
	i := skipHTMLSpace(tag, tagNameEnd(tag))
	for i < len(tag) && tag[i] != '>' {
		ks := i
		ke := attrNameEnd(tag, ks)
		vs, ve, q, next := attrValue(tag, ke)
		if ke-ks == 4 && strings.EqualFold(string(tag[ks:ke]), "href") {
			return vs, ve, q, true
		}
		i = skipHTMLSpace(tag, next)
	}
	return 0, 0, 0, false
}

// isHTMLSpace reports whether c is HTML's ASCII white space (HTML
// §13.2.5.33: tab, LF, FF, CR, space).
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

// skipHTMLSpace returns the index of the first byte of tag at or after i
// that is not white space.
func skipHTMLSpace(tag []byte, i int) int {
	for i < len(tag) && isHTMLSpace(tag[i]) {
		i++
	}
	return i
}

// tagNameEnd returns where the tag name of tag ends (HTML §13.2.5.8): its
// first byte follows '<', it ends after a white space byte or before '/'
// or '>'.
func tagNameEnd(tag []byte) int {
	i := 2
	for i < len(tag) {
		c := tag[i]
		i++
		if isHTMLSpace(c) {
			return i
		}
		if c == '/' || c == '>' {
			return i - 1
		}
	}
	return i
}

// attrNameEnd returns where the attribute name starting at ks ends (HTML
// §13.2.5.32–§13.2.5.33): before '=', '/', '>' or white space, except
// that an '=' in first place belongs to the name.
func attrNameEnd(tag []byte, ks int) int {
	i := ks
	for i < len(tag) {
		c := tag[i]
		i++
		if c == '=' && i == ks+1 {
			continue
		}
		if c == '=' || c == '/' || c == '>' || isHTMLSpace(c) {
			return i - 1
		}
	}
	return i
}

// attrValue reads the value of the attribute whose name ends at i (HTML
// §13.2.5.34–§13.2.5.39): [vs, ve) is the raw value, empty at i when there
// is none, q its quote character (0 when unquoted) and next where reading
// goes on. An unterminated quoted value runs to the end of tag.
func attrValue(tag []byte, i int) (vs, ve int, q byte, next int) {
	vs, ve = i, i
	i = skipHTMLSpace(tag, i)
	if i >= len(tag) {
		return vs, ve, 0, i
	}
	switch c := tag[i]; {
	case c == '/':
		return vs, ve, 0, i + 1
	case c != '=':
		return vs, ve, 0, i
	}
	i = skipHTMLSpace(tag, i+1)
	if i >= len(tag) {
		return vs, ve, 0, i
	}
	switch qc := tag[i]; qc {
	case '>':
		return vs, ve, 0, i
	case '"', '\'':
		vs = i + 1
		if j := bytes.IndexByte(tag[vs:], qc); j >= 0 {
			return vs, vs + j, qc, vs + j + 1
		}
		return vs, len(tag), qc, len(tag)
	}
	vs = i
	for i < len(tag) && !isHTMLSpace(tag[i]) && tag[i] != '>' {
		i++
	}
	return vs, i, 0, i
}
