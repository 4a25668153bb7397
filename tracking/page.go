package tracking

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fasthttp"
)

// Security headers of every HTML answer. The pages have no script, load
// nothing, may only post their form to the edge itself, and may not be
// framed (no clickjacking of the button).
const (
	contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
	referrerPolicy        = "no-referrer"
)

// pageHTML is the one template of the edge's pages: the unsubscribe
// confirmation form, the result, and the error. Plain HTML, labelled, with
// a real form and button, readable without CSS, no JavaScript. The form
// posts List-Unsubscribe=One-Click (urlencoded, to the page's own URL): the
// RFC 8058 §3.1 body, the only one serveUnsubscribe accepts.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1.25rem;line-height:1.5;color:#1a1a1a;background:#fff}
h1{font-size:1.5rem}
button{font:inherit;font-weight:600;padding:.65rem 1.4rem;border:2px solid #1a1a1a;border-radius:.4rem;background:#1a1a1a;color:#fff;cursor:pointer}
button:hover{background:#333}
button:focus-visible{outline:3px solid #0b57d0;outline-offset:3px}
.note{color:#4a4a4a;font-size:.95rem}
@media (prefers-color-scheme:dark){body{background:#121212;color:#eee}button{background:#eee;color:#121212;border-color:#eee}.note{color:#bbb}}
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{if eq .State "confirm"}}<p>Stop marketing email from <strong>{{.Tenant}}</strong> to <strong>{{.Addr}}</strong>?</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>
<p class="note">Messages you need, such as receipts and security notices, will still be sent.</p>
{{else if eq .State "done"}}<p role="status"><strong>{{.Tenant}}</strong> will no longer send marketing email to <strong>{{.Addr}}</strong>.</p>
<p class="note">Messages you need, such as receipts and security notices, will still be sent. You can close this page.</p>
{{else}}<p role="alert">Sorry, we could not unsubscribe you just now. Nothing was changed. Please try again in a few minutes.</p>
{{end}}</main>
</body>
</html>
`

// page is the data of pageHTML.
type page struct {
	Title  string
	State  string // "confirm", "done", "error"
	Tenant string
	Addr   string
}

func parsePages() (*template.Template, error) {
	t, err := template.New("page").Parse(pageHTML)
	if err != nil {
		return nil, fmt.Errorf("tracking: page template: %w", err)
	}
	return t, nil
}

// writePage renders p as the response, with status and the HTML security
// headers.
func (e *Edge) writePage(ctx *fasthttp.RequestCtx, status int, p page) {
	var buf bytes.Buffer
	if err := e.pages.Execute(&buf, p); err != nil {
		e.log.Error("tracking: render page", "err", err)
		ctx.Error("internal error\n", fasthttp.StatusInternalServerError)
		return
	}
	h := &ctx.Response.Header
	h.SetContentType("text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", referrerPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY") // for browsers without frame-ancestors
	h.Set("Cache-Control", noStore)
	ctx.SetStatusCode(status)
	ctx.SetBody(buf.Bytes())
}

// maskAddr shows enough of an address for its owner to recognise it and
// little for anyone else: "john@example.com" is "j***@e***.com".
func maskAddr(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "***"
	}
	local, domain := addr[:at], addr[at+1:]
	var b strings.Builder
	b.WriteString(firstRune(local))
	b.WriteString("***@")
	labels := strings.Split(domain, ".")
	b.WriteString(firstRune(labels[0]))
	b.WriteString("***")
	if n := len(labels); n > 1 && labels[n-1] != "" {
		b.WriteByte('.')
		b.WriteString(labels[n-1])
	}
	return b.String()
}

// firstRune returns the first character of s, or "" if s is empty or does
// not start with valid UTF-8.
func firstRune(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return ""
	}
	return s[:n]
}
