package certs_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/internal/certs"
	"sluice/internal/certs/certstest"
	"sluice/internal/reload"
)

// childEnv names the directory of the certificate files when this test
// binary runs as TestSIGHUP's child.
const childEnv = "SLUICE_CERTS_SIGHUP_CHILD"

// TestSIGHUPChild is the child process of TestSIGHUP: a TLS server over
// the certificate files in $SLUICE_CERTS_SIGHUP_CHILD that reloads them on
// SIGHUP through a reload.Registry, prints its address, and runs until its
// standard input closes.
func TestSIGHUPChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("the child of TestSIGHUP")
	}
	m, err := certs.New(certs.Config{CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem")})
	if err != nil {
		t.Fatal(err)
	}
	r := reload.New(nil)
	r.Add("tls certificate", func(context.Context) error { return m.Reload() })
	stop := r.OnSIGHUP(context.Background())
	defer stop()
	addr := serveTLS(t, m.TLSConfig())
	fmt.Printf("ADDR %s\n", addr)
	io.Copy(io.Discard, os.Stdin)
}

func TestSIGHUP(t *testing.T) {
	t.Parallel()
	now := time.Now() // a TLS client checks validity on the real clock, shifted or not
	ca := certstest.NewCA(t, now)
	dir := t.TempDir()
	_, _, first := ca.WriteFiles(t, dir, now, "t.example.test")

	cmd := exec.Command(os.Args[0], "-test.run=^TestSIGHUPChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	sc := bufio.NewScanner(stdout)
	var addr string
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			addr = a
			break
		}
	}
	go func() {
		io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()
	if addr == "" {
		t.Fatalf("child printed no address; stderr:\n%s", stderr.String())
	}
	if got := serialOf(t, addr, "t.example.test", ca.Pool); got.Cmp(first) != 0 {
		t.Fatalf("serial %v, want %v", got, first)
	}

	// Several rounds: each SIGHUP reloads, none kills.
	for range 3 {
		_, _, next := ca.WriteFiles(t, dir, now, "t.example.test")
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitSerial(t, addr, "t.example.test", ca.Pool, next)
	}
	select {
	case err := <-exited:
		t.Fatalf("child exited: %v; stderr:\n%s", err, stderr.String())
	case <-time.After(100 * time.Millisecond):
	}
	stdin.Close()
	select {
	case err := <-exited:
		exited <- err // for Cleanup
		if err != nil {
			t.Fatalf("child: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("child did not stop")
	}
	if n := strings.Count(stderr.String(), `INFO reloaded component="tls certificate"`); n != 3 {
		t.Errorf("%d reloads logged, want 3; log:\n%s", n, stderr.String())
	}
}
