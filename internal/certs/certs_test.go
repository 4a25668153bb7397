package certs_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"testing"
	"time"

	"sluice/internal/certs"
	"sluice/internal/certs/certstest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// serveTLS accepts TLS connections with tc on loopback and completes
// their handshakes, until the test ends; it returns the address.
func serveTLS(t *testing.T, tc *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				_ = c.(*tls.Conn).Handshake()
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// handshake connects to addr naming sni, verifying against roots, and
// returns the server's leaf certificate.
func handshake(addr, sni string, roots *x509.CertPool) (*x509.Certificate, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: sni, RootCAs: roots})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0], nil
}

func serialOf(t *testing.T, addr, sni string, roots *x509.CertPool) *big.Int {
	t.Helper()
	leaf, err := handshake(addr, sni, roots)
	if err != nil {
		t.Fatalf("handshake %s: %v", sni, err)
	}
	return leaf.SerialNumber
}

func TestStaticReload(t *testing.T) {
	t.Parallel()
	now := time.Now() // a TLS client checks validity on the real clock, shifted or not
	ca := certstest.NewCA(t, now)
	dir := t.TempDir()
	certFile, keyFile, first := ca.WriteFiles(t, dir, now, "t.example.test")
	m, err := certs.New(certs.Config{CertFile: certFile, KeyFile: keyFile, Now: func() time.Time { return now }, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, m.TLSConfig("http/1.1"))
	if got := serialOf(t, addr, "t.example.test", ca.Pool); got.Cmp(first) != 0 {
		t.Fatalf("serial %v, want %v", got, first)
	}

	_, _, second := ca.WriteFiles(t, dir, now, "t.example.test")
	if got := serialOf(t, addr, "t.example.test", ca.Pool); got.Cmp(first) != 0 {
		t.Errorf("certificate changed before Reload: %v", got)
	}
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := serialOf(t, addr, "t.example.test", ca.Pool); got.Cmp(second) != 0 {
		t.Errorf("after Reload serial %v, want %v", got, second)
	}

	// A broken file is refused and the certificate in force stays.
	if err := os.WriteFile(certFile, []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.Reload(); err == nil {
		t.Error("Reload of a broken file succeeded")
	}
	if got := serialOf(t, addr, "t.example.test", ca.Pool); got.Cmp(second) != 0 {
		t.Errorf("after a failed Reload serial %v, want %v", got, second)
	}
}

func TestStaticTLSVersions(t *testing.T) {
	t.Parallel()
	now := time.Now() // a TLS client checks validity on the real clock, shifted or not
	ca := certstest.NewCA(t, now)
	certFile, keyFile, _ := ca.WriteFiles(t, t.TempDir(), now, "t.example.test")
	m, err := certs.New(certs.Config{CertFile: certFile, KeyFile: keyFile, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, m.TLSConfig())
	c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "t.example.test", RootCAs: ca.Pool, MaxVersion: tls.VersionTLS11})
	if err == nil {
		c.Close()
		t.Fatal("TLS 1.1 handshake succeeded")
	}
	// Any name gets the static certificate (and fails verification on
	// its own name): no name is refused by the server.
	if _, err := handshake(addr, "other.example.test", ca.Pool); err == nil || !errors.As(err, new(*tls.CertificateVerificationError)) {
		t.Errorf("other name: %v, want a verification error", err)
	}
}

func TestWatch(t *testing.T) {
	t.Parallel()
	now := time.Now() // a TLS client checks validity on the real clock, shifted or not
	ca := certstest.NewCA(t, now)
	dir := t.TempDir()
	certFile, keyFile, first := ca.WriteFiles(t, dir, now, "t.example.test")
	m, err := certs.New(certs.Config{CertFile: certFile, KeyFile: keyFile, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, m.TLSConfig())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Watch(ctx, 5*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-done })
	if got := serialOf(t, addr, "t.example.test", ca.Pool); got.Cmp(first) != 0 {
		t.Fatalf("serial %v, want %v", got, first)
	}
	// A new modification time even on a file system with coarse times.
	_, _, second := ca.WriteFiles(t, dir, now, "t.example.test")
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(certFile, later, later)
	waitSerial(t, addr, "t.example.test", ca.Pool, second)
}

// waitSerial polls until addr serves the certificate with serial want.
func waitSerial(t *testing.T, addr, sni string, roots *x509.CertPool, want *big.Int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := handshake(addr, sni, roots)
		if err == nil && got.SerialNumber.Cmp(want) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("serial never became %v (last %v, %v)", want, got, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]certs.Config{
		"nothing":        {},
		"cert no key":    {CertFile: "x.pem"},
		"missing files":  {CertFile: "/nonexistent/c.pem", KeyFile: "/nonexistent/k.pem"},
		"acme no cache":  {ACME: certs.ACME{Hosts: []string{"t.example.test"}}},
		"acme bare host": {ACME: certs.ACME{Hosts: []string{"localhost"}, CacheDir: t.TempDir()}},
	} {
		if _, err := certs.New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}
