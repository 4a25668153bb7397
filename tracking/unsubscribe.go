package tracking

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"

	"sluice/queue"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// maxBody bounds a request body: a one-click POST is 26 bytes, a multipart
// one a few hundred.
const maxBody = 64 << 10

// refuseUnsubscribe answers a POST whose body is not the one-click field:
// 400, a short plain text, nothing suppressed.
func (e *Edge) refuseUnsubscribe(ctx *fasthttp.RequestCtx) {
	e.count(iBadUnsubscribe)
	ctx.Response.Reset()
	ctx.SetStatusCode(fasthttp.StatusBadRequest)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.Response.Header.Set("Cache-Control", noStore)
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.SetBodyString("bad request: the body must be the form field List-Unsubscribe=One-Click (RFC 8058)\n")
}

// unsubscribeClaims verifies an unsubscribe token that can act: one that
// carries the recipient's address. Others are a 404.
func (e *Edge) unsubscribeClaims(ctx *fasthttp.RequestCtx, tok []byte) (token.Claims, bool) {
	c, ok := e.open(ctx, tok, token.Unsubscribe)
	if !ok {
		return c, false
	}
	if c.Addr == "" {
		e.notFound(ctx, iNotFound)
		return c, false
	}
	return c, true
}

// serveUnsubscribePage answers GET or HEAD /u/<token> with the page that
// asks for confirmation. It changes nothing: link scanners fetch GETs
// (RFC 8058 §1).
func (e *Edge) serveUnsubscribePage(ctx *fasthttp.RequestCtx, tok []byte) {
	c, ok := e.unsubscribeClaims(ctx, tok)
	if !ok {
		return
	}
	e.count(iPage)
	e.writePage(ctx, fasthttp.StatusOK, page{
		Title:  "Unsubscribe",
		State:  "confirm",
		Tenant: e.cfg.TenantName(c.Tenant),
		Addr:   maskAddr(c.Addr),
	})
}

// serveUnsubscribe answers POST /u/<token>: the page's button, or a mail
// client's RFC 8058 one-click request. Both post List-Unsubscribe=One-Click
// (§3.1); any other body is refused with a 400 and changes nothing. The
// suppression is committed before the answer; if it fails the answer is a
// 500 and the client may retry.
func (e *Edge) serveUnsubscribe(ctx *fasthttp.RequestCtx, tok []byte) {
	c, ok := e.unsubscribeClaims(ctx, tok)
	if !ok {
		return
	}
	if !isOneClick(ctx.Request.Header.ContentType(), ctx.PostBody()) {
		e.refuseUnsubscribe(ctx)
		return
	}
	now := e.now(ctx)
	key := repeatKey{c.Message, c.Rcpt, linkUnsubscribe, false}
	if e.unsubscribedAlready(&c) || e.repeat != nil && e.repeat.recent(key, now, e.cfg.RepeatWindow) {
		// A replay (a client retrying, a stranger holding the link):
		// answered as done, nothing written, no second event or webhook.
		// Without a lookup (a standalone edge's remote Suppressor) the
		// one written within RepeatWindow stands for it.
		e.count(iRepeat)
		e.unsubscribedPage(ctx, &c)
		return
	}
	sctx, cancel := context.WithTimeout(e.baseCtx, e.cfg.SuppressTimeout)
	defer cancel()
	// A marketing unsubscribe, whatever the stream of the message: it never
	// blocks transactional mail (a token of a transactional message should
	// not exist, as the rewrite adds List-Unsubscribe to marketing only).
	err := e.cfg.Suppressor.Suppress(sctx, queue.Suppression{
		Tenant:  c.Tenant,
		Addr:    queue.NormalizeAddr(c.Addr),
		Scope:   queue.ScopeMarketing,
		Reason:  "unsubscribe",
		Source:  "edge",
		Created: now,
		Detail:  "one_click",
	})
	if err != nil {
		e.count(iSuppressError)
		e.log.Error("tracking: unsubscribe not recorded", "tenant", c.Tenant, "msgid", c.Message, "err", err)
		e.writePage(ctx, fasthttp.StatusInternalServerError, page{Title: "Something went wrong", State: "error"})
		return
	}
	if e.repeat != nil && !e.repeat.first(key, now, e.cfg.RepeatWindow) {
		// Another POST of the same link written at the same time.
		e.count(iRepeat)
		e.unsubscribedPage(ctx, &c)
		return
	}
	e.count(iUnsubscribe)
	ev := events.Event{Time: now, Kind: events.KindUnsubscribe, Tenant: c.Tenant, Message: c.Message, Rcpt: c.Rcpt, Reason: "one_click"}
	if doNotTrack(ctx) {
		e.count(iAnonymous)
		ev = events.Event{Time: now, Kind: events.KindUnsubscribe, Tenant: c.Tenant, Anonymous: true}
	}
	e.record(ev)
	e.unsubscribedPage(ctx, &c)
}

// linkUnsubscribe is the repeatKey link of a one-click unsubscribe (-1 is
// the open pixel, 0 and up the links).
const linkUnsubscribe = -2

// suppressionLookup is what the edge asks, when its Suppressor can
// answer it (queue.Store), before writing an unsubscribe.
type suppressionLookup interface {
	SuppressedFor(tenant, addr string, st queue.Stream) (reason string, blocked bool)
}

// unsubscribedAlready reports whether c's recipient has already
// unsubscribed from c's tenant's marketing mail, so that the POST changes
// nothing. Each POST of one token otherwise wrote the spool (a durable
// commit) and an event, and so a webhook call to the tenant: 2,000 POSTs
// of one link in a second from one connection were 2,000 unsubscribe
// events (redteam3). Only an unsubscribe counts: a recipient kept from
// marketing for another reason (a bounce, the soft-failure threshold, the
// operator) is still recorded as having opted out, and the tenant told,
// so the opt-out stands if that other suppression is lifted (review8).
func (e *Edge) unsubscribedAlready(c *token.Claims) bool {
	l, ok := e.cfg.Suppressor.(suppressionLookup)
	if !ok {
		return false
	}
	reason, blocked := l.SuppressedFor(c.Tenant, queue.NormalizeAddr(c.Addr), queue.Marketing)
	return blocked && reason == "unsubscribe"
}

// unsubscribedPage answers that c's recipient is unsubscribed.
func (e *Edge) unsubscribedPage(ctx *fasthttp.RequestCtx, c *token.Claims) {
	e.writePage(ctx, fasthttp.StatusOK, page{
		Title:  "You are unsubscribed",
		State:  "done",
		Tenant: e.cfg.TenantName(c.Tenant),
		Addr:   maskAddr(c.Addr),
	})
}

// isOneClick reports whether a POST body of the given Content-Type carries
// the RFC 8058 §3.1 field List-Unsubscribe=One-Click: as
// application/x-www-form-urlencoded or as multipart/form-data (with its
// boundary), the media type matched case-insensitively and its other
// parameters (charset) ignored, the field anywhere among others, its name
// and value compared case-insensitively after decoding ('+' and %XX).
// Anything else (no body, text/plain, other fields, malformed multipart) is
// false: an empty or arbitrary POST is not the one-click request, and the
// edge's own page posts the same field. body is already bounded by the
// server's MaxRequestBodySize.
func isOneClick(contentType, body []byte) bool {
	if len(body) == 0 {
		return false
	}
	mt, params, err := mime.ParseMediaType(string(contentType))
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return false
	}
	switch mt { // ParseMediaType lower-cases it
	case "application/x-www-form-urlencoded":
		return formHasOneClick(body)
	case "multipart/form-data":
		return multipartHasOneClick(body, params["boundary"])
	}
	return false
}

// One-click field name and value (RFC 8058 §3.1).
const (
	oneClickName  = "List-Unsubscribe"
	oneClickValue = "One-Click"
)

// formHasOneClick looks for the field in an urlencoded body (WHATWG URL
// §5.1). Pairs that do not decode are skipped, not fatal.
func formHasOneClick(body []byte) bool {
	for pair := range bytes.SplitSeq(body, []byte("&")) {
		name, value, _ := bytes.Cut(pair, []byte("="))
		n, err := url.QueryUnescape(string(name))
		if err != nil || !strings.EqualFold(n, oneClickName) {
			continue
		}
		if v, err := url.QueryUnescape(string(value)); err == nil && strings.EqualFold(v, oneClickValue) {
			return true
		}
	}
	return false
}

// multipartHasOneClick looks for the field among the parts of a
// multipart/form-data body (RFC 7578): a part named List-Unsubscribe,
// not a file, whose value is One-Click. A malformed body is false.
func multipartHasOneClick(body []byte, boundary string) bool {
	if boundary == "" {
		return false
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := r.NextPart()
		if err != nil {
			return false // io.EOF or malformed
		}
		if !strings.EqualFold(p.FormName(), oneClickName) || p.FileName() != "" {
			continue
		}
		// One byte more than the value, so that a longer one differs.
		v, err := io.ReadAll(io.LimitReader(p, int64(len(oneClickValue))+1))
		if err == nil && strings.EqualFold(string(v), oneClickValue) {
			return true
		}
	}
}
