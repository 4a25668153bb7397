package openssl

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"os"
	"sync"
	"testing"
)

// newSigner makes an OpenSSL signer for a fresh key, skipping loudly when
// libcrypto is unavailable here, and failing instead when
// SLUICE_REQUIRE_OPENSSL=1 (as .ci/run sets, after installing libssl3).
func newSigner(t testing.TB, bits int) (*RSASigner, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewRSASigner(key)
	if errors.Is(err, ErrUnavailable) {
		if os.Getenv("SLUICE_REQUIRE_OPENSSL") == "1" {
			t.Fatalf("OpenSSL required (SLUICE_REQUIRE_OPENSSL=1) but unavailable: %v", err)
		}
		t.Skipf("\n\n*** SKIPPING: OpenSSL libcrypto.so.3 is unavailable (%v); install libssl3 to run this test ***\n\n", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s, key
}

func TestSignMatchesCryptoRSA(t *testing.T) {
	for _, bits := range []int{1024, 2048, 3072, 4096} {
		s, key := newSigner(t, bits)
		for i := range 20 {
			digest := sha256.Sum256([]byte{byte(i), byte(bits)})
			got, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
			if err != nil {
				t.Fatalf("%d bits: %v", bits, err)
			}
			want, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("%d bits, digest %d: OpenSSL signature differs from crypto/rsa's", bits, i)
			}
			if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], got); err != nil {
				t.Fatalf("%d bits: does not verify: %v", bits, err)
			}
		}
	}
}

func TestPublic(t *testing.T) {
	s, key := newSigner(t, 2048)
	pub, ok := s.Public().(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		t.Fatalf("Public() = %T, not the key's public half", s.Public())
	}
}

// Other hashes and PSS go to crypto/rsa and still produce valid signatures.
func TestFallbacks(t *testing.T) {
	s, key := newSigner(t, 2048)
	d1 := sha1.Sum([]byte("x"))
	sig, err := s.Sign(rand.Reader, d1[:], crypto.SHA1)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA1, d1[:], sig); err != nil {
		t.Fatalf("SHA-1 fallback: %v", err)
	}
	d := sha256.Sum256([]byte("x"))
	pss := &rsa.PSSOptions{Hash: crypto.SHA256}
	sig, err = s.Sign(rand.Reader, d[:], pss)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPSS(&key.PublicKey, crypto.SHA256, d[:], sig, pss); err != nil {
		t.Fatalf("PSS fallback: %v", err)
	}
}

func TestBadDigest(t *testing.T) {
	s, _ := newSigner(t, 2048)
	if _, err := s.Sign(nil, []byte("short"), crypto.SHA256); err == nil {
		t.Fatal("a 5-byte SHA-256 digest was signed")
	}
}

// Many goroutines share one signer (and so one EVP_PKEY).
func TestConcurrent(t *testing.T) {
	s, key := newSigner(t, 2048)
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				d := sha256.Sum256([]byte{byte(g), byte(i)})
				sig, err := s.Sign(nil, d[:], crypto.SHA256)
				if err == nil {
					err = rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, d[:], sig)
				}
				if err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

func TestLibrary(t *testing.T) {
	newSigner(t, 1024) // skips when unavailable
	v, err := Library()
	if err != nil || len(v) < len("OpenSSL 3") || v[:9] != "OpenSSL 3" {
		t.Fatalf("Library() = %q, %v; want an OpenSSL 3 version", v, err)
	}
}

func TestNilKey(t *testing.T) {
	if _, err := NewRSASigner(nil); err == nil {
		t.Fatal("nil key accepted")
	}
}

// BenchmarkSign compares RSA-2048 PKCS #1 v1.5 signing of a SHA-256 digest
// through OpenSSL and through crypto/rsa, on one goroutine and on all.
func BenchmarkSign(b *testing.B) {
	s, key := newSigner(b, 2048)
	d := sha256.Sum256([]byte("bench"))
	for _, c := range []struct {
		name string
		sig  crypto.Signer
	}{{"openssl", s}, {"go", key}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.sig.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.sig.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
