package dkim

import (
	"bytes"
	"crypto/rsa"
	"io"
	"strings"
	"testing"

	"sluice/dkim/openssl"

	msgauth "github.com/emersion/go-msgauth/dkim"
)

// msg5KB is a typical 5 KB marketing message: the plain test header and a
// quoted-printable-like text body.
func msg5KB() []byte {
	var b bytes.Buffer
	b.Write(plainMsg("alice@example.com"))
	line := "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod te\r\n"
	for b.Len() < 5<<10 {
		b.WriteString(line)
	}
	return b.Bytes()
}

func benchSign(b *testing.B, msg []byte, keys func(*fixture) []Key) {
	f := newFixture(b)
	s := f.signer(b, Options{Keys: keys(f)})
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := s.Sign(msg); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func benchSignParallel(b *testing.B, msg []byte, keys func(*fixture) []Key) {
	f := newFixture(b)
	s := f.signer(b, Options{Keys: keys(f)})
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok, err := s.Sign(msg); err != nil || !ok {
				b.Error(ok, err)
				return
			}
		}
	})
}

// ossl swaps the fixture's RSA key for its OpenSSL signer (skipping the
// benchmark when libcrypto is unavailable).
func ossl(b *testing.B, keys func(*fixture) []Key) func(*fixture) []Key {
	return func(f *fixture) []Key {
		s, err := openssl.NewRSASigner(f.rsa.(*rsa.PrivateKey))
		if err != nil {
			b.Skipf("OpenSSL unavailable: %v", err)
		}
		f.rsa = s
		return keys(f)
	}
}

func rsaOnly(f *fixture) []Key { return []Key{f.rsaKey()} }
func edOnly(f *fixture) []Key  { return []Key{f.edKey()} }
func dual(f *fixture) []Key    { return []Key{f.rsaKey(), f.edKey()} }

func BenchmarkSignRSA2048_5KB(b *testing.B)          { benchSign(b, msg5KB(), rsaOnly) }
func BenchmarkSignEd25519_5KB(b *testing.B)          { benchSign(b, msg5KB(), edOnly) }
func BenchmarkSignDual_5KB(b *testing.B)             { benchSign(b, msg5KB(), dual) }
func BenchmarkSignRSA2048_5KB_Parallel(b *testing.B) { benchSignParallel(b, msg5KB(), rsaOnly) }
func BenchmarkSignEd25519_5KB_Parallel(b *testing.B) { benchSignParallel(b, msg5KB(), edOnly) }
func BenchmarkSignDual_5KB_Parallel(b *testing.B)    { benchSignParallel(b, msg5KB(), dual) }

// The same with RSA through OpenSSL (dkim/openssl), as `sluice serve` signs
// by default where libcrypto.so.3 loads.
func BenchmarkSignRSA2048_5KB_OpenSSL(b *testing.B) { benchSign(b, msg5KB(), ossl(b, rsaOnly)) }
func BenchmarkSignDual_5KB_OpenSSL(b *testing.B)    { benchSign(b, msg5KB(), ossl(b, dual)) }
func BenchmarkSignRSA2048_5KB_OpenSSL_Parallel(b *testing.B) {
	benchSignParallel(b, msg5KB(), ossl(b, rsaOnly))
}
func BenchmarkSignDual_5KB_OpenSSL_Parallel(b *testing.B) {
	benchSignParallel(b, msg5KB(), ossl(b, dual))
}
func BenchmarkSignDual_10MB(b *testing.B) { benchSign(b, attachmentMsg(10<<20), dual) }

// BenchmarkGoMsgauthDual measures what go-msgauth's Sign costs for the
// same dual signature (two passes over the message), the alternative this
// package's own signer was measured against.
func BenchmarkGoMsgauthDual_5KB(b *testing.B)  { benchGoMsgauthDual(b, msg5KB()) }
func BenchmarkGoMsgauthDual_10MB(b *testing.B) { benchGoMsgauthDual(b, attachmentMsg(10<<20)) }

func benchGoMsgauthDual(b *testing.B, msg []byte) {
	f := newFixture(b)
	hdrs := strings.Split("from:from:to:subject:subject:date:message-id:mime-version:content-type:content-transfer-encoding:list-unsubscribe:list-unsubscribe:list-unsubscribe-post:list-unsubscribe-post:feedback-id", ":")
	opts := []*msgauth.SignOptions{
		{Domain: "example.com", Selector: "rsa", Signer: f.rsa, HeaderCanonicalization: msgauth.CanonicalizationRelaxed, BodyCanonicalization: msgauth.CanonicalizationRelaxed, HeaderKeys: hdrs},
		{Domain: "example.com", Selector: "ed", Signer: f.ed, HeaderCanonicalization: msgauth.CanonicalizationRelaxed, BodyCanonicalization: msgauth.CanonicalizationRelaxed, HeaderKeys: hdrs},
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		for _, o := range opts {
			s, err := msgauth.NewSigner(o)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(s, bytes.NewReader(msg)); err != nil {
				b.Fatal(err)
			}
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			_ = s.Signature()
		}
	}
}

// BenchmarkRelaxedBodyHash_10MB isolates body canonicalization and hashing.
func BenchmarkRelaxedBodyHash_10MB(b *testing.B) {
	body := attachmentMsg(10 << 20)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		relaxedBodyHash(body, nil)
	}
}
