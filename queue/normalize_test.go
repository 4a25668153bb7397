package queue

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestNormalizeAddrCanonicalForm(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Victim-A@R.Test", "victim-a@r.test"},
		{" victim-a@r.test. ", "victim-a@r.test"},
		{"victim-a@r.test..", "victim-a@r.test"},
		{"victim-a@r.test。", "victim-a@r.test"}, // ideographic full stop
		{"victim-a@ｒ.test", "victim-a@r.test"},  // full-width letter
		{"idn@bücher.test", "idn@xn--bcher-kva.test"},
		{"idn@BÜCHER.TEST.", "idn@xn--bcher-kva.test"},
		{"idn@xn--bcher-kva.test", "idn@xn--bcher-kva.test"},
		{"idn@XN--BCHER-KVA.test.", "idn@xn--bcher-kva.test"},
		{"idn@xn--Bcher-kva.test", "idn@xn--bcher-kva.test"},
		{"idn@bücher。test", "idn@xn--bcher-kva.test"},
		{"x@faß.de", "x@xn--fa-hia.de"}, // non-transitional, as resolvers look it up
		{"Üser@bücher.test", "üser@xn--bcher-kva.test"},
		{"a@[192.0.2.1]", "a@[192.0.2.1]"},
		{"ju\u0308rgen@r.test", "jürgen@r.test"},  // NFD local part (N2)
		{"JU\u0308RGEN@R.TEST.", "jürgen@r.test"}, // and upper-case
		{"ju\u0308rgen@bu\u0308cher.test", "jürgen@xn--bcher-kva.test"},
		{"\u212Aate@r.test", "kate@r.test"},             // Kelvin sign: NFC and case
		{"a\u0323\u0307@r.test", "\u1ea1\u0307@r.test"}, // reordered marks
		{"ｊürgen@r.test", "ｊürgen@r.test"},              // full-width: not folded (submission refuses it)
		{"a@b@c.test.", "a@b@c.test"},
		{HashedPrefix + "ABC", HashedPrefix + "abc"},
	} {
		if got := NormalizeAddr(c.in); got != c.want {
			t.Errorf("NormalizeAddr(%q) = %q, want %q", c.in, got, c.want)
		}
		if again := NormalizeAddr(c.want); again != c.want {
			t.Errorf("NormalizeAddr not idempotent on %q: %q", c.want, again)
		}
	}
	// A domain IDNA refuses still has one form for both spellings.
	u := NormalizeAddr("a@bü_cher.test")
	if a := NormalizeAddr(u); a != u || NormalizeAddr("A@BÜ_CHER.test.") != u {
		t.Errorf("invalid IDN: %q, again %q", u, a)
	}
}

// TestSuppressionMatchesEveryForm: a suppression written in one form
// blocks every other spelling of the address (trailing dot, case, U-label
// or A-label domain), and is lifted by any of them.
func TestSuppressionMatchesEveryForm(t *testing.T) {
	t.Parallel()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), newClock(), Options{})
	ctx := context.Background()
	groups := [][]string{
		{"victim-a@r.test", "victim-a@r.test.", "Victim-A@R.TEST.", "victim-a@ｒ.test", "victim-a@r.test。"},
		{"idn@xn--bcher-kva.test", "idn@bücher.test", "idn@BÜCHER.test.", "IDN@XN--BCHER-KVA.TEST"},
		{"idn2@bücher.test", "idn2@xn--bcher-kva.test.", "idn2@xn--Bcher-kva.test"},
	}
	for _, g := range groups {
		for _, w := range g {
			if err := s.Suppress(ctx, Suppression{Tenant: "tena", Addr: w, Reason: "complaint"}); err != nil {
				t.Fatal(err)
			}
			for _, r := range g {
				if _, ok := s.Suppressed("tena", r); !ok {
					t.Errorf("suppressed as %q, not matched as %q", w, r)
				}
			}
			for _, r := range g {
				if existed, err := s.Unsuppress(ctx, "tena", r); err != nil || !existed {
					t.Fatalf("lift as %q after suppress as %q: %v %v", r, w, existed, err)
				}
				break
			}
			for _, r := range g {
				if _, ok := s.Suppressed("tena", r); ok {
					t.Errorf("still suppressed as %q after the lift", r)
				}
			}
		}
	}
	// Soft failures count towards one address too.
	for _, w := range []string{"full@bücher.test", "full@xn--bcher-kva.test.", "FULL@BÜCHER.TEST"} {
		if _, err := s.RecordSoftFailure(ctx, "tena", w, "soft_mailbox_full", "", 3, 1<<40); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := s.Suppressed("tena", "full@xn--bcher-kva.test"); !ok {
		t.Error("three soft failures under three spellings did not suppress")
	}
}

// putRawSuppression writes a suppression under key tenant\x00addr as an
// older version of NormalizeAddr (lower-casing only) would have.
func putRawSuppression(t *testing.T, s *Store, key string, sup Suppression) {
	t.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSupp).Put([]byte(key), sup.encode()) })
	if err != nil {
		t.Fatal(err)
	}
}

// TestSuppressionKeysFromOlderSpools: keys written under the older form
// (trailing dot, U-label) match before the one-time rewrite and after it,
// the rewrite merges two spellings to the wider scope, and a hashed key
// of an older form (an erasure before the upgrade) still matches.
func TestSuppressionKeysFromOlderSpools(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, newClock(), Options{})
	ctx := context.Background()
	putRawSuppression(t, s, "tena\x00victim-a@r.test.", Suppression{Scope: ScopeAll, Reason: "complaint"})
	putRawSuppression(t, s, "tena\x00idn@bücher.test", Suppression{Scope: ScopeAll, Reason: "admin"})
	putRawSuppression(t, s, "tena\x00m@r.test", Suppression{Scope: ScopeMarketing, Reason: "unsubscribe"})
	putRawSuppression(t, s, "tena\x00m@r.test.", Suppression{Scope: ScopeAll, Reason: "complaint"})
	putRawSuppression(t, s, "tena\x00gone@bücher.test", Suppression{Scope: ScopeAll, Reason: "admin"})
	s.hashedAny.Store(true)
	putRawSuppression(t, s, string(s.rawHashedKey("tena", "erased@bücher.test")), Suppression{Scope: ScopeAll, Reason: "complaint"})

	check := func(when string) {
		t.Helper()
		for _, a := range []string{"victim-a@r.test", "victim-a@R.test.", "idn@xn--bcher-kva.test", "idn@bücher.test",
			"erased@xn--bcher-kva.test", "erased@bücher.test."} {
			if sup, ok := s.Suppressed("tena", a); !ok || sup.Scope != ScopeAll {
				t.Errorf("%s: %q not suppressed (%+v)", when, a, sup)
			}
		}
		if sup, ok := s.Suppressed("tena", "m@r.test"); !ok || sup.Scope != ScopeAll || sup.Reason != "complaint" {
			t.Errorf("%s: m@r.test: the wider of two spellings must win: %+v %v", when, sup, ok)
		}
	}
	check("before the rewrite")
	if existed, err := s.Unsuppress(ctx, "tena", "gone@xn--bcher-kva.test"); err != nil || !existed {
		t.Fatalf("lift of an older key: %v %v", existed, err)
	}
	if _, ok := s.Suppressed("tena", "gone@bücher.test"); ok {
		t.Error("older key survived its lift")
	}
	if err := s.SetFleetOutbox(ctx, false); err != nil {
		t.Fatal(err)
	}
	check("after the rewrite")
	list, err := s.ListSuppressions("tena", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Suppression{}
	for _, l := range list {
		got[l.Addr] = l
	}
	for _, want := range []string{"victim-a@r.test", "idn@xn--bcher-kva.test", "m@r.test"} {
		if _, ok := got[want]; !ok {
			t.Errorf("after the rewrite, %q not listed: %+v", want, list)
		}
	}
	for a := range got {
		if a != NormalizeAddr(a) {
			t.Errorf("after the rewrite, %q still listed in an older form", a)
		}
	}
	if got["m@r.test"].Scope != ScopeAll {
		t.Errorf("merge kept the narrower scope: %+v", got["m@r.test"])
	}
	// The rewrite's marker is no tenant's suppression, and the fleet's
	// re-seeding walk skips it (it looks hashed).
	every, err := s.ListSuppressions("", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range every {
		if l.Tenant == "" {
			t.Errorf("the marker is listed: %+v", l)
		}
	}
	fleet, err := s.FleetSuppressions("", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fleet {
		if f.Tenant == "" && !f.Hashed {
			t.Errorf("the marker would be re-seeded to the fleet: %+v", f)
		}
	}
	// Once rewritten, a reopened spool is not rewritten again and still
	// matches.
	if err := s.SetFleetOutbox(ctx, false); err != nil {
		t.Fatal(err)
	}
	check("after a second start")
}

// TestSuppressionNFCLocalParts (N2): a suppression of jürgen@r.test holds
// against the decomposed spelling, whichever of the two was stored; a
// spool rewritten under the first canonical form (marker v1) with an NFD
// key is rewritten again and still matches; an erasure hashed from the
// NFD form before the upgrade still matches.
func TestSuppressionNFCLocalParts(t *testing.T) {
	t.Parallel()
	const nfc, nfd = "jürgen@r.test", "ju\u0308rgen@r.test"
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), newClock(), Options{})
	ctx := context.Background()
	for _, w := range []string{nfc, nfd} {
		if err := s.Suppress(ctx, Suppression{Tenant: "tena", Addr: w, Reason: "complaint"}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{nfc, nfd, "JU\u0308RGEN@R.TEST"} {
			if _, ok := s.Suppressed("tena", r); !ok {
				t.Errorf("suppressed as %q, not matched as %q", w, r)
			}
		}
		if existed, err := s.Unsuppress(ctx, "tena", nfd); err != nil || !existed {
			t.Fatalf("lift: %v %v", existed, err)
		}
	}

	// An older spool: rewritten under v1, with keys in NFD.
	s2 := openStore(t, filepath.Join(t.TempDir(), "spool.db"), newClock(), Options{})
	putRawSuppression(t, s2, string(keySuppNormV1), *mustDecode(t, suppNormPlain))
	putRawSuppression(t, s2, "tena\x00"+nfd, Suppression{Scope: ScopeAll, Reason: "complaint"})
	putRawSuppression(t, s2, "tena\x00ma\u0308rta@r.test", Suppression{Scope: ScopeMarketing, Reason: "unsubscribe"})
	putRawSuppression(t, s2, "tena\x00m\u00e4rta@r.test", Suppression{Scope: ScopeAll, Reason: "complaint"})
	s2.hashedAny.Store(true)
	putRawSuppression(t, s2, string(s2.rawHashedKey("tena", "ero\u0308s@r.test")), Suppression{Scope: ScopeAll, Reason: "complaint"})
	check := func(when string) {
		t.Helper()
		for _, a := range []string{nfc, nfd, "erös@r.test", "ERO\u0308S@r.test", "märta@r.test"} {
			if sup, ok := s2.Suppressed("tena", a); !ok || sup.Scope != ScopeAll {
				t.Errorf("%s: %q not suppressed (%+v)", when, a, sup)
			}
		}
	}
	check("before the rewrite")
	if err := s2.SetFleetOutbox(ctx, false); err != nil {
		t.Fatal(err)
	}
	check("after the rewrite")
	list, err := s2.ListSuppressions("tena", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 { // jürgen, märta (merged) and the hashed erasure
		t.Errorf("after the rewrite: %d listed, want 3: %+v", len(list), list)
	}
	for _, l := range list {
		if l.Addr != NormalizeAddr(l.Addr) {
			t.Errorf("after the rewrite, %q still listed in an older form", l.Addr)
		}
	}
	err = s2.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSupp).Get(keySuppNormV1) != nil {
			t.Error("the v1 marker was left behind")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustDecode(t *testing.T, v []byte) *Suppression {
	t.Helper()
	sup, err := decodeSuppression(keySuppNormV1, v)
	if err != nil {
		t.Fatal(err)
	}
	return &sup
}

// BenchmarkSuppressedRewritten is BenchmarkSuppressed on a spool whose
// keys were rewritten (SetFleetOutbox, as `sluice serve` does at start):
// the older forms cost one meta lookup per miss, and hashed probes only on
// a spool that held hashed suppressions before its rewrite.
func BenchmarkSuppressedRewritten(b *testing.B) { benchSuppressed(b, true) }

func TestPlainCanonical(t *testing.T) {
	t.Parallel()
	for _, a := range []string{"a@r.test", "A@R.Test", "x@xn--bcher-kva.test", "a@r.test.", "a@XN--x.test", "a@bücher.test", " a@r.test", "xn--a@r.test"} {
		got := PlainCanonical([]byte(a))
		want := NormalizeAddr(a) == strings.ToLower(a)
		if got && !want {
			t.Errorf("PlainCanonical(%q) = true, but NormalizeAddr gives %q", a, NormalizeAddr(a))
		}
	}
	if !PlainCanonical([]byte("User.Name+tag@Example.COM")) {
		t.Error("a plain address is not PlainCanonical")
	}
}
