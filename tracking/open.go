package tracking

import (
	"github.com/valyala/fasthttp"

	"sluice/tracking/events"
	"sluice/tracking/token"
)

// pixel is a 1×1 transparent GIF89a, 43 bytes: header, logical screen
// descriptor with a two-colour global table, a graphic control extension
// making colour 0 transparent, one image of one pixel, trailer.
const pixel = "GIF89a\x01\x00\x01\x00\x80\x00\x00" + // header, 1×1, global colour table of 2
	"\x00\x00\x00\xff\xff\xff" + // colour table: black, white
	"\x21\xf9\x04\x01\x00\x00\x00\x00" + // graphic control extension: transparent index 0
	"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00" + // image descriptor
	"\x02\x02\x44\x01\x00" + // LZW minimum code size 2, one 2-byte block, terminator
	"\x3b" // trailer

// noStore is the Cache-Control of every tracking answer: each open and
// click must reach the edge, and nothing about it may be kept by a cache.
const noStore = "no-store, no-cache, must-revalidate, private"

// serveOpen answers GET or HEAD /o/<token>.gif with the pixel and records an
// open.
func (e *Edge) serveOpen(ctx *fasthttp.RequestCtx, tok []byte, head bool) {
	c, ok := e.open(ctx, tok, token.Open)
	if !ok {
		return
	}
	h := &ctx.Response.Header
	h.SetContentType("image/gif")
	h.Set("Cache-Control", noStore)
	h.Set("Pragma", "no-cache") // HTTP/1.0 caches
	h.Set("Expires", "0")
	h.Set("X-Content-Type-Options", "nosniff")
	ctx.SetBodyString(pixel)

	ip := clientIP(ctx, e.trusted)
	r := request{ip: ip, agent: ctx.UserAgent(), head: head, now: e.now(ctx), message: c.Message, rcpt: c.Rcpt}
	e.recordHit(ctx, events.KindOpen, &c, &r, e.classify.Open(&r))
}

// recordHit counts and records an open or click classified as cl.
func (e *Edge) recordHit(ctx *fasthttp.RequestCtx, kind events.Kind, c *token.Claims, r *request, cl Class) {
	if e.repeat != nil {
		link := int32(c.Link)
		if kind == events.KindOpen {
			link = -1
		}
		if !e.repeat.first(repeatKey{c.Message, c.Rcpt, link, cl.Machine}, r.now, e.cfg.RepeatWindow) {
			e.count(iRepeat)
			return
		}
	}
	switch {
	case kind == events.KindOpen && cl.Machine:
		e.count(iOpenMachine)
	case kind == events.KindOpen:
		e.count(iOpen)
	case cl.Machine:
		e.count(iClickMachine)
	default:
		e.count(iClick)
	}
	if doNotTrack(ctx) {
		e.count(iAnonymous)
		e.record(events.Event{Time: r.now, Kind: kind, Tenant: c.Tenant, Machine: cl.Machine, Anonymous: true})
		return
	}
	ev := events.Event{
		Time:    r.now,
		Kind:    kind,
		Tenant:  c.Tenant,
		Message: c.Message,
		Rcpt:    c.Rcpt,
		Link:    int(c.Link),
		Machine: cl.Machine,
		Reason:  cl.Reason,
		Proxy:   cl.Proxy,
		IP:      e.recordedIP(r.ip),
		UAClass: cl.Agent,
	}
	if e.cfg.KeepUserAgent {
		ev.UA = string(r.agent)
	}
	e.record(ev)
}
