package rewrite

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"sluice/tracking/token"
)

// Bounds on the work one message may cause.
const (
	// maxDepth is the deepest multipart nesting that is rewritten; deeper
	// entities are copied untouched.
	maxDepth = 20
	// maxLinks is the most links tracked in one message; later links are
	// left as they are.
	maxLinks = 10000
	// maxTexts is the most text parts (HTML, or plain text when tracked)
	// rewritten in one message; later ones are copied untouched. A real
	// message has a few. Each costs an HTML tokenizer (a 4 KiB buffer)
	// per recipient's copy: a tenant's 10.8 MB message of 150,000 tiny
	// HTML parts allocated 1.6 GB and took the node from 0.3 to 1.0 GB
	// of RSS, outside the submission's data_memory budget.
	maxTexts = 1000
	// maxURL is the longest tracking or unsubscribe URL accepted from the
	// caller.
	maxURL = 2048
)

// ErrBadURL is returned (wrapped) when a callback returns, or
// [Unsubscribe] holds, a URL this package will not put in a message.
var ErrBadURL = errors.New("rewrite: unusable tracking URL")

// checkURL vets a URL the caller supplies before it goes into a message: an
// absolute http or https URL (or a mailto URI, when mailto is set) of
// printable ASCII with nothing that would need escaping in an HTML
// attribute or break out of an RFC 2369 angle-bracketed header value.
func checkURL(s string, mailto bool) error {
	if s == "" || len(s) > maxURL {
		return fmt.Errorf("%w: length %d", ErrBadURL, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("\"'<>\\^`{|}", c) >= 0 {
			return fmt.Errorf("%w: byte %#x at %d in %q", ErrBadURL, c, i, s)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	switch {
	case mailto && u.Scheme == "mailto" && u.Opaque != "":
		return nil
	case !mailto && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
		return nil
	}
	return fmt.Errorf("%w: %q", ErrBadURL, s)
}

// browserURL returns the URL a browser follows for an href whose value,
// character references already decoded, is v, and whether it is one to
// track: an absolute http or https URL with a host, at most token.MaxURL
// bytes.
//
// Like a browser (WHATWG URL, basic URL parser) it removes leading and
// trailing C0 controls and spaces and every tab and newline inside. It does
// not percent-encode: non-ASCII characters are kept as they are, as UTF-8,
// and the edge must percent-encode them (net/url does) when it redirects,
// as the browser would have. Because that is only right for UTF-8 text,
// a URL with non-ASCII bytes is tracked only when utf8OK (the part is
// declared UTF-8, or declares no charset) and the bytes are valid UTF-8;
// otherwise it is left alone rather than risk a redirect to another URL.
func browserURL(v string, utf8OK bool) (string, bool) {
	// Byte-wise: v may hold invalid UTF-8, which must not become U+FFFD.
	for len(v) > 0 && v[0] <= ' ' {
		v = v[1:]
	}
	for len(v) > 0 && v[len(v)-1] <= ' ' {
		v = v[:len(v)-1]
	}
	if strings.ContainsAny(v, "\t\r\n") {
		b := make([]byte, 0, len(v))
		for i := 0; i < len(v); i++ {
			if c := v[i]; c != '\t' && c != '\r' && c != '\n' {
				b = append(b, c)
			}
		}
		v = string(b)
	}
	if !isHTTP(v) || len(v) > token.MaxURL {
		// Longer than a click token may carry: left as it is, untracked
		// (asking for its tracking URL would fail the whole message, and
		// the submitter would get a temporary error for ever).
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			if !utf8OK || !utf8.ValidString(v) {
				return "", false
			}
			break
		}
	}
	return v, true
}

// isHTTP reports whether s starts with an http or https scheme (any case),
// two slashes (a browser takes backslashes for slashes) and a host.
// "https:example.com" and "https:/x" are left out: a browser resolves them
// against the base URL when it has the same scheme, as in webmail.
func isHTTP(s string) bool {
	var rest string
	switch {
	case len(s) >= 6 && strings.EqualFold(s[:6], "https:"):
		rest = s[6:]
	case len(s) >= 5 && strings.EqualFold(s[:5], "http:"):
		rest = s[5:]
	default:
		return false
	}
	if len(rest) < 2 || rest[0] != '/' && rest[0] != '\\' || rest[1] != '/' && rest[1] != '\\' {
		return false
	}
	rest = strings.TrimLeft(rest, `/\`)
	return rest != "" && rest[0] != '?' && rest[0] != '#'
}
