// Package certstest gives tests a real ACME CA on loopback (Pebble,
// Let's Encrypt's test server, run in-process from its Go packages) and a
// small test CA that issues certificates from files.
package certstest

import (
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
)

// PebbleOptions configures StartPebble.
type PebbleOptions struct {
	// DNS is the address of the DNS server (TCP) Pebble resolves
	// challenge hosts with: dnstest.Server.Addr().
	DNS string
	// TLSPort and HTTPPort are where Pebble validates TLS-ALPN-01 and
	// HTTP-01 challenges, on the address the host resolves to. Zero: a
	// port nothing listens on, so that challenge fails.
	TLSPort, HTTPPort int
	// Validity is the issued certificates' lifetime. Default 90 days.
	Validity time.Duration
}

// Pebble is a running ACME CA.
type Pebble struct {
	// Directory is the ACME directory URL.
	Directory string
	// Client trusts Pebble's own HTTPS server: the ACME client's
	// HTTPClient.
	Client *http.Client
	// Roots holds the root of the certificates Pebble issues.
	Roots *x509.CertPool

	orders atomic.Int64
}

// Orders counts the new-order requests Pebble received (RFC 8555 §7.4):
// each is the start of an issuance.
func (p *Pebble) Orders() int64 { return p.orders.Load() }

// StartPebble runs a Pebble CA until the test ends.
func StartPebble(tb testing.TB, o PebbleOptions) *Pebble {
	tb.Helper()
	// Pebble reads these when it starts. Without them its VA sleeps up to
	// 5 s before each validation and its WFE refuses 5 % of nonces (to
	// exercise clients' retries); a test wants neither. Setting them is
	// safe under parallel tests: every Pebble wants the same values.
	os.Setenv("PEBBLE_VA_NOSLEEP", "1")
	os.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	logger := log.New(io.Discard, "", 0)
	closed := closedPort(tb)
	if o.TLSPort == 0 {
		o.TLSPort = closed
	}
	if o.HTTPPort == 0 {
		o.HTTPPort = closed
	}
	validity := uint64(o.Validity / time.Second)
	store := db.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{
		"default": {Description: "test", ValidityPeriod: validity},
	})
	validator := va.New(logger, o.HTTPPort, o.TLSPort, false, o.DNS, store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	p := &Pebble{Roots: x509.NewCertPool()}
	p.Roots.AddCert(authority.GetRootCert(0).Cert)
	h := front.Handler()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/order-plz") {
			p.orders.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	p.Directory = srv.URL + wfe.DirectoryPath
	p.Client = srv.Client()
	return p
}

// closedPort returns a loopback port nothing listens on (it was bound and
// released).
func closedPort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
