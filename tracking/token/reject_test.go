package token

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// Tokens that must not open: tampered, cut, extended, foreign, retired, or
// authentic but not as Seal writes them.

// mustOpenFail fails the test unless tok gives ErrInvalid and zero claims.
func mustOpenFail(t *testing.T, k *Keyring, kind Kind, tok, what string) {
	t.Helper()
	c, err := openAny(k, kind, tok)
	if err != ErrInvalid { // the sentinel itself: no detail wrapped around it
		t.Errorf("%s: open %q: err = %v, want ErrInvalid", what, tok, err)
	}
	if c != (Claims{}) {
		t.Errorf("%s: open %q returned claims %+v with the error", what, tok, c)
	}
}

// alphabet returns the symbols of kind's form.
func alphabet(kind Kind) string {
	if kind.mailbox() {
		return alphabet32
	}
	return alphabet64
}

func TestTamperEveryByte(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	for _, c := range sampleClaims() {
		t.Run(c.Kind.String(), func(t *testing.T) {
			t.Parallel()
			tok, err := sealAny(k, c)
			if err != nil {
				t.Fatal(err)
			}
			width := uint(6)
			if c.Kind.mailbox() {
				width = 5
			}
			raw := make([]byte, len(tok))
			n, ok := decode(raw, tok, width)
			if !ok {
				t.Fatal("cannot decode own token")
			}
			raw = raw[:n]
			// Every bit of every byte.
			for i := range raw {
				for bit := range 8 {
					mod := bytes.Clone(raw)
					mod[i] ^= 1 << bit
					mustOpenFail(t, k, c.Kind, encode(mod, width, alphabet(c.Kind)), "flipped bit")
				}
			}
			// Every symbol replaced by every other (this includes the
			// trailing bits of the last symbol).
			alpha := alphabet(c.Kind)
			for i := range len(tok) {
				for j := range len(alpha) {
					if alpha[j] == tok[i] || c.Kind.mailbox() && strings.EqualFold(alpha[j:j+1], tok[i:i+1]) {
						continue
					}
					mustOpenFail(t, k, c.Kind, tok[:i]+alpha[j:j+1]+tok[i+1:], "changed symbol")
				}
			}
		})
	}
}

func TestTruncatedAndExtended(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	for _, c := range sampleClaims() {
		tok, err := sealAny(k, c)
		if err != nil {
			t.Fatal(err)
		}
		for i := range len(tok) {
			mustOpenFail(t, k, c.Kind, tok[:i], "truncated")
			mustOpenFail(t, k, c.Kind, tok[i+1:], "head cut")
		}
		for _, suffix := range []string{"A", "a", "AA", "AAA", "AAAA", "2", "=", "==", "\n", "\r\n", " ", ".gif", "%00", "\x00"} {
			mustOpenFail(t, k, c.Kind, tok+suffix, "extended")
			mustOpenFail(t, k, c.Kind, suffix+tok, "prefixed")
		}
		for _, in := range []string{tok[:4] + "\n" + tok[4:], tok[:10] + "\r" + tok[10:], tok[:8] + " " + tok[8:]} {
			mustOpenFail(t, k, c.Kind, in, "inner whitespace")
		}
		mustOpenFail(t, k, c.Kind, tok+tok, "doubled")
	}
}

func TestGarbage(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	for _, in := range []string{
		"", "A", "AQ", "AQE", strings.Repeat("A", 32), strings.Repeat("_", 100),
		strings.Repeat("A", MaxLen), strings.Repeat("A", MaxLen+1), strings.Repeat("A", 1<<20),
		"AQEB" + strings.Repeat("\xff", 60), "../../etc/passwd", "AQEBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
	} {
		mustOpenFail(t, k, Open, in, "garbage")
		mustOpenFail(t, k, Bounce, in, "garbage")
	}
}

func TestForeignKey(t *testing.T) {
	t.Parallel()
	ours := newKeyring(t, testKey(1, 1))
	sameID := newKeyring(t, testKey(1, 2))
	otherID := newKeyring(t, testKey(7, 1)) // our secret, another id
	for _, c := range sampleClaims() {
		for _, signer := range []*Keyring{sameID, otherID} {
			tok, err := sealAny(signer, c)
			if err != nil {
				t.Fatal(err)
			}
			mustOpenFail(t, ours, c.Kind, tok, "foreign key")
		}
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := testKey(1, 1), testKey(2, 2)
	before := newKeyring(t, oldKey)
	during := newKeyring(t, newKey, oldKey)
	after := newKeyring(t, newKey)
	for _, c := range sampleClaims() {
		oldTok, err := sealAny(before, c)
		if err != nil {
			t.Fatal(err)
		}
		newTok, err := sealAny(during, c)
		if err != nil {
			t.Fatal(err)
		}
		if newTok == oldTok {
			t.Fatalf("%s: same token under both keys", c.Kind)
		}
		for _, tc := range []struct {
			k   *Keyring
			tok string
			ok  bool
		}{
			{before, oldTok, true}, {before, newTok, false},
			{during, oldTok, true}, {during, newTok, true},
			{after, oldTok, false}, {after, newTok, true},
		} {
			got, err := openAny(tc.k, c.Kind, tc.tok)
			if (err == nil) != tc.ok {
				t.Errorf("%s: open: err = %v, want ok %v", c.Kind, err, tc.ok)
				continue
			}
			if err == nil {
				checkEqual(t, got, c)
			}
		}
	}
	// The signing key's id is in the token (second byte).
	tok, _ := during.Seal(Claims{Kind: Open})
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || raw[1] != newKey.ID {
		t.Errorf("new token key id = %d (%v), want %d", raw[1], err, newKey.ID)
	}
}

func TestAddrEncrypted(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	addr := "jane.doe@example.org"
	c := Claims{Kind: Unsubscribe, Tenant: "acme", Message: msgID, Rcpt: 3, Addr: addr, Issued: issued}
	seen := map[string]bool{}
	for range 20 {
		tok, err := k.Seal(c)
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok] {
			t.Fatal("two seals of an address gave the same token: nonce not random")
		}
		seen[tok] = true
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{addr, "jane.doe", "example.org", "jane", strings.ToUpper(addr)} {
			if bytes.Contains(raw, []byte(part)) || strings.Contains(tok, part) {
				t.Fatalf("%q readable in token %q", part, tok)
			}
		}
		got, err := k.Open(tok)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, got, c)
	}
	// The ciphertext is bound to its (message, recipient): moving it into
	// another recipient's token (and re-MACing, which needs the key) does
	// not decrypt.
	tok, _ := k.Seal(c)
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	body := raw[:len(raw)-tagLen]
	ct := body[len(body)-(len(addr)+addrOverhead):]
	other := []byte{versionURL, 1, byte(Unsubscribe), flagAddr, 4, 'a', 'c', 'm', 'e'}
	other = appendUvarint(other, msgID)
	other = appendUvarint(other, 4) // another recipient
	other = appendUvarint(other, 0)
	other = appendUvarint(other, uint64(len(ct)))
	other = append(other, ct...)
	mustOpenFail(t, k, Unsubscribe, forge(t, k, other), "address moved to another recipient")
}

// forge MACs body with k's signing key and encodes it in the URL form, to
// reach the parser with payloads Seal would not write.
func forge(t testing.TB, k *Keyring, body []byte) string {
	t.Helper()
	s := k.signing.get()
	defer k.signing.put(s)
	return encode(append(bytes.Clone(body), s.tag(body)...), 6, alphabet64)
}

// forgeMailbox is forge for the mailbox form.
func forgeMailbox(t testing.TB, k *Keyring, body []byte) string {
	t.Helper()
	s := k.signing.get()
	defer k.signing.put(s)
	return encode(append(bytes.Clone(body), s.tag(body)...), 5, alphabet32)
}

// TestStrictPayload checks that the parser refuses authentic (MAC'd)
// payloads that Seal would never write, so each claim set has one encoding.
func TestStrictPayload(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	good := []byte{versionURL, 1, byte(Open), 0, 4, 'a', 'c', 'm', 'e', 5, 3, 0}
	if _, err := k.Open(forge(t, k, good)); err != nil {
		t.Fatalf("the reference payload does not open: %v", err)
	}
	with := func(i int, b ...byte) []byte { // good with bytes b at i
		return append(append(bytes.Clone(good[:i]), b...), good[i:]...)
	}
	set := func(i int, v byte) []byte {
		b := bytes.Clone(good)
		b[i] = v
		return b
	}
	bad := map[string][]byte{
		"trailing byte":         append(bytes.Clone(good), 0),
		"long varint message":   append(bytes.Clone(good[:9]), 0x85, 0x00, 3, 0),
		"long varint zero":      with(11, 0x80),
		"unknown flag":          set(3, 4),
		"address flag, none":    set(3, flagAddr),
		"mailbox kind":          set(2, byte(Bounce)),
		"kind 0":                set(2, 0),
		"tenant past end":       set(4, 40),
		"truncated":             good[:10],
		"header only":           good[:3],
		"rcpt over 32 bits":     append(bytes.Clone(good[:10]), 0x80, 0x80, 0x80, 0x80, 0x10, 0),
		"message over 64 bits":  append(bytes.Clone(good[:9]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 3, 0),
		"message 11-byte":       append(bytes.Clone(good[:9]), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 3, 0),
		"issued too large":      append(bytes.Clone(good[:11]), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
		"click without URL":     append(set(2, byte(Click)), 0, 0),
		"click URL past end":    append(set(2, byte(Click)), 0, 9, 'x'),
		"URL in an open":        append(bytes.Clone(good), 0, 1, 'x'),
		"address too short":     append(set(3, flagAddr), 5, 1, 2, 3, 4, 5),
		"address not sealed":    append(set(3, flagAddr), append([]byte{40}, make([]byte, 40)...)...),
		"mailbox version":       set(0, versionMailbox),
		"version 2":             set(0, 2),
		"tenant too long (len)": append(append(bytes.Clone(good[:4]), MaxTenant+1), append(bytes.Repeat([]byte{'t'}, MaxTenant+1), 5, 3, 0)...),
	}
	for name, body := range bad {
		mustOpenFail(t, k, Open, forge(t, k, body), name)
	}
	// The same for the mailbox form.
	mgood := []byte{versionMailbox, 1, byte(Bounce), 5, 3}
	if _, err := k.OpenMailbox(forgeMailbox(t, k, mgood)); err != nil {
		t.Fatalf("the reference mailbox payload does not open: %v", err)
	}
	mbad := map[string][]byte{
		"trailing byte":   append(bytes.Clone(mgood), 0),
		"long varint":     []byte{versionMailbox, 1, byte(Bounce), 0x85, 0x00, 3},
		"url kind":        {versionMailbox, 1, byte(Open), 5, 3},
		"url version":     {versionURL, 1, byte(Bounce), 5, 3},
		"missing rcpt":    {versionMailbox, 1, byte(Bounce), 5},
		"rcpt over 32bit": {versionMailbox, 1, byte(Bounce), 5, 0x80, 0x80, 0x80, 0x80, 0x10},
	}
	for name, body := range mbad {
		mustOpenFail(t, k, Bounce, forgeMailbox(t, k, body), "mailbox "+name)
	}
}
