package rewrite

import (
	"fmt"
	"strings"
)

// List-Unsubscribe of marketing mail (Options.Unsubscribe).
//
// sluice's own URIs are the ones that count: its one-click HTTPS URI is
// what RFC 8058 receivers (Gmail, Yahoo) POST to, and its suppression
// (and the reputation guard's unsubscribe rate) learns of an unsubscribe
// only through them. A tenant that writes its own List-Unsubscribe would
// otherwise route one-click to itself and sluice would never know, so for
// a message given an HTTPS URI the tenant's fields are replaced:
//
//   - every List-Unsubscribe and List-Unsubscribe-Post field of the
//     message is removed (several, folded, any case, WSP before the
//     colon: what receivers read as such a field);
//   - one List-Unsubscribe is written: sluice's HTTPS URI first (RFC 8058
//     §3.1 allows exactly one, and receivers take the first), sluice's
//     mailto: URI, then the tenant's mailto: URIs, in their order, each
//     once (the tenant still hears from receivers that mail; the
//     unsubscribe webhook event tells it of one-click ones);
//   - the tenant's other URIs (http, https, anything else) are dropped;
//   - "List-Unsubscribe-Post: List-Unsubscribe=One-Click" is written.
//
// The tenant's URIs are read as RFC 2369 §2 has them: angle-bracketed,
// comma-separated, with comments in parentheses (skipped, nested, with
// quoted pairs) and whitespace inside the brackets ignored. A mailto: URI
// is kept only if it is one checkURL accepts (printable ASCII, no quotes
// or brackets) and at most maxMailtoLen bytes, and at most maxMailtos of
// them: the field stays one sluice can write and fold.
//
// Transactional mail is not given Unsubscribe (tracking.Tracker): its
// header is left as the tenant wrote it. DKIM signing runs after this
// rewrite (mta/submit), so the signature covers the final fields, and
// both are oversigned (dkim): a List-Unsubscribe added later breaks it.

// Bounds on the tenant's mailto: URIs kept in a replaced List-Unsubscribe.
const (
	maxMailtos   = 3
	maxMailtoLen = 512
)

// unsubscribe checks the caller's unsubscribe URIs, keeps its HTTPS URI
// from being tracked, and returns the List-Unsubscribe fields to add (nil
// when there are none to add: no URIs, or the message has its own and
// there is no HTTPS URI to put in its place) and whether they replace the
// message's own List-Unsubscribe and List-Unsubscribe-Post fields.
func (r *rewriter) unsubscribe(th topHeader, nl string) (extra []byte, replace bool, err error) {
	u := r.opts.Unsubscribe
	if u == nil {
		return nil, false, nil
	}
	if u.HTTPS != "" {
		if err := checkURL(u.HTTPS, false); err != nil {
			return nil, false, fmt.Errorf("rewrite: unsubscribe: %w", err)
		}
		r.skip[u.HTTPS] = true
	}
	if u.Mailto != "" {
		if err := checkURL(u.Mailto, true); err != nil {
			return nil, false, fmt.Errorf("rewrite: unsubscribe: %w", err)
		}
	}
	if u.HTTPS == "" && (u.Mailto == "" || th.hasLU) {
		return nil, false, nil
	}
	var uris []string
	if u.HTTPS != "" {
		uris = append(uris, u.HTTPS)
	}
	if u.Mailto != "" {
		uris = append(uris, u.Mailto)
	}
	replace = u.HTTPS != "" && (th.hasLU || th.hasPost)
	if replace {
		for _, m := range th.mailtos {
			if m != u.Mailto {
				uris = append(uris, m)
			}
		}
	}
	return unsubscribeFields(uris, u.HTTPS != "", nl), replace, nil
}

// unsubscribeFields formats List-Unsubscribe with uris (RFC 2369 §3.2),
// folded before a URI that would take the line past 78 characters
// (RFC 5322 §2.1.1; never inside the brackets, RFC 2369 §2), and, when
// post, List-Unsubscribe-Post (RFC 8058 §3.1).
func unsubscribeFields(uris []string, post bool, nl string) []byte {
	b := []byte("List-Unsubscribe: ")
	n := len(b)
	for i, u := range uris {
		if i > 0 {
			b = append(b, ',')
			n++
			if n+3+len(u) > 78 {
				b = append(b, nl...)
				n = 0
			}
			b = append(b, ' ')
			n++
		}
		b = append(b, '<')
		b = append(b, u...)
		b = append(b, '>')
		n += len(u) + 2
	}
	b = append(b, nl...)
	if post {
		b = append(b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"...)
		b = append(b, nl...)
	}
	return b
}

// listURIs returns the URIs of a List-Unsubscribe value (RFC 2369 §2):
// the contents of each angle-bracketed part outside comments, with the
// whitespace inside removed ("client applications should treat any
// whitespace ... as characters to ignore"). An unclosed bracket ends the
// list.
func listURIs(v string) []string {
	var uris []string
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '(':
			i = skipComment(v, i)
		case '<':
			end := strings.IndexByte(v[i+1:], '>')
			if end < 0 {
				return uris
			}
			if u := dropSpace(v[i+1 : i+1+end]); u != "" {
				uris = append(uris, u)
			}
			i += end + 1
		}
	}
	return uris
}

// skipComment returns the index of the ")" that closes the comment
// opening at v[i] (RFC 5322 §3.2.2: comments nest, "\" quotes the next
// character), or the last index when it is not closed.
func skipComment(v string, i int) int {
	depth := 0
	for ; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return len(v) - 1
}

// dropSpace removes every space, tab, CR and LF from s.
func dropSpace(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

// keepMailto appends u to kept when it is a mailto: URI a replaced
// List-Unsubscribe keeps (see the comment above), not already there.
func keepMailto(kept []string, u string) []string {
	if len(kept) >= maxMailtos || len(u) > maxMailtoLen || len(u) < 7 || !strings.EqualFold(u[:7], "mailto:") ||
		checkURL(u, true) != nil {
		return kept
	}
	for _, k := range kept {
		if k == u {
			return kept
		}
	}
	return append(kept, u)
}
