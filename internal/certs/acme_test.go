package certs_test

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"sluice/internal/certs"
	"sluice/internal/certs/certstest"
	"sluice/mta/mx/dnstest"
)

const acmeHost = "t.sluice.test"

// acmeSetup starts a TLS listener on loopback whose port Pebble validates
// TLS-ALPN-01 on, a DNS server resolving acmeHost there, Pebble, and a
// Manager for acmeHost serving on the listener.
func acmeSetup(t *testing.T, validity time.Duration) (m *certs.Manager, p *certstest.Pebble, addr, cache string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dns := dnstest.NewServer(t)
	dns.AddA(acmeHost, "127.0.0.1")
	p = certstest.StartPebble(t, certstest.PebbleOptions{DNS: dns.Addr(), TLSPort: ln.Addr().(*net.TCPAddr).Port, Validity: validity})
	cache = filepath.Join(t.TempDir(), "acme")
	m, err = certs.New(certs.Config{Logger: quiet(), ACME: certs.ACME{
		Hosts: []string{acmeHost}, Directory: p.Directory, Email: "ops@sluice.test",
		CacheDir: cache, HTTPClient: p.Client,
	}})
	if err != nil {
		t.Fatal(err)
	}
	tl := tls.NewListener(ln, m.TLSConfig("http/1.1"))
	t.Cleanup(func() { tl.Close() })
	go acceptHandshakes(tl)
	return m, p, ln.Addr().String(), cache
}

func acceptHandshakes(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(time.Minute))
			_ = c.(*tls.Conn).Handshake()
			var b [1]byte
			c.Read(b[:])
		}()
	}
}

func TestACMEIssuesForConfiguredHostOnly(t *testing.T) {
	t.Parallel()
	_, p, addr, cache := acmeSetup(t, 0)

	// A stranger's names: no certificate, and the CA never asked.
	for _, sni := range []string{"evil.sluice.test", "sluice.test", ""} {
		if _, err := handshake(addr, sni, p.Roots); err == nil {
			t.Errorf("SNI %q: handshake succeeded", sni)
		}
	}
	if n := p.Orders(); n != 0 {
		t.Fatalf("%d ACME orders for unconfigured names", n)
	}

	leaf, err := handshake(addr, acmeHost, p.Roots) // verified against Pebble's root
	if err != nil {
		t.Fatalf("configured host: %v", err)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != acmeHost {
		t.Errorf("certificate names %v", leaf.DNSNames)
	}
	// Served from memory from now on: one order only.
	if _, err := handshake(addr, acmeHost, p.Roots); err != nil {
		t.Fatal(err)
	}
	if n := p.Orders(); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	// The cache: the directory 0700, every file 0600, the certificate
	// among them.
	fi, err := os.Stat(cache)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("cache directory mode %v", fi.Mode().Perm())
	}
	ents, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
		found = found || e.Name() == acmeHost
	}
	if !found {
		t.Errorf("no cached certificate for %s in %v", acmeHost, ents)
	}
}

func TestACMECacheSurvivesRestart(t *testing.T) {
	t.Parallel()
	_, p, addr, cache := acmeSetup(t, 0)
	first, err := handshake(addr, acmeHost, p.Roots)
	if err != nil {
		t.Fatal(err)
	}
	// A new Manager over the same cache (a restarted node) serves the same
	// certificate without a new order.
	m2, err := certs.New(certs.Config{Logger: quiet(), ACME: certs.ACME{
		Hosts: []string{acmeHost}, Directory: p.Directory, CacheDir: cache, HTTPClient: p.Client,
	}})
	if err != nil {
		t.Fatal(err)
	}
	addr2 := serveTLS(t, m2.TLSConfig())
	second, err := handshake(addr2, acmeHost, p.Roots)
	if err != nil {
		t.Fatal(err)
	}
	if first.SerialNumber.Cmp(second.SerialNumber) != 0 {
		t.Errorf("restart got a new certificate")
	}
	if n := p.Orders(); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
}

// TestACMERenewal: with a certificate lifetime of 9 s Pebble's
// certificate is due for renewal after about 6 s (a third of its lifetime
// before expiry); the served certificate changes without a handshake
// asking for it, and before the old one expires.
func TestACMERenewal(t *testing.T) {
	t.Parallel()
	_, p, addr, _ := acmeSetup(t, 9*time.Second)
	first, err := handshake(addr, acmeHost, p.Roots)
	if err != nil {
		t.Fatal(err)
	}
	deadline := first.NotAfter
	for {
		leaf, err := handshake(addr, acmeHost, p.Roots)
		if err == nil && leaf.SerialNumber.Cmp(first.SerialNumber) != 0 {
			if !leaf.NotAfter.After(first.NotAfter) {
				t.Errorf("renewed certificate expires %v, before the first %v", leaf.NotAfter, first.NotAfter)
			}
			if n := p.Orders(); n < 2 {
				t.Errorf("%d orders", n)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not renewed before expiry %v (orders %d, last err %v)", deadline, p.Orders(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestACMEChallengeForStrangerRefused(t *testing.T) {
	t.Parallel()
	m, _, _, _ := acmeSetup(t, 0)
	_, err := m.GetCertificate(&tls.ClientHelloInfo{ServerName: "evil.sluice.test", SupportedProtos: []string{"acme-tls/1"}})
	if !errors.Is(err, certs.ErrNoCertificate) {
		t.Errorf("challenge hello for a stranger: %v", err)
	}
	if _, ok := m.HTTPChallenge(t.Context(), "evil.sluice.test:80", certs.ChallengePrefix+"x"); ok {
		t.Error("HTTP-01 answered for a stranger")
	}
}

// TestACMEAllowAdmitsTenantHosts: with Allow (a tenant's tracking host
// from the operator's data), a host not in Hosts gets its certificate
// once Allow admits it, and not before; a stranger's name still causes
// no order.
func TestACMEAllowAdmitsTenantHosts(t *testing.T) {
	t.Parallel()
	const tenantHost = "t.shop.sluice.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dns := dnstest.NewServer(t)
	dns.AddA(tenantHost, "127.0.0.1")
	p := certstest.StartPebble(t, certstest.PebbleOptions{DNS: dns.Addr(), TLSPort: ln.Addr().(*net.TCPAddr).Port})
	var admitted atomic.Bool
	m, err := certs.New(certs.Config{Logger: quiet(), ACME: certs.ACME{
		Allow:     func(h string) bool { return admitted.Load() && h == tenantHost },
		Directory: p.Directory, CacheDir: filepath.Join(t.TempDir(), "acme"), HTTPClient: p.Client,
	}})
	if err != nil {
		t.Fatal(err)
	}
	tl := tls.NewListener(ln, m.TLSConfig("http/1.1"))
	t.Cleanup(func() { tl.Close() })
	go acceptHandshakes(tl)
	addr := ln.Addr().String()
	for _, sni := range []string{tenantHost, "evil.sluice.test"} {
		if _, err := handshake(addr, sni, p.Roots); err == nil {
			t.Errorf("SNI %q before it is admitted: handshake succeeded", sni)
		}
	}
	if n := p.Orders(); n != 0 {
		t.Fatalf("%d orders before any host was admitted", n)
	}
	admitted.Store(true)
	leaf, err := handshake(addr, tenantHost, p.Roots)
	if err != nil {
		t.Fatalf("admitted tenant host: %v", err)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != tenantHost {
		t.Errorf("certificate names %v", leaf.DNSNames)
	}
	if _, err := handshake(addr, "evil.sluice.test", p.Roots); err == nil {
		t.Error("a stranger's SNI got a certificate")
	}
	if n := p.Orders(); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
}
