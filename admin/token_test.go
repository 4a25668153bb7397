package admin

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// TestLoadOrCreateToken: a configured token wins and writes nothing; on
// first start a random token is created with mode 0600 and kept across
// restarts; an empty file gets a new token; ReadToken reads what
// LoadOrCreateToken wrote and never creates one.
func TestLoadOrCreateToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, TokenFile)
	if tok, err := LoadOrCreateToken("configured", path); err != nil || tok != "configured" {
		t.Fatalf("configured: %q, %v", tok, err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a configured token wrote a token file")
	}
	if _, err := ReadToken("", path); err == nil {
		t.Fatal("ReadToken without a file succeeded")
	}
	tok, err := LoadOrCreateToken("", path)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := hex.DecodeString(tok); err != nil || len(b) != 24 {
		t.Fatalf("token %q: want 24 random bytes in hex", tok)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, %v; want mode 0600", fi, err)
	}
	if again, err := LoadOrCreateToken("", path); err != nil || again != tok {
		t.Fatalf("second start: %q, %v; want the first token %q", again, err, tok)
	}
	if read, err := ReadToken("", path); err != nil || read != tok {
		t.Fatalf("ReadToken = %q, %v; want %q", read, err, tok)
	}
	if read, err := ReadToken("configured", path); err != nil || read != "configured" {
		t.Fatalf("ReadToken(configured) = %q, %v", read, err)
	}
	if err := os.WriteFile(path, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fresh, err := LoadOrCreateToken("", path); err != nil || fresh == "" || fresh == tok {
		t.Fatalf("after an empty file: %q, %v; want a new token", fresh, err)
	}
	if _, err := LoadOrCreateToken("", filepath.Join(dir, "missing", TokenFile)); err == nil {
		t.Fatal("an unwritable path gave a token")
	}
}
