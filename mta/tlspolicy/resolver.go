package tlspolicy

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sluice/internal/clock"
	"sluice/mta/mx"

	"github.com/miekg/dns"
)

// errMXMismatch: the MX host matches none of the MTA-STS policy's patterns.
var errMXMismatch = errors.New("MX host not in the MTA-STS policy")

// ErrDANELookup is returned by ForHost when the TLSA lookup through a
// validating resolver failed (SERVFAIL, timeout): RFC 7672 §2.2 has the
// client defer rather than deliver without the protection the records
// may ask for. Temporary.
var ErrDANELookup = errors.New("tlspolicy: DANE TLSA lookup failed")

// Rule is one configured policy (a [[delivery.tls_policy]] entry). Domain
// and MX match like shaping rules: "example.com" exactly, ".example.com"
// any name below it; a rule with MX matches the MX host instead of the
// recipient domain. The first matching rule wins.
type Rule struct {
	Domain string
	MX     string
	Mode   Mode
}

// Config configures a Resolver. Zero fields take the defaults given.
type Config struct {
	// Rules are the configured per-site modes, in order.
	Rules []Rule
	// MTASTS looks up MTA-STS policies for every domain (rules with mode
	// mta-sts turn it on for their domains only).
	MTASTS bool
	// DANE looks up TLSA records for every MX host (rules with mode dane
	// turn it on for theirs); it needs DNSSECServers.
	DANE bool
	// Servers are the resolvers asked for `_mta-sts` TXT records
	// ("ip:port"). Default: /etc/resolv.conf's.
	Servers []string
	// DNSSECServers are resolvers the operator trusts to validate DNSSEC
	// (a local unbound): the only ones whose AD bit is believed. Without
	// them there is no DANE.
	DNSSECServers []string
	// DNSTimeout bounds one DNS exchange. Default 3 s.
	DNSTimeout time.Duration
	// TXTCacheTTL is how long an `_mta-sts` TXT answer is reused before
	// the id is checked again. Default 5 min.
	TXTCacheTTL time.Duration
	// Dir, when set, is where fetched MTA-STS policies are persisted
	// (created 0700), so a restart keeps enforcing them (RFC 8461 §5.1).
	Dir string
	// RootCAs verify policy servers and `verify`/MTA-STS MX certificates;
	// nil means the system's roots.
	RootCAs *x509.CertPool
	// DialContext dials policy servers; default a net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// FetchTimeout bounds one policy fetch. Default 20 s.
	FetchTimeout time.Duration
	// Stats receives outcomes; nil for none.
	Stats *Stats
	// Now is the clock of cache expiry and certificate validity. Default
	// clock.Now.
	Now func() time.Time
}

// Resolver decides TLS policies: configured rules, MTA-STS policies
// (fetched, cached, persisted) and DANE. Safe for concurrent use; one per
// process.
type Resolver struct {
	cfg  Config
	http *http.Client
	// rules, once SetRules ran, replaces cfg.Rules (reload.go).
	rules atomic.Pointer[[]Rule]

	mu    sync.Mutex
	sts   map[string]*cachedSTS  // by domain; loaded from Dir on first use
	txt   map[string]txtEntry    // by domain
	locks map[string]*sync.Mutex // one policy refresh per domain at a time
	// pruneAt is the size of txt at which prune runs next, prunes how
	// many have run (prune.go).
	pruneAt, prunes int
	// lockWait, when set, runs in lockDomain between finding a lock and
	// taking it (tests: a pruning in between).
	lockWait func()
}

type txtEntry struct {
	id      string
	err     error
	expires time.Time
}

// New returns a Resolver for cfg.
func New(cfg Config) (*Resolver, error) {
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.DNSTimeout <= 0 {
		cfg.DNSTimeout = 3 * time.Second
	}
	if cfg.TXTCacheTTL <= 0 {
		cfg.TXTCacheTTL = 5 * time.Minute
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = defaultFetchTimeout
	}
	for i, r := range cfg.Rules {
		if _, ok := ParseMode(string(r.Mode)); !ok {
			return nil, fmt.Errorf("tlspolicy: rule %d: unknown mode %q", i, r.Mode)
		}
	}
	if len(cfg.Servers) == 0 && (cfg.MTASTS || hasMode(cfg.Rules, ModeMTASTS)) {
		s, err := mx.SystemServers("/etc/resolv.conf")
		if err != nil {
			return nil, fmt.Errorf("tlspolicy: resolvers: %w", err)
		}
		cfg.Servers = s
	}
	if cfg.Dir != "" {
		if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("tlspolicy: policy dir: %w", err)
		}
	}
	return &Resolver{
		cfg: cfg, http: newHTTPClient(&cfg),
		sts: map[string]*cachedSTS{}, txt: map[string]txtEntry{}, locks: map[string]*sync.Mutex{},
	}, nil
}

func hasMode(rules []Rule, m Mode) bool {
	for _, r := range rules {
		if r.Mode == m {
			return true
		}
	}
	return false
}

// matchName: "example.com" exactly, ".example.com" strictly below it.
func matchName(pattern, name string) bool {
	pattern = strings.ToLower(strings.TrimSuffix(pattern, "."))
	if strings.HasPrefix(pattern, ".") {
		return strings.HasSuffix(name, pattern)
	}
	return pattern != "" && name == pattern
}

func (r *Resolver) rule(domain, host string) (Mode, bool) {
	for _, ru := range r.rulesNow() {
		if ru.MX != "" && host != "" && matchName(ru.MX, host) ||
			ru.MX == "" && ru.Domain != "" && matchName(ru.Domain, domain) {
			return ru.Mode, true
		}
	}
	return "", false
}

func (r *Resolver) policy(domain string, m Mode, src Source) *Policy {
	return &Policy{Mode: m, Source: src, Domain: domain, roots: r.cfg.RootCAs, now: r.cfg.Now}
}

// Domain returns the policy for mail to domain before an MX host is
// chosen: a configured rule, the domain's MTA-STS policy, or opportunistic.
// Precedence: MTA-STS enforce, then a rule's require/verify, then MTA-STS
// testing, then opportunistic. It never fails: a policy that cannot be
// had is no policy (RFC 8461 §5), recorded in Stats for TLS reporting.
func (r *Resolver) Domain(ctx context.Context, domain string) *Policy {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	mode, ruled := r.rule(domain, "")
	var sts *Policy
	if r.cfg.MTASTS || mode == ModeMTASTS {
		sts = r.stsPolicy(ctx, domain)
	}
	switch {
	case sts != nil && !sts.Testing:
		return sts
	case ruled && (mode == ModeRequire || mode == ModeVerify):
		return r.policy(domain, mode, SourceConfig)
	case sts != nil:
		return sts
	}
	if ruled && mode == ModeOpportunistic {
		return r.policy(domain, ModeOpportunistic, SourceConfig)
	}
	return r.policy(domain, ModeOpportunistic, SourceDefault)
}

// ForHost refines dom, the domain's policy, for one MX host: DANE when
// the host has usable DNSSEC-secure TLSA records (DANE wins over MTA-STS,
// RFC 8461 §2), else an MX rule, else dom. An error (wrapping
// ErrDANELookup) means the mail must be deferred for this host.
func (r *Resolver) ForHost(ctx context.Context, dom *Policy, host string) (*Policy, error) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	mode, ruled := r.rule(dom.Domain, host)
	if r.cfg.DANE || mode == ModeDANE || hasRuleFor(r.rulesNow(), dom.Domain, ModeDANE) {
		p, err := r.danePolicy(ctx, dom.Domain, host)
		if err != nil {
			r.cfg.Stats.resolveFailure(r.policy(dom.Domain, ModeDANE, SourceDANE), host, ResultDNSSECInvalid)
			return nil, err
		}
		if p != nil {
			return p, nil
		}
	}
	if ruled && dom.Source != SourceMTASTS && (mode == ModeRequire || mode == ModeVerify) {
		p := r.policy(dom.Domain, mode, SourceConfig)
		p.Host = host
		return p, nil
	}
	p := *dom
	p.Host = host
	return &p, nil
}

func hasRuleFor(rules []Rule, domain string, m Mode) bool {
	for _, ru := range rules {
		if ru.Mode == m && ru.MX == "" && matchName(ru.Domain, domain) {
			return true
		}
	}
	return false
}

// danePolicy returns host's DANE policy (RFC 7672 §2.2), nil when DANE
// does not apply: no validating resolver, an MX RRset or host address
// that is not DNSSEC-secure (AD bit absent), the host not in the secure
// MX set, no TLSA records, or TLSA records without the AD bit.
func (r *Resolver) danePolicy(ctx context.Context, domain, host string) (*Policy, error) {
	servers := r.cfg.DNSSECServers
	if len(servers) == 0 {
		return nil, nil
	}
	mxa, err := query(ctx, servers, r.cfg.DNSTimeout, domain, dns.TypeMX)
	if err != nil || !mxa.ad {
		return nil, nil // insecure or unknown MX: no DANE (§2.2.1)
	}
	inSet := false
	for _, rr := range mxa.records {
		if m, ok := rr.(*dns.MX); ok && strings.EqualFold(strings.TrimSuffix(m.Mx, "."), host) {
			inSet = true
		}
	}
	if !inSet {
		return nil, nil
	}
	addr, err := query(ctx, servers, r.cfg.DNSTimeout, host, dns.TypeA)
	if err == nil && len(addr.records) == 0 {
		addr, err = query(ctx, servers, r.cfg.DNSTimeout, host, dns.TypeAAAA)
	}
	if err != nil || !addr.ad {
		return nil, nil // insecure address records: no TLSA lookup (§2.2.2)
	}
	tlsa, err := query(ctx, servers, r.cfg.DNSTimeout, "_25._tcp."+host, dns.TypeTLSA)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrDANELookup, host, err)
	}
	if !tlsa.ad || len(tlsa.records) == 0 {
		return nil, nil
	}
	p := r.policy(domain, ModeDANE, SourceDANE)
	p.Host = host
	p.TLSA = usableTLSA(tlsa.records)
	return p, nil
}
