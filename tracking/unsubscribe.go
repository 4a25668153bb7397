package tracking

import (
	"bytes"
	"context"
	"slices"

	"github.com/valyala/fasthttp"

	"sluice/queue"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// maxBody bounds a request body: a one-click POST is 26 bytes, a multipart
// one a few hundred.
const maxBody = 64 << 10

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
// client's RFC 8058 one-click request. The suppression is committed before
// the answer; if it fails the answer is a 500 and the client may retry.
func (e *Edge) serveUnsubscribe(ctx *fasthttp.RequestCtx, tok []byte) {
	c, ok := e.unsubscribeClaims(ctx, tok)
	if !ok {
		return
	}
	now := e.now(ctx)
	how := oneClickBody(ctx)
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
		Detail:  how,
	})
	if err != nil {
		e.count(iSuppressError)
		e.log.Error("tracking: unsubscribe not recorded", "tenant", c.Tenant, "msgid", c.Message, "err", err)
		e.writePage(ctx, fasthttp.StatusInternalServerError, page{Title: "Something went wrong", State: "error"})
		return
	}
	e.count(iUnsubscribe)
	ev := events.Event{Time: now, Kind: events.KindUnsubscribe, Tenant: c.Tenant, Message: c.Message, Rcpt: c.Rcpt, Reason: how}
	if doNotTrack(ctx) {
		e.count(iAnonymous)
		ev = events.Event{Time: now, Kind: events.KindUnsubscribe, Tenant: c.Tenant, Anonymous: true}
	}
	e.record(ev)
	e.writePage(ctx, fasthttp.StatusOK, page{
		Title:  "You are unsubscribed",
		State:  "done",
		Tenant: e.cfg.TenantName(c.Tenant),
		Addr:   maskAddr(c.Addr),
	})
}

// oneClickBody says what the POST carried: "one_click" for the RFC 8058
// §3.2 field List-Unsubscribe=One-Click (form-urlencoded or multipart),
// "empty" for no body, "other" for anything else. All three unsubscribe:
// the token in the URI is the authority, and clients vary.
func oneClickBody(ctx *fasthttp.RequestCtx) string {
	if len(ctx.PostBody()) == 0 {
		return "empty"
	}
	ct := bytes.ToLower(ctx.Request.Header.ContentType())
	switch {
	case bytes.HasPrefix(ct, []byte("application/x-www-form-urlencoded")):
		if string(ctx.PostArgs().Peek("List-Unsubscribe")) == "One-Click" {
			return "one_click"
		}
	case bytes.HasPrefix(ct, []byte("multipart/form-data")):
		if f, err := ctx.MultipartForm(); err == nil && slices.Contains(f.Value["List-Unsubscribe"], "One-Click") {
			return "one_click"
		}
	}
	return "other"
}
