package certs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/internal/certs"
	"sluice/internal/certs/certstest"
	"sluice/internal/reload"
)

// TestWatched: each certificate added has its reload registered under
// its name (a registry run reads its files again, a failure names it and
// keeps the certificate in force), Watch picks up every one's file
// changes until its context ends, and a file that does not load is
// refused with nothing registered.
func TestWatched(t *testing.T) {
	t.Parallel()
	now := time.Now() // a TLS client checks validity on the real clock, shifted or not
	ca := certstest.NewCA(t, now)
	reg := reload.New(quiet())
	w := &certs.Watched{Reloads: reg, Logger: quiet()}
	if _, err := w.LoadFiles("missing", filepath.Join(t.TempDir(), "no.pem"), filepath.Join(t.TempDir(), "no.key")); err == nil {
		t.Fatal("missing files loaded")
	}
	if err := reg.Run(context.Background()); err != nil {
		t.Fatalf("a refused certificate was registered: %v", err)
	}

	dirA, dirB := t.TempDir(), t.TempDir()
	certA, keyA, _ := ca.WriteFiles(t, dirA, now, "a.example.test")
	a, err := w.LoadFiles("inbound", certA, keyA)
	if err != nil {
		t.Fatal(err)
	}
	certB, keyB, firstB := ca.WriteFiles(t, dirB, now, "b.example.test")
	b, err := certs.New(certs.Config{CertFile: certB, KeyFile: keyB, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	w.Add("tracking", b)
	addrA, addrB := serveTLS(t, a.TLSConfig()), serveTLS(t, b.TLSConfig())

	// SIGHUP: the registry reads a's new files, and names b's broken one.
	_, _, secondA := ca.WriteFiles(t, dirA, now, "a.example.test")
	if err := os.WriteFile(certB, []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = reg.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "tracking certificate") || strings.Contains(err.Error(), "inbound") {
		t.Fatalf("reload: %v, want the tracking certificate's failure only", err)
	}
	if got := serialOf(t, addrA, "a.example.test", ca.Pool); got.Cmp(secondA) != 0 {
		t.Errorf("inbound after the reload: serial %v, want %v", got, secondA)
	}
	if got := serialOf(t, addrB, "b.example.test", ca.Pool); got.Cmp(firstB) != 0 {
		t.Errorf("tracking after a failed reload: serial %v, want %v", got, firstB)
	}

	// The watch: both files are checked; it stops with its context.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Watch(ctx, 5*time.Millisecond) }()
	later := time.Now().Add(2 * time.Second) // a new modification time even on coarse file systems
	_, _, secondB := ca.WriteFiles(t, dirB, now, "b.example.test")
	os.Chtimes(certB, later, later)
	waitSerial(t, addrB, "b.example.test", ca.Pool, secondB)
	_, _, thirdA := ca.WriteFiles(t, dirA, now, "a.example.test")
	os.Chtimes(certA, later, later)
	waitSerial(t, addrA, "a.example.test", ca.Pool, thirdA)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return after its context ended")
	}

	// Nothing to watch: Watch returns at once.
	empty := &certs.Watched{Reloads: reload.New(quiet())}
	returned := make(chan struct{})
	go func() { defer close(returned); empty.Watch(context.Background(), time.Millisecond) }()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch with no certificate did not return")
	}
}
