package dkim

import (
	"strings"
	"testing"
	"time"
)

func TestGenerateDomainKeys(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 31, 23, 0, 0, 0, time.FixedZone("x", -3*3600)) // 2027-01 in UTC
	keys, err := GenerateDomainKeys(now)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].Selector != "s202701r" || keys[1].Selector != "s202701e" {
		t.Fatalf("selectors: %+v", keys)
	}
	for _, k := range keys {
		signer, err := ParsePrivateKey(k.PrivatePEM)
		if err != nil {
			t.Fatalf("%s: %v", k.Algo, err)
		}
		txt, err := TXTValue(signer.Public())
		if err != nil || txt != k.TXT {
			t.Fatalf("%s: TXT does not match the private key: %v", k.Algo, err)
		}
		if !strings.Contains(k.TXT, "k="+k.Algo) {
			t.Fatalf("%s: TXT %q", k.Algo, k.TXT)
		}
	}
	if _, err := ParsePrivateKey([]byte("not pem")); err == nil {
		t.Fatal("garbage parsed")
	}
}

func TestGenerateRotationKeys(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 3, 9, 12, 0, 0, 0, time.UTC)
	used := map[string]bool{}
	take := func(s string) bool { return used[s] }
	var got []string
	for range 3 {
		keys, err := GenerateRotationKeys(now, take)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if used[k.Selector] {
				t.Fatalf("selector %s reused", k.Selector)
			}
			used[k.Selector] = true
			got = append(got, k.Selector)
		}
	}
	want := "s202703r s202703e s20270309r s20270309e s20270309r2 s20270309e2"
	if strings.Join(got, " ") != want {
		t.Fatalf("selectors %q, want %q", strings.Join(got, " "), want)
	}
}
