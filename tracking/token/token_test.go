package token

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey returns a key whose secret is derived from seed.
func testKey(id, seed byte) Key {
	return Key{ID: id, Secret: bytes.Repeat([]byte{seed, seed ^ 0x5a}, MinSecret/2)}
}

// newKeyring is NewKeyring that fails the test on error.
func newKeyring(t testing.TB, signing Key, verifyOnly ...Key) *Keyring {
	t.Helper()
	k, err := NewKeyring(signing, verifyOnly...)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return k
}

// issued is a fixed issue time.
var issued = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// msgID is a message id of the size the queue allocates (Unix microseconds).
const msgID = uint64(1773500966123456)

// sampleClaims returns typical claims of every kind.
func sampleClaims() []Claims {
	return []Claims{
		{Kind: Open, Tenant: "acme", Message: msgID, Rcpt: 3, Issued: issued},
		{Kind: Click, Tenant: "acme", Message: msgID, Rcpt: 3, Link: 7, URL: "https://shop.example/sale?utm_source=mail&x=1#top", Issued: issued},
		{Kind: Unsubscribe, Tenant: "acme", Message: msgID, Rcpt: 3, Issued: issued},
		{Kind: Unsubscribe, Tenant: "acme", Message: msgID, Rcpt: 3, Stream: StreamTransactional, Addr: "jane.doe@example.org", Issued: issued},
		{Kind: Bounce, Message: msgID, Rcpt: 3},
		{Kind: MailUnsubscribe, Message: msgID, Rcpt: 3},
	}
}

// sealAny seals c in the form its kind belongs to.
func sealAny(k *Keyring, c Claims) (string, error) {
	if c.Kind.mailbox() {
		return k.SealMailbox(c)
	}
	return k.Seal(c)
}

// openAny opens tok in the form of kind.
func openAny(k *Keyring, kind Kind, tok string) (Claims, error) {
	if kind.mailbox() {
		return k.OpenMailbox(tok)
	}
	return k.Open(tok)
}

// checkEqual fails the test unless got and want are the same claims.
func checkEqual(t testing.TB, got, want Claims) {
	t.Helper()
	if !got.Issued.Equal(want.Issued) {
		t.Errorf("Issued = %v, want %v", got.Issued, want.Issued)
	}
	got.Issued, want.Issued = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("claims = %+v\nwant     %+v", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	for _, c := range sampleClaims() {
		t.Run(c.Kind.String(), func(t *testing.T) {
			t.Parallel()
			tok, err := sealAny(k, c)
			if err != nil {
				t.Fatalf("seal: %v", err)
			}
			t.Logf("%s (%d chars)", tok, len(tok))
			got, err := openAny(k, c.Kind, tok)
			if err != nil {
				t.Fatalf("open %q: %v", tok, err)
			}
			checkEqual(t, got, c)
			if got.Issued.Location() != time.UTC {
				t.Errorf("Issued in %v, want UTC", got.Issued.Location())
			}
		})
	}
}

func TestRoundTripEdgeValues(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(255, 9))
	cases := []Claims{
		{Kind: Open},
		{Kind: Open, Message: math.MaxUint64, Rcpt: math.MaxUint32, Tenant: strings.Repeat("t", MaxTenant), Stream: StreamTransactional,
			Issued: time.Unix(epoch, 0)},
		{Kind: Open, Issued: time.Unix(epoch+maxIssued-1, 0)},
		{Kind: Click, Link: math.MaxUint16, URL: "x"},
		{Kind: Click, Tenant: "ü", URL: strings.Repeat("https://a.example/ü?q=%20&r=€#frag", MaxURL/40), Addr: strings.Repeat("a", MaxAddr)},
		{Kind: Unsubscribe, Addr: "a"},
		{Kind: Bounce},
		{Kind: MailUnsubscribe, Message: math.MaxUint64, Rcpt: math.MaxUint32},
	}
	for _, c := range cases {
		tok, err := sealAny(k, c)
		if err != nil {
			t.Errorf("seal %+v: %v", c, err)
			continue
		}
		got, err := openAny(k, c.Kind, tok)
		if err != nil {
			t.Errorf("open %+v: %v", c, err)
			continue
		}
		checkEqual(t, got, c)
	}
}

func TestURLExact(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	for _, u := range []string{
		"https://example.com/",
		"https://example.com/a/b?x=1&y=%2F&z=a+b#frag",
		"https://example.com/path?q=#",
		"https://bücher.example/straße?q=日本語#片",
		"HTTP://EXAMPLE.COM/Case/Matters?A=B",
		"https://example.com/\x00\xff\r\n<>\"'",
		"mailto:someone@example.com?subject=hi",
		"https://example.com/" + strings.Repeat("z", MaxURL-20),
	} {
		tok, err := k.Seal(Claims{Kind: Click, Tenant: "acme", Message: 1, URL: u})
		if err != nil {
			t.Fatalf("seal %q: %v", u, err)
		}
		c, err := k.Open(tok)
		if err != nil {
			t.Fatalf("open %q: %v", u, err)
		}
		if c.URL != u {
			t.Errorf("URL = %q, want %q", c.URL, u)
		}
	}
}

func TestIssuedSecondPrecision(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	at := time.Date(2030, 1, 2, 3, 4, 5, 999_999_999, time.FixedZone("x", 3600))
	tok, err := k.Seal(Claims{Kind: Open, Issued: at})
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.Open(tok)
	if err != nil {
		t.Fatal(err)
	}
	if want := at.Truncate(time.Second); !c.Issued.Equal(want) {
		t.Errorf("Issued = %v, want %v", c.Issued, want)
	}
}

func TestSealRefuses(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	url := []struct {
		name string
		c    Claims
	}{
		{"no kind", Claims{}},
		{"unknown kind", Claims{Kind: 9}},
		{"bounce", Claims{Kind: Bounce}},
		{"mail unsubscribe", Claims{Kind: MailUnsubscribe}},
		{"long tenant", Claims{Kind: Open, Tenant: strings.Repeat("t", MaxTenant+1)}},
		{"click without URL", Claims{Kind: Click, Link: 1}},
		{"long URL", Claims{Kind: Click, URL: strings.Repeat("u", MaxURL+1)}},
		{"URL in open", Claims{Kind: Open, URL: "https://x.example/"}},
		{"link in unsubscribe", Claims{Kind: Unsubscribe, Link: 2}},
		{"long address", Claims{Kind: Unsubscribe, Addr: strings.Repeat("a", MaxAddr+1)}},
		{"stream 2", Claims{Kind: Open, Stream: 2}},
		{"issued 1970", Claims{Kind: Open, Issued: time.Unix(0, 0)}},
		{"issued 2023", Claims{Kind: Open, Issued: time.Unix(epoch-1, 0)}},
		{"issued far future", Claims{Kind: Open, Issued: time.Unix(epoch+maxIssued, 0)}},
	}
	for _, tc := range url {
		if tok, err := k.Seal(tc.c); err == nil || !strings.HasPrefix(err.Error(), "token: ") {
			t.Errorf("%s: Seal = %q, %v; want a token: error", tc.name, tok, err)
		}
	}
	mailbox := []struct {
		name string
		c    Claims
	}{
		{"no kind", Claims{}},
		{"open", Claims{Kind: Open}},
		{"click", Claims{Kind: Click, URL: "https://x.example/"}},
		{"tenant", Claims{Kind: Bounce, Tenant: "acme"}},
		{"URL", Claims{Kind: Bounce, URL: "https://x.example/"}},
		{"address", Claims{Kind: MailUnsubscribe, Addr: "a@b.example"}},
		{"link", Claims{Kind: Bounce, Link: 1}},
		{"stream", Claims{Kind: MailUnsubscribe, Stream: StreamTransactional}},
		{"issued", Claims{Kind: Bounce, Issued: issued}},
	}
	for _, tc := range mailbox {
		if tok, err := k.SealMailbox(tc.c); err == nil || !strings.HasPrefix(err.Error(), "token: ") {
			t.Errorf("mailbox %s: SealMailbox = %q, %v; want a token: error", tc.name, tok, err)
		}
	}
}

func TestNewKeyring(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		signing Key
		verify  []Key
		ok      bool
	}{
		{"one key", testKey(1, 1), nil, true},
		{"rotation", testKey(2, 2), []Key{testKey(1, 1), testKey(0, 3)}, true},
		{"short secret", Key{ID: 1, Secret: make([]byte, MinSecret-1)}, nil, false},
		{"nil secret", Key{ID: 1}, nil, false},
		{"short verify secret", testKey(1, 1), []Key{{ID: 2, Secret: []byte("short")}}, false},
		{"signing id again", testKey(1, 1), []Key{testKey(1, 2)}, false},
		{"verify id twice", testKey(1, 1), []Key{testKey(2, 2), testKey(2, 3)}, false},
	}
	for _, tc := range cases {
		_, err := NewKeyring(tc.signing, tc.verify...)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "token: ") {
			t.Errorf("%s: error %q lacks the package prefix", tc.name, err)
		}
	}
}

func TestZeroKeyring(t *testing.T) {
	t.Parallel()
	for _, k := range []*Keyring{nil, {}} {
		if _, err := k.Seal(Claims{Kind: Open}); err == nil {
			t.Error("Seal on an empty keyring succeeded")
		}
		if _, err := k.SealMailbox(Claims{Kind: Bounce}); err == nil {
			t.Error("SealMailbox on an empty keyring succeeded")
		}
		if _, err := k.Open(strings.Repeat("A", 60)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Open on an empty keyring: %v", err)
		}
		if _, err := k.OpenMailbox(strings.Repeat("a", 40)); !errors.Is(err, ErrInvalid) {
			t.Errorf("OpenMailbox on an empty keyring: %v", err)
		}
	}
}

func TestOpenMaxAge(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	fresh, _ := k.Seal(Claims{Kind: Open, Message: 1, Issued: issued})
	undated, _ := k.Seal(Claims{Kind: Open, Message: 1})
	forged := fresh[:len(fresh)-1] + "A"
	if forged == fresh {
		forged = fresh[:len(fresh)-1] + "Q"
	}
	cases := []struct {
		name   string
		tok    string
		now    time.Time
		maxAge time.Duration
		want   error
	}{
		{"fresh", fresh, issued.Add(time.Hour), 24 * time.Hour, nil},
		{"at the limit", fresh, issued.Add(24 * time.Hour), 24 * time.Hour, nil},
		{"old", fresh, issued.Add(24*time.Hour + time.Second), 24 * time.Hour, ErrExpired},
		{"future", fresh, issued.Add(-time.Minute), 24 * time.Hour, nil},
		{"undated", undated, issued, 24 * time.Hour, ErrExpired},
		{"forged and old", forged, issued.Add(1000 * time.Hour), time.Hour, ErrInvalid},
	}
	for _, tc := range cases {
		c, err := k.OpenMaxAge(tc.tok, tc.now, tc.maxAge)
		if err != tc.want {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if tc.want != ErrInvalid && c.Message != 1 {
			t.Errorf("%s: claims not returned: %+v", tc.name, c)
		}
	}
}

func TestMailboxCaseAndLength(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(255, 1))
	for _, c := range []Claims{
		{Kind: Bounce},
		{Kind: Bounce, Message: msgID, Rcpt: 3},
		{Kind: Bounce, Message: math.MaxUint64, Rcpt: math.MaxUint32},
		{Kind: MailUnsubscribe, Message: math.MaxUint64, Rcpt: math.MaxUint32},
	} {
		tok, err := k.SealMailbox(c)
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) > MaxMailboxLen || len("b."+tok) > 64 {
			t.Errorf("%+v: token of %d chars, more than %d", c, len(tok), MaxMailboxLen)
		}
		if tok != strings.ToLower(tok) || strings.Trim(tok, alphabet32) != "" {
			t.Errorf("token %q not lower-case base32", tok)
		}
		upper := strings.ToUpper(tok)
		mixed := []byte(tok)
		for i := range mixed {
			if i%3 == 0 && 'a' <= mixed[i] && mixed[i] <= 'z' {
				mixed[i] -= 'a' - 'A'
			}
		}
		for _, in := range []string{tok, upper, string(mixed)} {
			got, err := k.OpenMailbox(in)
			if err != nil {
				t.Errorf("OpenMailbox(%q): %v", in, err)
				continue
			}
			checkEqual(t, got, c)
		}
	}
}

// TestLengths pins the lengths of typical tokens, which end up in every
// message (a pixel, a token per link, unsubscribe headers and return path).
func TestLengths(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(1, 1))
	cases := []struct {
		c   Claims
		max int
	}{
		{Claims{Kind: Open, Tenant: "acme", Message: msgID, Rcpt: 3, Issued: issued}, 52},
		{Claims{Kind: Unsubscribe, Tenant: "acme", Message: msgID, Rcpt: 3, Issued: issued}, 52},
		{Claims{Kind: Click, Tenant: "acme", Message: msgID, Rcpt: 3, Link: 2, URL: "https://shop.example/p/42", Issued: issued}, 90},
		{Claims{Kind: Unsubscribe, Tenant: "acme", Message: msgID, Rcpt: 3, Addr: "jane.doe@example.org", Issued: issued}, 120},
		{Claims{Kind: Bounce, Message: msgID, Rcpt: 3}, 45},
		{Claims{Kind: Bounce, Message: math.MaxUint64, Rcpt: math.MaxUint32}, 55},
		{Claims{Kind: Click, Tenant: strings.Repeat("t", MaxTenant), Message: math.MaxUint64, Rcpt: math.MaxUint32, Link: math.MaxUint16,
			URL: strings.Repeat("u", MaxURL), Addr: strings.Repeat("a", MaxAddr), Stream: 1, Issued: time.Unix(epoch+maxIssued-1, 0)}, MaxLen},
	}
	for _, tc := range cases {
		tok, err := sealAny(k, tc.c)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-16s URL %4d addr %3d: %4d chars", tc.c.Kind, len(tc.c.URL), len(tc.c.Addr), len(tok))
		if len(tok) > tc.max {
			t.Errorf("%s token of %d chars, want at most %d", tc.c.Kind, len(tok), tc.max)
		}
	}
}

func TestConcurrent(t *testing.T) {
	t.Parallel()
	k := newKeyring(t, testKey(2, 2), testKey(1, 1))
	old := newKeyring(t, testKey(1, 1))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				for _, c := range sampleClaims() {
					c.Rcpt = uint32(g*1000 + i)
					signer := k
					if i%2 == 0 {
						signer = old
					}
					tok, err := sealAny(signer, c)
					if err != nil {
						t.Error(err)
						return
					}
					got, err := openAny(k, c.Kind, tok)
					if err != nil || got.Rcpt != c.Rcpt || got.Addr != c.Addr {
						t.Errorf("open: %+v, %v", got, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// Opening tokens reuses recent tenant and URL strings; tokens of many
// tenants and more URLs than are remembered, in turns, must each still
// give their own.
func TestOpenReusesStringsCorrectly(t *testing.T) {
	k := newKeyring(t, testKey(1, 1))
	var toks []string
	var want []Claims
	for i := range 9 {
		c := Claims{Kind: Click, Tenant: []string{"acme", "bank", "acme-2"}[i%3], Message: msgID, Rcpt: uint32(i),
			Link: uint16(i), URL: "https://shop.example/" + strings.Repeat("x", i), Issued: issued}
		tok, err := k.Seal(c)
		if err != nil {
			t.Fatal(err)
		}
		toks, want = append(toks, tok), append(want, c)
	}
	for round := range 3 {
		for i := range toks {
			j := (i*5 + round) % len(toks) // an order that revisits and evicts
			got, err := k.OpenBytes([]byte(toks[j]))
			if err != nil || got.Tenant != want[j].Tenant || got.URL != want[j].URL || got.Rcpt != want[j].Rcpt {
				t.Fatalf("token %d: got %+v, %v; want %+v", j, got, err, want[j])
			}
		}
	}
}
