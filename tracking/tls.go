package tracking

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"
)

// acmeChallengePath is where an ACME CA fetches HTTP-01 key
// authorizations (RFC 8555 §8.3): always over plain HTTP, on port 80.
const acmeChallengePath = "/.well-known/acme-challenge/"

// ServeTLS serves HTTPS (HTTP/1.1 over TLS) on ln until Shutdown, with tc
// (certs.Manager.TLSConfig("http/1.1"): TLS 1.2 at least, certificates
// from GetCertificate). Like Serve, it returns nil after Shutdown. It may
// run beside Serve on another listener: the one edge answers both.
func (e *Edge) ServeTLS(ln net.Listener, tc *tls.Config) error {
	if tc == nil || (len(tc.Certificates) == 0 && tc.GetCertificate == nil) {
		ln.Close()
		return fmt.Errorf("tracking: ServeTLS needs a TLS configuration with a certificate")
	}
	return e.Serve(tls.NewListener(ln, tc))
}

// checkRedirect validates Config.HTTPSRedirect: empty, or an https origin
// with no path, query or fragment.
func checkRedirect(origin string) error {
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("tracking: HTTPSRedirect %q is not an https origin (https://host[:port])", origin)
	}
	return nil
}

// servePlain answers what a plain-HTTP request gets instead of the edge's
// routes, and reports whether it did: an ACME HTTP-01 challenge, or a 308
// to the HTTPS origin. 308 (RFC 9110 §15.4.9), not 301: the client repeats
// the same method with the same body, so an RFC 8058 one-click POST from a
// link in mail sent before HTTPS stays a POST. /healthz stays on plain
// HTTP for load balancers' checks. The target's host is the configured
// origin, or, on a tenant's own tracking host (Config.Hosts knows it), that
// host with the origin's port: never a host taken from the request that
// the edge does not know (no open redirect through a forged Host header).
func (e *Edge) servePlain(ctx *fasthttp.RequestCtx) bool {
	path := ctx.Path()
	if hasPrefix(path, acmeChallengePath) && e.cfg.HTTPChallenge != nil {
		if !ctx.IsGet() && !ctx.IsHead() {
			e.notFound(ctx, iNotFound)
			return true
		}
		body, ok := e.cfg.HTTPChallenge(e.baseCtx, string(ctx.Host()), string(path))
		if !ok {
			e.notFound(ctx, iNotFound)
			return true
		}
		ctx.SetContentType("text/plain")
		ctx.Response.Header.Set("Cache-Control", "no-store")
		ctx.SetBody(body)
		return true
	}
	if e.cfg.HTTPSRedirect == "" || string(path) == pathHealth {
		return false
	}
	origin := e.redirectOrigin(ctx)
	ctx.Response.Header.Set("Location", origin+string(ctx.URI().RequestURI()))
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetStatusCode(fasthttp.StatusPermanentRedirect)
	return true
}

// redirectOrigin is the HTTPS origin a plain-HTTP request is sent to:
// Config.HTTPSRedirect, or https://<tenant host>[:the origin's port] when
// the request came to a tenant's tracking host, so that its links stay on
// that host (hostAllows serves the tenant's tokens only there). The host
// written is the map's key, equal to the request's normalised host.
func (e *Edge) redirectOrigin(ctx *fasthttp.RequestCtx) string {
	origin := strings.TrimSuffix(e.cfg.HTTPSRedirect, "/")
	if e.cfg.Hosts == nil {
		return origin
	}
	host := requestHost(ctx)
	if _, ok := e.cfg.Hosts.HostTenant(host); !ok || host == "" {
		return origin
	}
	port := ""
	if u, err := url.Parse(origin); err == nil && u.Port() != "" {
		port = ":" + u.Port()
	}
	return "https://" + host + port
}
