package mx

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"sluice/internal/clock"
	"time"

	"github.com/miekg/dns"
)

// Host is one place to deliver mail for a domain.
type Host struct {
	// Name is the host to connect to, lower case without a trailing dot;
	// resolve it with [Resolver.LookupHost].
	Name string
	// Preference is the MX preference: lower is tried first (RFC 5321 §5.1).
	Preference uint16
	// Implicit is set when the domain has no MX records and Name is the
	// domain itself, used as an implicit MX with preference 0 because it has
	// an A or AAAA record (RFC 5321 §5.1).
	Implicit bool
}

// Config configures a [Resolver]. The zero value is usable: every zero field
// takes the default given in its comment.
type Config struct {
	// Servers are the recursive resolvers to ask, as "ip:port" ("ip" alone
	// means port 53), tried in order on failure. Default: the nameservers of
	// /etc/resolv.conf (see [SystemServers]).
	Servers []string
	// Timeout bounds one exchange with one server, including the TCP retry
	// of a truncated answer. Default 3s.
	Timeout time.Duration
	// Attempts is how many times the server list is walked before a lookup
	// fails. Default 2.
	Attempts int
	// MinTTL is the shortest time an answer, positive or negative, is
	// cached whatever its TTL, so that zero-TTL records do not send every
	// delivery to the DNS. Default 30s.
	MinTTL time.Duration
	// MaxTTL is the longest time a positive answer is cached, so that a
	// moved MX is noticed. Default 1h.
	MaxTTL time.Duration
	// NegativeTTL is how long NXDOMAIN and NODATA answers are cached when
	// they carry no SOA, and the most they are cached when the SOA asks for
	// longer (RFC 2308 §5). A null MX is a record: it is cached for its TTL
	// within [MinTTL, MaxTTL]. Temporary failures are never cached.
	// Default 5m.
	NegativeTTL time.Duration
	// CacheSize is the number of answers (one per name and record type)
	// kept; the least recently used is evicted. Default 10000.
	CacheSize int
	// Now is the clock used for cache expiry. Default clock.Now (the real clock).
	Now func() time.Time
	// Rand returns a uniform integer in [0, n); it orders MX hosts of equal
	// preference. It must be safe for concurrent use. Default
	// math/rand/v2.IntN.
	Rand func(n int) int
	// Observe, when set, is told of every resolution that went to the
	// servers (cache hits are not): the record type ("MX", "A", "AAAA",
	// "TXT"), how long it took, and its result (one of the Result constants). It
	// runs in the resolving goroutine: keep it quick. Default nil: no
	// cost.
	Observe func(qtype string, d time.Duration, result string)
}

// Defaults of Config.
const (
	defaultTimeout     = 3 * time.Second
	defaultAttempts    = 2
	defaultMinTTL      = 30 * time.Second
	defaultMaxTTL      = time.Hour
	defaultNegativeTTL = 5 * time.Minute
	defaultCacheSize   = 10000
	defaultResolvConf  = "/etc/resolv.conf"
)

// Resolver looks up MX hosts and their addresses. It is safe for concurrent
// use; create one per process so that its cache is shared.
type Resolver struct {
	cfg     Config
	servers []string
	udp     dns.Client
	tcp     dns.Client
	cache   *cache
	flights group
}

// New returns a Resolver for cfg, with defaults filled in. It fails if a
// server is not an IP address, if no server is configured and none is found
// in /etc/resolv.conf, or if a bound is negative or MinTTL exceeds MaxTTL.
func New(cfg Config) (*Resolver, error) {
	if cfg.Timeout < 0 || cfg.Attempts < 0 || cfg.MinTTL < 0 || cfg.MaxTTL < 0 ||
		cfg.NegativeTTL < 0 || cfg.CacheSize < 0 {
		return nil, errors.New("mx: config: negative timeout, attempts, TTL or cache size")
	}
	cfg.Timeout = cmp0(cfg.Timeout, defaultTimeout)
	cfg.Attempts = cmp0(cfg.Attempts, defaultAttempts)
	cfg.MinTTL = cmp0(cfg.MinTTL, defaultMinTTL)
	cfg.MaxTTL = cmp0(cfg.MaxTTL, defaultMaxTTL)
	cfg.NegativeTTL = cmp0(cfg.NegativeTTL, defaultNegativeTTL)
	cfg.CacheSize = cmp0(cfg.CacheSize, defaultCacheSize)
	if cfg.MinTTL > cfg.MaxTTL {
		return nil, fmt.Errorf("mx: config: MinTTL %v exceeds MaxTTL %v", cfg.MinTTL, cfg.MaxTTL)
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.IntN
	}
	servers := cfg.Servers
	if len(servers) == 0 {
		var err error
		if servers, err = SystemServers(defaultResolvConf); err != nil {
			return nil, fmt.Errorf("mx: config: no Servers and %w", err)
		}
	}
	r := &Resolver{
		cfg:     cfg,
		servers: make([]string, 0, len(servers)),
		udp:     dns.Client{Net: "udp", Timeout: cfg.Timeout, UDPSize: udpSize},
		tcp:     dns.Client{Net: "tcp", Timeout: cfg.Timeout},
		cache:   newCache(cfg.CacheSize),
	}
	for _, s := range servers {
		ap, err := parseServer(s)
		if err != nil {
			return nil, fmt.Errorf("mx: config: server %q: %w", s, err)
		}
		r.servers = append(r.servers, ap.String())
	}
	r.cfg.Servers = r.servers
	return r, nil
}

// cmp0 returns v, or def when v is zero.
func cmp0[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// parseServer accepts "ip:port", "[ipv6]:port" and a bare IP (port 53).
func parseServer(s string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.AddrPort{}, errors.New("not an ip:port")
	}
	return netip.AddrPortFrom(a, 53), nil
}

// SystemServers returns the name servers of a resolv.conf file as "ip:port",
// for [Config.Servers]. It fails if the file cannot be read or lists no
// server.
func SystemServers(path string) ([]string, error) {
	cc, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("mx: read %s: %w", path, err)
	}
	if len(cc.Servers) == 0 {
		return nil, fmt.Errorf("mx: read %s: %w", path, ErrNoServers)
	}
	out := make([]string, 0, len(cc.Servers))
	for _, s := range cc.Servers {
		out = append(out, net.JoinHostPort(s, cc.Port))
	}
	return out, nil
}

// LookupMX returns the hosts that receive mail for domain, most preferred
// first, hosts of equal preference in a new random order on each call
// (RFC 5321 §5.1). The caller owns the returned slice.
//
// A domain without MX records but with an A or AAAA record yields one
// implicit host, the domain itself. Permanent errors (see [IsPermanent]):
// [ErrNoSuchDomain], [ErrNullMX] (RFC 7505), [ErrNoAddress] when there is
// neither MX nor address, [ErrInvalidDomain]. Anything else is temporary.
func (r *Resolver) LookupMX(ctx context.Context, domain string) ([]Host, error) {
	name, err := normalize(domain)
	if err != nil {
		return nil, fmt.Errorf("mx: lookup MX: %w", err)
	}
	ans, err := r.query(ctx, name, dns.TypeMX)
	if err != nil {
		return nil, fmt.Errorf("mx: lookup MX %s: %w", name, err)
	}
	switch {
	case ans.err == errNoData:
		// RFC 5321 §5.1: no MX, so the domain itself is the implicit MX,
		// provided it has an address to deliver to.
		if _, _, err := r.lookupAddrs(ctx, name); err != nil {
			return nil, fmt.Errorf("mx: lookup MX %s: no MX records, implicit MX: %w", name, err)
		}
		return []Host{{Name: name, Implicit: true}}, nil
	case ans.err != nil:
		return nil, fmt.Errorf("mx: lookup MX %s: %w", name, ans.err)
	}
	hosts := slices.Clone(ans.hosts)
	r.shuffleEqual(hosts)
	return hosts, nil
}

// shuffleEqual randomly reorders each run of hosts of equal preference in
// hosts, which is sorted by preference (RFC 5321 §5.1: "randomize them to
// spread the load").
func (r *Resolver) shuffleEqual(hosts []Host) {
	for i := 0; i < len(hosts); {
		j := i + 1
		for j < len(hosts) && hosts[j].Preference == hosts[i].Preference {
			j++
		}
		run := hosts[i:j]
		for k := len(run) - 1; k > 0; k-- {
			m := r.cfg.Rand(k + 1)
			if m < 0 || m > k { // a misbehaving injected Rand must not panic
				m = k
			}
			run[k], run[m] = run[m], run[k]
		}
		i = j
	}
}
