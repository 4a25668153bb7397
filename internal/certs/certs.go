package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"sluice/internal/clock"
)

// ErrNoCertificate is returned by GetCertificate for a server name that
// has no certificate here.
var ErrNoCertificate = errors.New("certs: no certificate for this server name")

// Config configures a Manager. With neither static files nor ACME hosts a
// Manager has no certificate (New refuses that).
type Config struct {
	// CertFile and KeyFile are a PEM certificate chain and its key: the
	// certificate served for every server name that is not an ACME host.
	// Empty: none.
	CertFile, KeyFile string
	// ACME obtains certificates for ACME.Hosts. Zero: ACME off.
	ACME ACME
	// Now is the clock for expiry warnings. Default clock.Now.
	Now func() time.Time
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

// ACME configures certificates from an ACME CA.
type ACME struct {
	// Hosts are the only names certificates are requested for. Empty:
	// ACME off.
	Hosts []string
	// Allow admits more names at the moment of a handshake (a tenant's
	// own tracking host, kept as data and changed without a restart);
	// nil: Hosts only. It must answer from the operator's data, never from
	// the request: a stranger's SNI must not make us order a certificate.
	// With Allow, ACME is on even without Hosts.
	Allow func(host string) bool
	// Directory is the CA's directory URL. Default Let's Encrypt's
	// (autocert.DefaultACMEDirectory).
	Directory string
	// Email is the account's contact address (RFC 8555 §7.3). Optional.
	Email string
	// CacheDir keeps the account key and the certificates (directory
	// 0700, files 0600). Required with Hosts: without it every restart
	// would ask the CA again, and hit its rate limits.
	CacheDir string
	// HTTP01 also answers the HTTP-01 challenge, through HTTPChallenge on
	// a plain HTTP listener on port 80. Default: TLS-ALPN-01 only, on the
	// TLS listener, which must then be reachable on port 443.
	HTTP01 bool
	// RenewBefore renews a certificate this long before it expires.
	// Default 0: a third of its lifetime before (at most 30 days).
	RenewBefore time.Duration
	// HTTPClient talks to the CA. Default http.DefaultClient's settings.
	// Tests set one trusting their CA's server certificate.
	HTTPClient *http.Client
}

// Manager holds the certificates and picks one per handshake. Create it
// with New; it is safe for concurrent use.
type Manager struct {
	cfg    Config
	log    *slog.Logger
	static atomic.Pointer[static] // nil: no static files configured
	acme   *autocert.Manager      // nil: ACME off
	hosts  map[string]bool        // ACME hosts, lower case, no trailing dot
}

// New loads the static files (if any) and sets up ACME (if configured).
// No CA is contacted until a handshake names an ACME host.
func New(cfg Config) (*Manager, error) {
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return nil, errors.New("certs: a certificate file needs its key file, and the other way round")
	}
	if cfg.CertFile == "" && !cfg.ACME.on() {
		return nil, errors.New("certs: neither certificate files nor ACME hosts configured")
	}
	m := &Manager{cfg: cfg, log: cfg.Logger, hosts: map[string]bool{}}
	if cfg.CertFile != "" {
		s, err := loadStatic(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, err
		}
		m.warnExpiry(s)
		m.static.Store(s)
	}
	if cfg.ACME.on() {
		if err := m.setupACME(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// setupACME makes the autocert manager for cfg.ACME.
func (m *Manager) setupACME() error {
	a := m.cfg.ACME
	if a.CacheDir == "" {
		return errors.New("certs: ACME needs a cache directory")
	}
	for _, h := range a.Hosts {
		n := normalise(h)
		if n == "" || !strings.Contains(n, ".") {
			return fmt.Errorf("certs: ACME host %q is not a domain name", h)
		}
		m.hosts[n] = true
	}
	dir := a.Directory
	if dir == "" {
		dir = autocert.DefaultACMEDirectory
	}
	m.acme = &autocert.Manager{
		Prompt:      autocert.AcceptTOS,
		Cache:       autocert.DirCache(a.CacheDir),
		HostPolicy:  m.hostPolicy,
		RenewBefore: a.RenewBefore,
		Email:       a.Email,
		Client:      &acme.Client{DirectoryURL: dir, HTTPClient: a.HTTPClient, UserAgent: "sluice"},
	}
	if a.HTTP01 {
		// autocert offers HTTP-01 only once its handler was asked for.
		m.acme.HTTPHandler(nil)
	}
	return nil
}

// on reports whether ACME is configured.
func (a ACME) on() bool { return len(a.Hosts) > 0 || a.Allow != nil }

// isACMEHost reports whether name (normalised) gets ACME certificates:
// a configured host, or one Allow admits now.
func (m *Manager) isACMEHost(name string) bool {
	if m.hosts[name] {
		return true
	}
	return name != "" && strings.Contains(name, ".") && m.cfg.ACME.Allow != nil && m.cfg.ACME.Allow(name)
}

// hostPolicy admits the configured ACME hosts only. GetCertificate checks
// before it calls autocert; this is autocert's own guard, for its HTTP-01
// handler too.
func (m *Manager) hostPolicy(_ context.Context, host string) error {
	if !m.isACMEHost(normalise(host)) {
		return fmt.Errorf("certs: %q is not an ACME host", host)
	}
	return nil
}

// normalise lower-cases a server name and drops a trailing dot.
func normalise(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") }

// GetCertificate is tls.Config.GetCertificate: the ACME certificate for an
// ACME host (obtained on first use, which can take seconds), the static
// one for any other name or none, ErrNoCertificate when there is no static
// one. A TLS-ALPN-01 validation handshake (RFC 8737 §3: ALPN
// "acme-tls/1") is answered only for an ACME host with a challenge
// pending.
func (m *Manager) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := normalise(hello.ServerName)
	if m.acme != nil && m.isACMEHost(name) {
		return m.acme.GetCertificate(hello)
	}
	if wantsChallenge(hello) {
		return nil, fmt.Errorf("%w: ACME challenge for %q", ErrNoCertificate, name)
	}
	if s := m.static.Load(); s != nil {
		return s.cert, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrNoCertificate, name)
}

// wantsChallenge reports a TLS-ALPN-01 validation handshake: one that
// offers only the acme-tls/1 protocol (RFC 8737 §3).
func wantsChallenge(hello *tls.ClientHelloInfo) bool {
	return len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == acme.ALPNProto
}

// TLSConfig returns a server configuration over GetCertificate: TLS 1.2 at
// least, Go's default cipher suites (all AEAD with forward secrecy for
// TLS 1.2), and the ALPN protocols given (e.g. "http/1.1") plus
// acme-tls/1 when ACME is on, for TLS-ALPN-01.
func (m *Manager) TLSConfig(protos ...string) *tls.Config {
	tc := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: m.GetCertificate,
		NextProtos:     append([]string(nil), protos...),
	}
	if m.acme != nil {
		tc.NextProtos = append(tc.NextProtos, acme.ALPNProto)
	}
	return tc
}

// Reload reads the static files again and serves the new certificate
// from the next handshake on; connections already up keep theirs. On any
// error the previous certificate stays in force. Without static files it
// does nothing: ACME certificates renew themselves.
func (m *Manager) Reload() error {
	if m.cfg.CertFile == "" {
		return nil
	}
	s, err := loadStatic(m.cfg.CertFile, m.cfg.KeyFile)
	if err != nil {
		m.log.Error("certs: reload failed, previous certificate kept", "file", m.cfg.CertFile, "err", err)
		return err
	}
	m.static.Store(s)
	m.log.Info("certs: certificate reloaded", "file", m.cfg.CertFile, "subject", s.leaf.Subject.CommonName,
		"not_after", s.leaf.NotAfter.UTC().Format(time.RFC3339))
	m.warnExpiry(s)
	return nil
}

// warnExpiry logs a static certificate that is expired or expires within
// two weeks: nothing renews it but the operator.
func (m *Manager) warnExpiry(s *static) {
	left := s.leaf.NotAfter.Sub(m.cfg.Now())
	switch {
	case left <= 0:
		m.log.Error("certs: certificate expired", "file", m.cfg.CertFile, "not_after", s.leaf.NotAfter.UTC().Format(time.RFC3339))
	case left < 14*24*time.Hour:
		m.log.Warn("certs: certificate expires soon", "file", m.cfg.CertFile, "not_after", s.leaf.NotAfter.UTC().Format(time.RFC3339))
	}
}
