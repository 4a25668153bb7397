package token

import (
	"testing"
)

// The edge verifies one token per request; these measure that and the
// rewrite-time cost of making one.

func BenchmarkSealOpen(b *testing.B) {
	k := newKeyring(b, testKey(2, 2), testKey(1, 1))
	c := Claims{Kind: Open, Tenant: "acme", Message: msgID, Rcpt: 3, Issued: issued}
	b.ReportAllocs()
	for b.Loop() {
		tok, err := k.Seal(c)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Open(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// clickToken returns a typical click token.
func clickToken(b *testing.B, k *Keyring) string {
	b.Helper()
	tok, err := k.Seal(Claims{Kind: Click, Tenant: "acme", Message: msgID, Rcpt: 3, Link: 4,
		URL: "https://shop.example/collections/spring-sale?utm_source=sluice&utm_medium=email&utm_campaign=spring", Issued: issued})
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

func BenchmarkOpenClick(b *testing.B) {
	k := newKeyring(b, testKey(2, 2), testKey(1, 1))
	tok := clickToken(b, k)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenClickParallel is BenchmarkOpenClick on every core: the
// scratch pool must not serialise the edge's handlers.
func BenchmarkOpenClickParallel(b *testing.B) {
	k := newKeyring(b, testKey(2, 2), testKey(1, 1))
	tok := clickToken(b, k)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.Open(tok); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkOpenInvalid(b *testing.B) {
	k := newKeyring(b, testKey(2, 2))
	tok := clickToken(b, k)
	bad := tok[:30] + "A" + tok[31:]
	if bad == tok {
		bad = tok[:30] + "B" + tok[31:]
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(bad); err != ErrInvalid {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenUnsubscribeAddr(b *testing.B) {
	k := newKeyring(b, testKey(2, 2))
	tok, err := k.Seal(Claims{Kind: Unsubscribe, Tenant: "acme", Message: msgID, Rcpt: 3, Addr: "jane.doe@example.org", Issued: issued})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenMailbox(b *testing.B) {
	k := newKeyring(b, testKey(2, 2))
	tok, err := k.SealMailbox(Claims{Kind: Bounce, Message: msgID, Rcpt: 3})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.OpenMailbox(tok); err != nil {
			b.Fatal(err)
		}
	}
}
