package rewrite

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// scanText finds the bare http(s) URLs of a plain text part, the way mail
// clients linkify them, and returns an edit for each one to track.
//
// A URL starts with "http://" or "https://" (any case) not preceded by a
// letter or digit, and runs to the first white space, control character,
// '<', '>' or '"', so "<https://…>" (RFC 3986 Appendix C) works. Then
// trailing '.', ',', ';', ':', '!', '?', '*' and apostrophes are dropped,
// as are a trailing ')', ']' or '}' without its opening partner inside:
// "(see https://example.com/a_(b))." keeps "https://example.com/a_(b)".
//
// Non-ASCII: with utf8OK, a URL also ends at a non-ASCII space or
// punctuation character ("https://example.jp/パス。" ends before "。"), and
// one holding invalid UTF-8 is left alone; without it (a part declared in
// another charset), a URL touching any non-ASCII byte is left alone.
func (r *rewriter) scanText(src []byte, utf8OK bool) []edit {
	var edits []edit
	for i := 0; ; {
		k := bytes.Index(src[i:], []byte("://"))
		if k < 0 {
			return edits
		}
		k += i
		i = k + 3
		var s int
		switch {
		case k >= 5 && strings.EqualFold(string(src[k-5:k]), "https"):
			s = k - 5
		case k >= 4 && strings.EqualFold(string(src[k-4:k]), "http"):
			s = k - 4
		default:
			continue
		}
		if s > 0 && isAlnum(src[s-1]) {
			continue
		}
		e, ok := textURLEnd(src, k+3, utf8OK)
		if !ok {
			i = e
			continue
		}
		e = trimURL(src[s:e]) + s
		i = e
		u, ok := browserURL(string(src[s:e]), utf8OK)
		if !ok || r.unsubscribeURL(u) {
			continue
		}
		edits = append(edits, edit{start: s, end: e, url: u})
	}
}

// textURLEnd returns where the URL whose scheme ends before start stops,
// before any trimming; ok is false when the URL must be left alone.
func textURLEnd(src []byte, start int, utf8OK bool) (int, bool) {
	j := start
	for j < len(src) {
		c := src[j]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' {
				return j, true
			}
			j++
			continue
		}
		if !utf8OK {
			return j, false
		}
		ru, size := utf8.DecodeRune(src[j:])
		if ru == utf8.RuneError && size <= 1 {
			return j + 1, false
		}
		if unicode.IsSpace(ru) || unicode.IsPunct(ru) {
			return j, true
		}
		j += size
	}
	return j, true
}

// trimURL returns the length of u without trailing punctuation that is
// more likely prose than URL.
func trimURL(u []byte) int {
	const closers, openers = ")]}", "([{"
	var opened, closed [3]int
	for i := range 3 {
		opened[i] = bytes.Count(u, []byte{openers[i]})
		closed[i] = bytes.Count(u, []byte{closers[i]})
	}
	n := len(u)
	for n > 0 {
		c := u[n-1]
		if strings.IndexByte(".,;:!?'*", c) >= 0 {
			n--
			continue
		}
		if k := strings.IndexByte(closers, c); k >= 0 && closed[k] > opened[k] {
			closed[k]--
			n--
			continue
		}
		return n
	}
	return n
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
