package token

import (
	"math"
	"strings"
	"testing"
	"time"
)

// fuzzKeyring signs with key 2 and also accepts key 1, so the fuzzer sees
// tokens of both.
func fuzzKeyring(t testing.TB) (signing, old *Keyring) {
	return newKeyring(t, testKey(2, 2), testKey(1, 1)), newKeyring(t, testKey(1, 1))
}

// FuzzOpen checks that Open never panics, and that whatever opens re-seals
// to a token that opens to the same claims (and, signed with the same key
// and without an encrypted address, to the very same string).
func FuzzOpen(f *testing.F) {
	k, old := fuzzKeyring(f)
	for _, c := range sampleClaims() {
		if c.Kind.mailbox() {
			continue
		}
		for _, s := range []*Keyring{k, old} {
			tok, err := s.Seal(c)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(tok)
			f.Add(tok[:len(tok)-1])
			f.Add(tok + "A")
		}
	}
	f.Add("")
	f.Add("AQIBAARhY21l")
	f.Add(strings.Repeat("_", 80))
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := k.Open(tok)
		if err != nil {
			if err != ErrInvalid || c != (Claims{}) {
				t.Fatalf("Open(%q) = %+v, %v; want zero claims and ErrInvalid", tok, c, err)
			}
			return
		}
		again, err := k.Seal(c)
		if err != nil {
			t.Fatalf("Open(%q) gave claims %+v that do not seal: %v", tok, c, err)
		}
		c2, err := k.Open(again)
		if err != nil {
			t.Fatalf("re-sealed %q does not open: %v", again, err)
		}
		checkEqual(t, c2, c)
		if c.Addr == "" && strings.HasPrefix(tok, "AQI") && again != tok {
			t.Fatalf("two spellings of one token: %q and %q", tok, again)
		}
	})
}

// FuzzOpenMailbox is FuzzOpen for the mailbox form: spellings differ only in
// case.
func FuzzOpenMailbox(f *testing.F) {
	k, old := fuzzKeyring(f)
	for _, c := range []Claims{
		{Kind: Bounce, Message: msgID, Rcpt: 3},
		{Kind: MailUnsubscribe, Message: math.MaxUint64, Rcpt: math.MaxUint32},
		{Kind: Bounce},
	} {
		for _, s := range []*Keyring{k, old} {
			tok, err := s.SealMailbox(c)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(tok)
			f.Add(strings.ToUpper(tok))
			f.Add(tok[1:])
			f.Add(tok + "a")
		}
	}
	f.Add("")
	f.Add(strings.Repeat("7", 60))
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := k.OpenMailbox(tok)
		if err != nil {
			if err != ErrInvalid || c != (Claims{}) {
				t.Fatalf("OpenMailbox(%q) = %+v, %v; want zero claims and ErrInvalid", tok, c, err)
			}
			return
		}
		again, err := k.SealMailbox(c)
		if err != nil {
			t.Fatalf("OpenMailbox(%q) gave claims %+v that do not seal: %v", tok, c, err)
		}
		c2, err := k.OpenMailbox(again)
		if err != nil {
			t.Fatalf("re-sealed %q does not open: %v", again, err)
		}
		checkEqual(t, c2, c)
		if len(again) > MaxMailboxLen {
			t.Fatalf("re-sealed %q longer than %d", again, MaxMailboxLen)
		}
		if strings.HasPrefix(strings.ToLower(tok), "qeb") && again != strings.ToLower(tok) {
			t.Fatalf("two spellings of one token: %q and %q", tok, again)
		}
	})
}

// FuzzSealOpen checks that any claims Seal accepts come back from Open
// unchanged, and that Seal refuses the rest without panicking.
func FuzzSealOpen(f *testing.F) {
	k, _ := fuzzKeyring(f)
	for _, c := range sampleClaims() {
		f.Add(byte(c.Kind), c.Tenant, c.Message, c.Rcpt, c.Link, c.URL, c.Addr, c.Stream, c.Issued.Unix())
	}
	f.Add(byte(Open), "", uint64(0), uint32(0), uint16(0), "", "", uint8(0), int64(-1))
	f.Fuzz(func(t *testing.T, kind byte, tenant string, msg uint64, rcpt uint32, link uint16, url, addr string, stream uint8, unix int64) {
		c := Claims{Kind: Kind(kind), Tenant: tenant, Message: msg, Rcpt: rcpt, Link: link, URL: url, Addr: addr, Stream: stream}
		if unix >= 0 {
			c.Issued = time.Unix(unix, 0)
		}
		tok, err := sealAny(k, c)
		if err != nil {
			return
		}
		got, err := openAny(k, c.Kind, tok)
		if err != nil {
			t.Fatalf("Seal(%+v) = %q, which does not open: %v", c, tok, err)
		}
		checkEqual(t, got, c)
		if c.Kind.mailbox() && len(tok) > MaxMailboxLen || len(tok) > MaxLen {
			t.Fatalf("token of %d chars", len(tok))
		}
	})
}

// FuzzOpenForged reaches the payload parsers, which a fuzzer cannot reach
// through the MAC: it MACs arbitrary bytes with the signing key, so it
// checks that the parsers refuse every payload that Seal would not write
// (anything that opens re-seals to the same string) and never panic.
func FuzzOpenForged(f *testing.F) {
	k, _ := fuzzKeyring(f)
	for _, c := range sampleClaims() {
		tok, err := sealAny(k, c)
		if err != nil {
			f.Fatal(err)
		}
		width := uint(6)
		if c.Kind.mailbox() {
			width = 5
		}
		raw := make([]byte, len(tok))
		n, _ := decode(raw, tok, width)
		f.Add(raw[:n-tagLen])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 3*MaxLen/4-tagLen {
			return
		}
		if len(body) > 0 && body[0] == versionMailbox {
			tok := forgeMailbox(t, k, body)
			c, err := k.OpenMailbox(tok)
			if err != nil {
				return
			}
			if again, err := k.SealMailbox(c); err != nil || again != tok {
				t.Fatalf("payload % x opens to %+v, which seals to %q, %v", body, c, again, err)
			}
			return
		}
		tok := forge(t, k, body)
		c, err := k.Open(tok)
		if err != nil {
			return
		}
		again, err := k.Seal(c)
		if err != nil {
			t.Fatalf("payload % x opens to %+v, which does not seal: %v", body, c, err)
		}
		if c.Addr == "" && again != tok {
			t.Fatalf("payload % x opens to %+v, which seals to another token %q", body, c, again)
		}
	})
}
