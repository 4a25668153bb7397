package certs_test

import (
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"sluice/internal/certs"
	"sluice/internal/certs/certstest"
)

// Serve serves HTTPS with the manager's certificates, picks up changed
// files through its watch, and stop closes the listener and returns once
// both goroutines are done.
func TestServe(t *testing.T) {
	t.Parallel()
	now := time.Now() // a TLS client checks validity on the real clock, shifted or not
	ca := certstest.NewCA(t, now)
	dir := t.TempDir()
	certFile, keyFile, first := ca.WriteFiles(t, dir, now, "t.example.test")
	m, err := certs.New(certs.Config{CertFile: certFile, KeyFile: keyFile, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: 10 * time.Second}
	protos := make(chan []string, 1)
	serve := func(ln net.Listener, tc *tls.Config) error {
		protos <- tc.NextProtos
		srv.TLSConfig = tc
		return srv.ServeTLS(ln, "", "")
	}
	stop := m.Serve(ln, serve, quiet(), 5*time.Millisecond, "http/1.1")
	addr := ln.Addr().String()
	if got := serialOf(t, addr, "t.example.test", ca.Pool); got.Cmp(first) != 0 {
		t.Fatalf("serial %v, want %v", got, first)
	}
	_, _, second := ca.WriteFiles(t, dir, now, "t.example.test")
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(certFile, later, later)
	waitSerial(t, addr, "t.example.test", ca.Pool, second)
	stop()
	if gotProtos := <-protos; len(gotProtos) == 0 || gotProtos[0] != "http/1.1" {
		t.Fatalf("NextProtos %v, want http/1.1 first", gotProtos)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("listener still accepts after stop")
	}
}
