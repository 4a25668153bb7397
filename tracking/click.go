package tracking

import (
	"hash/maphash"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/valyala/fasthttp"

	"sluice/tracking/events"
	"sluice/tracking/token"
)

// serveClick answers GET or HEAD /c/<token> with a 302 to the destination
// sealed in the token, and records a click. The destination comes from the
// token only: a query string, or anything in the path besides the token,
// makes the request a 404, so the edge cannot be made to redirect elsewhere.
func (e *Edge) serveClick(ctx *fasthttp.RequestCtx, tok []byte, head bool) {
	if len(ctx.URI().QueryString()) > 0 {
		e.notFound(ctx, iNotFound)
		return
	}
	c, ok := e.open(ctx, tok, token.Click)
	if !ok {
		return
	}
	loc, ok := e.locations.get(c.URL)
	if !ok {
		e.notFound(ctx, iBadURL)
		return
	}
	h := &ctx.Response.Header
	h.Set("Location", loc)
	h.Set("Cache-Control", noStore)
	// The token is in this URL: keep it out of the destination's Referer.
	h.Set("Referrer-Policy", "no-referrer")
	ctx.SetStatusCode(fasthttp.StatusFound)

	ip := clientIP(ctx, e.trusted)
	r := request{ip: ip, agent: ctx.UserAgent(), head: head, now: e.now(ctx), message: c.Message, rcpt: c.Rcpt, link: int(c.Link)}
	e.recordHit(ctx, events.KindClick, &c, &r, e.classify.Click(&r))
}

// redirectLocation returns the Location value for a click destination, or
// false if it is not an absolute http(s) URL.
//
// The destination is what the rewrite saw in the href: not percent-encoded,
// so it may hold UTF-8 and spaces (see rewrite.Options.ClickURL). A browser
// percent-encodes those before requesting, and so does this: every byte
// outside printable ASCII, the ASCII characters never valid in a URL
// (space, '"', '<', '>', '`'), and a '%' that does not start an escape.
// Everything else is kept byte for byte, so an ASCII destination is
// redirected to exactly as written, query and fragment included. (net/url's
// URL.String is not used to build it: it leaves the query as it is, UTF-8
// included, and may change the spelling of the rest.) The result is then
// parsed with net/url to check that it is an absolute http or https URL
// with a host.
func redirectLocation(dest string) (string, bool) {
	loc := dest
	if needsEscape(dest) {
		const hex = "0123456789ABCDEF"
		var b strings.Builder
		b.Grow(len(dest) + 16)
		for i := 0; i < len(dest); i++ {
			if c := dest[i]; escapeAt(dest, i) {
				b.WriteByte('%')
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			} else {
				b.WriteByte(c)
			}
		}
		loc = b.String()
	}
	u, err := url.Parse(loc)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	return loc, true
}

// escapeAt reports whether the byte at i of s is one a browser would
// percent-encode before requesting.
func escapeAt(s string, i int) bool {
	c := s[i]
	switch {
	case c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '`':
		return true
	case c == '%':
		return !(i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]))
	}
	return false
}

// needsEscape reports whether any byte of s needs escaping (the common
// case, an ASCII URL, needs none and no copy).
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if escapeAt(s, i) {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// locationCache remembers the Location of recent destinations: every
// recipient of a campaign clicks the same few URLs, and checking one with
// net/url costs more than the rest of the redirect. Direct-mapped, replaced
// on collision, lock-free.
type locationCache struct {
	seed  maphash.Seed
	slots [locationSlots]atomic.Pointer[locationSlot]
}

const locationSlots = 4096

type locationSlot struct {
	dest, loc string
	ok        bool
}

func newLocationCache() *locationCache { return &locationCache{seed: maphash.MakeSeed()} }

// get returns redirectLocation(dest), from the cache if it can.
func (c *locationCache) get(dest string) (string, bool) {
	slot := &c.slots[maphash.String(c.seed, dest)%locationSlots]
	if e := slot.Load(); e != nil && e.dest == dest {
		return e.loc, e.ok
	}
	loc, ok := redirectLocation(dest)
	slot.Store(&locationSlot{dest: dest, loc: loc, ok: ok})
	return loc, ok
}
