package tracking

import (
	"strings"
	"sync/atomic"

	"github.com/valyala/fasthttp"
)

// Per-tenant tracking hosts. A tenant may have its own tracking host
// ("t.acme.example", a CNAME to the edge): its mail's links, pixel and
// List-Unsubscribe URL name that host (Tracker.WithHost), so that a
// blocklisting of one tenant's links does not take every tenant's down,
// and the edge answers there only that tenant's tokens: any other
// tenant's token on it is a 404, as if unknown (a token is authentic but
// must not be served under someone else's name). The default host (any
// host that is no tenant's) keeps serving every tenant's tokens: mail
// sent before a tenant got its host carries default-host links.

// HostTenants maps a request's host to the tenant that owns it.
// *HostMap implements it.
type HostTenants interface {
	// HostTenant returns the tenant whose tracking host host is (lower
	// case, without port); ok is false for a host that is no tenant's.
	HostTenant(host string) (tenant string, ok bool)
}

// HostMap is a HostTenants replaced as a whole (Set) whenever the
// tenants change; reads take no lock.
type HostMap struct {
	m atomic.Pointer[map[string]string]
}

var _ HostTenants = (*HostMap)(nil)

// NewHostMap returns a map of host → tenant (a copy of hosts is kept).
func NewHostMap(hosts map[string]string) *HostMap {
	h := &HostMap{}
	h.Set(hosts)
	return h
}

// Set replaces the map with a copy of hosts (keys lower-cased, one
// trailing dot dropped).
func (h *HostMap) Set(hosts map[string]string) {
	m := make(map[string]string, len(hosts))
	for host, tenant := range hosts {
		m[strings.ToLower(strings.TrimSuffix(host, "."))] = tenant
	}
	h.m.Store(&m)
}

// HostTenant implements HostTenants.
func (h *HostMap) HostTenant(host string) (string, bool) {
	m := h.m.Load()
	if m == nil {
		return "", false
	}
	t, ok := (*m)[host]
	return t, ok
}

// requestHost is the request's Host without port, lower-cased, one
// trailing dot dropped; "" for an IP literal in brackets or no host.
func requestHost(ctx *fasthttp.RequestCtx) string {
	h := string(ctx.Host())
	if strings.HasPrefix(h, "[") {
		return ""
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// hostAllows reports whether a token of tenant may be served on the
// request's host: always without Config.Hosts or on a host that is no
// tenant's, else only when the host is tenant's own.
func (e *Edge) hostAllows(ctx *fasthttp.RequestCtx, tenant string) bool {
	if e.cfg.Hosts == nil {
		return true
	}
	owner, ok := e.cfg.Hosts.HostTenant(requestHost(ctx))
	return !ok || owner == tenant
}

// WithHost returns a copy of t whose URLs name host instead of the base
// URL's host, keeping its scheme and port: the tracker of a tenant with
// its own tracking host. The mailto List-Unsubscribe is unchanged (it
// goes to the bounce domain).
func (t *Tracker) WithHost(host string) *Tracker {
	c := *t
	scheme, rest, ok := strings.Cut(t.base, "://")
	if !ok {
		scheme, rest = "https", t.base
	}
	port := ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.Contains(rest[i:], "]") {
		port = rest[i:]
	}
	c.base = scheme + "://" + strings.ToLower(strings.TrimSuffix(host, ".")) + port
	return &c
}
