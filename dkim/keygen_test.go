package dkim_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/dkim"
)

func TestKeySpecs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		algo, sel, edSel string
		want             []dkim.KeySpec
		wantErr          bool
	}{
		{algo: "rsa", sel: "s1", want: []dkim.KeySpec{{Algo: "rsa", Selector: "s1"}}},
		{algo: "ed25519", sel: "s1", want: []dkim.KeySpec{{Algo: "ed25519", Selector: "s1"}}},
		{algo: "both", sel: "s1", want: []dkim.KeySpec{{Algo: "rsa", Selector: "s1"}, {Algo: "ed25519", Selector: "s1-ed"}}},
		{algo: "both", sel: "s1", edSel: "e1", want: []dkim.KeySpec{{Algo: "rsa", Selector: "s1"}, {Algo: "ed25519", Selector: "e1"}}},
		{algo: "both", sel: "s1", edSel: "S1", wantErr: true}, // one selector names one key
		{algo: "rsa", sel: "s1", edSel: "e1", wantErr: true},
		{algo: "dsa", sel: "s1", wantErr: true},
	} {
		got, err := dkim.KeySpecs(tc.algo, tc.sel, tc.edSel)
		if (err != nil) != tc.wantErr || !slicesEqual(got, tc.want) {
			t.Errorf("KeySpecs(%q, %q, %q) = %v, %v; want %v (error %v)", tc.algo, tc.sel, tc.edSel, got, err, tc.want, tc.wantErr)
		}
	}
}

func slicesEqual(a, b []dkim.KeySpec) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Keygen writes loadable 0600 keys under a directory it creates, with
// records that carry the public key, and names files after the lower-case
// domain.
func TestKeygen(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "keys")
	keys, err := dkim.Keygen(dir, "Example.COM.", []dkim.KeySpec{{Algo: "rsa", Selector: "s1"}, {Algo: "ed25519", Selector: "s1-ed"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].AlgoName() != "RSA-2048" || keys[1].AlgoName() != "Ed25519" {
		t.Fatalf("keys %+v", keys)
	}
	for _, k := range keys {
		if want := filepath.Join(dir, "example.com."+k.Selector+"."+k.Algo+".key"); k.Path != want {
			t.Errorf("path %s, want %s", k.Path, want)
		}
		fi, err := os.Stat(k.Path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v, want mode 0600", k.Path, fi, err)
		}
		signer, err := dkim.LoadPrivateKey(k.Path)
		if err != nil {
			t.Fatal(err)
		}
		value, err := dkim.TXTValue(signer.Public())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(k.Record, k.Selector+"._domainkey.example.com. IN TXT") ||
			!strings.Contains(strings.NewReplacer(`" "`, "").Replace(k.Record), value) {
			t.Errorf("record %q does not publish the written key", k.Record)
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("key directory: %v %v, want mode 0700", fi, err)
	}
}

// A second run fails with ErrKeyExists and writes nothing, even the keys
// that did not exist yet; a bad selector fails with ErrInvalidName before
// anything is written.
func TestKeygenWritesAllOrNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := dkim.Keygen(dir, "example.com", []dkim.KeySpec{{Algo: "ed25519", Selector: "e1"}}); err != nil {
		t.Fatal(err)
	}
	_, err := dkim.Keygen(dir, "example.com", []dkim.KeySpec{{Algo: "rsa", Selector: "r1"}, {Algo: "ed25519", Selector: "e1"}})
	if !errors.Is(err, dkim.ErrKeyExists) {
		t.Fatalf("over an existing key: %v, want ErrKeyExists", err)
	}
	_, err = dkim.Keygen(dir, "example.com", []dkim.KeySpec{{Algo: "ed25519", Selector: "e2"}, {Algo: "ed25519", Selector: "bad;sel"}})
	if !errors.Is(err, dkim.ErrInvalidName) {
		t.Fatalf("bad selector: %v, want ErrInvalidName", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d files after failed runs, want the first key only", len(entries))
	}
}
