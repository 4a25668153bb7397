package tracking

import (
	"bytes"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/valyala/fasthttp"
)

// maxForwardedFor bounds the X-Forwarded-For entries looked at.
const maxForwardedFor = 16

// clientIP returns the client's address: the peer's, or, when the peer is
// a trusted proxy, the rightmost X-Forwarded-For entry that is not itself a
// trusted proxy (entries to its left are written by the client and can be
// anything).
func clientIP(ctx *fasthttp.RequestCtx, trusted prefixSet) netip.Addr {
	var peer netip.Addr
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		peer, _ = netip.AddrFromSlice(a.IP)
		peer = peer.Unmap()
	}
	if trusted.empty() || !trusted.contains(peer) {
		return peer
	}
	return forwardedFor(forwardedValue(&ctx.Request.Header), peer, trusted)
}

// forwardedValue is the request's X-Forwarded-For as one list: several
// header lines are one comma-separated value in their order (RFC 9110
// §5.3). A proxy may append its own line rather than extend the
// client's (HAProxy's option forwardfor does): the first line alone is
// then the client's own text, and the address the proxy saw is in the
// last.
func forwardedValue(h *fasthttp.RequestHeader) []byte {
	vals := h.PeekAll("X-Forwarded-For")
	switch len(vals) {
	case 0:
		return nil
	case 1:
		return vals[0]
	}
	return bytes.Join(vals, []byte(", "))
}

// forwardedFor walks an X-Forwarded-For value from the right, skipping
// trusted proxies; it returns fallback when no entry is usable.
func forwardedFor(xff []byte, fallback netip.Addr, trusted prefixSet) netip.Addr {
	for range maxForwardedFor {
		if len(xff) == 0 {
			break
		}
		var item []byte
		if i := bytes.LastIndexByte(xff, ','); i >= 0 {
			item, xff = xff[i+1:], xff[:i]
		} else {
			item, xff = xff, nil
		}
		a, ok := parseForwardedAddr(bytes.TrimSpace(item))
		if !ok {
			break // garbage: trust nothing further left
		}
		if !trusted.contains(a) {
			return a
		}
		fallback = a
	}
	return fallback
}

// parseForwardedAddr parses an address as proxies write them: "1.2.3.4",
// "2001:db8::1", and, from some, "1.2.3.4:5678" or "[2001:db8::1]:5678".
func parseForwardedAddr(b []byte) (netip.Addr, bool) {
	if len(b) == 0 || len(b) > 64 {
		return netip.Addr{}, false
	}
	s := string(b)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// recordedIP is what is stored of a: per the mode, its network, nothing, or
// all of it.
func (e *Edge) recordedIP(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	switch e.cfg.IPMode {
	case IPNone:
		return ""
	case IPFull:
		return a.String()
	}
	bits := e.cfg.IPv6Bits
	if a.Is4() {
		bits = e.cfg.IPv4Bits
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return e.prefixes.text(p)
}

// prefixText caches the text of recently seen client networks: most hits
// come from a few networks (image proxies, corporate gateways), and the
// text is stored with every event.
type prefixText struct {
	m sync.Map // netip.Prefix → string
	n atomic.Int32
}

// maxPrefixTexts bounds the cache; when full it starts over.
const maxPrefixTexts = 4096

func (c *prefixText) text(p netip.Prefix) string {
	if v, ok := c.m.Load(p); ok {
		return v.(string)
	}
	var buf [64]byte // one allocation, for the string, not three
	s := string(p.AppendTo(buf[:0]))
	if c.n.Add(1) > maxPrefixTexts {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(p, s)
	return s
}

// doNotTrack reports whether the request asks not to be tracked: DNT: 1
// (the withdrawn W3C Tracking Preference Expression) or Sec-GPC: 1 (Global
// Privacy Control).
func doNotTrack(ctx *fasthttp.RequestCtx) bool {
	h := &ctx.Request.Header
	return string(bytes.TrimSpace(h.Peek("DNT"))) == "1" || string(bytes.TrimSpace(h.Peek("Sec-GPC"))) == "1"
}
