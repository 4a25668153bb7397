package openssl_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"testing"

	"sluice/dkim/openssl"
)

// dkim.rsa_engine: "go" keeps crypto/rsa; "openssl" and "auto" (or "")
// use OpenSSL where it loads; "openssl" fails where it does not, "auto"
// falls back and says so; anything else is refused.
func TestChooseRSA(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e, err := openssl.ChooseRSA("go", key)
	if err != nil || e.Signer != key || e.Name != "go crypto/rsa" || e.OpenSSL || e.Fallback {
		t.Fatalf(`"go": %+v %v`, e, err)
	}
	if _, err := openssl.ChooseRSA("fast", key); err == nil {
		t.Fatal(`"fast": no error`)
	}
	_, libErr := openssl.Library()
	available := libErr == nil
	if !available && os.Getenv("SLUICE_REQUIRE_OPENSSL") == "1" {
		t.Fatalf("OpenSSL required but unavailable: %v", libErr)
	}
	for _, setting := range []string{"", "auto", "openssl"} {
		e, err := openssl.ChooseRSA(setting, key)
		switch {
		case available:
			if _, ok := e.Signer.(*openssl.RSASigner); !ok || err != nil || e.Name == "" || !e.OpenSSL || e.Fallback {
				t.Fatalf("%q with OpenSSL: %+v %v", setting, e, err)
			}
		case setting != "openssl":
			if e.Signer != key || err != nil || !e.Fallback || e.OpenSSL {
				t.Fatalf("%q without OpenSSL: %+v %v, want a crypto/rsa fallback", setting, e, err)
			}
		default:
			if !errors.Is(err, openssl.ErrUnavailable) {
				t.Fatalf(`"openssl" without OpenSSL: %v, want ErrUnavailable`, err)
			}
		}
	}
}
