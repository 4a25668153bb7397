// Package tracking is sluice's tracking edge: the HTTP server (fasthttp) that
// the links, pixel and List-Unsubscribe URIs added at submission point to
// (see the rewrite and token subpackages).
//
//	GET  /o/<token>.gif  the open pixel: a 43-byte transparent GIF, never cached
//	GET  /c/<token>      a click: 302 to the destination sealed in the token
//	HEAD /c/<token>      the same redirect, recorded as a machine click
//	GET  /u/<token>      the unsubscribe page: a form with one button
//	POST /u/<token>      unsubscribe (the page's button, or RFC 8058 one-click)
//	GET  /healthz        "ok"
//
// Anything else, and any token that does not verify (malformed, tampered
// with, expired, signed with an unknown key, of the wrong kind), is a bare
// 404: no detail, no redirect, nothing recorded but a counter.
//
// # Unsubscribing: RFC 2369 and RFC 8058
//
// Messages carry "List-Unsubscribe: <https://edge/u/<token>>, <mailto:…>"
// (RFC 2369 §3.2) and "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
// (RFC 8058 §3.1). A mail client that offers one-click unsubscribe POSTs
// "List-Unsubscribe=One-Click" to the HTTPS URI, as
// application/x-www-form-urlencoded or multipart/form-data (RFC 8058 §3.2);
// any other body (none, text/plain, other fields) is refused with 400 and
// unsubscribes nobody. A GET only shows a page asking
// for confirmation, because link scanners and prefetchers follow GETs
// (RFC 8058 §1): the page's form POSTs to the same URI, so a person who
// opens the link in a browser gets the same result with one click. The POST
// suppresses the address for the tenant's marketing stream through the
// [Suppressor], which commits durably, before the 200 is written; if it
// fails the answer is a 500 and no confirmation. The token must carry the
// recipient's address (sealed, see token.Claims.Addr), else the URI is a 404.
// Repeated POSTs are harmless. No cookies, no redirects, no JavaScript: the
// POST needs no state beyond the token in its URI (RFC 8058 §3.2).
//
// # Machine opens and clicks
//
// Every open and click is classified as a person's or a machine's, with a
// reason (see [Class]): security scanners (known user agents, configured
// address ranges, a request within seconds of the message's acceptance,
// every link of a message followed within a second, a hidden honeypot link,
// HEAD requests) and Apple Mail Privacy Protection, which fetches images of
// every message on delivery whether it is read or not. Gmail's and Yahoo's
// image proxies fetch when the recipient opens the message, so their opens
// count as human with Proxy "google" or "yahoo".
//
// # Privacy
//
// No cookies are set or read. Client addresses are truncated before they are
// recorded (/24 for IPv4, /48 for IPv6) unless configured otherwise; user
// agents are recorded as a class, not as the string. A request with "DNT: 1"
// or "Sec-GPC: 1" is served normally and counted only in anonymous per-tenant
// aggregates. HTML pages are sent with a strict Content-Security-Policy,
// Referrer-Policy: no-referrer and X-Content-Type-Options: nosniff.
//
// Events go to a [Recorder] (in production the tracking/events store), which
// must not block: the edge's answers never wait on a disk, except the
// unsubscribe, which waits for its suppression to be durable.
package tracking
