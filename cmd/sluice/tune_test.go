package main

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"runtime/debug"
	"testing"

	"sluice/dkim/openssl"
)

// sluice serve and sluice edge collect garbage at GOGC=400 unless GOGC is
// set; an operator's GOGC wins.
func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	t.Setenv("GOGC", "")
	tuneGC()
	if got := debug.SetGCPercent(100); got != 400 {
		t.Fatalf("GOGC unset: GC percent %d, want 400", got)
	}
	t.Setenv("GOGC", "150")
	tuneGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC set: tuneGC changed the GC percent to %d", got)
	}
}

// dkim.rsa_engine: "go" keeps crypto/rsa; "openssl" and "auto" use OpenSSL
// where it loads; "openssl" fails start-up where it does not, "auto" falls
// back.
func TestRSAEngine(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s, how, err := rsaEngine("go", key)
	if err != nil || s != key || how != "go crypto/rsa" {
		t.Fatalf(`"go": %T %q %v`, s, how, err)
	}
	_, libErr := openssl.Library()
	available := libErr == nil
	if !available && os.Getenv("SLUICE_REQUIRE_OPENSSL") == "1" {
		t.Fatalf("OpenSSL required but unavailable: %v", libErr)
	}
	for _, setting := range []string{"auto", "openssl"} {
		s, how, err := rsaEngine(setting, key)
		switch {
		case available:
			if _, ok := s.(*openssl.RSASigner); !ok || err != nil || how == "" {
				t.Fatalf("%q with OpenSSL: %T %q %v", setting, s, how, err)
			}
		case setting == "auto":
			if s != key || err != nil {
				t.Fatalf(`"auto" without OpenSSL: %T %v, want crypto/rsa`, s, err)
			}
		default:
			if !errors.Is(err, openssl.ErrUnavailable) {
				t.Fatalf(`"openssl" without OpenSSL: %v, want ErrUnavailable`, err)
			}
		}
	}
}
