package dkim

import (
	"strings"
	"testing"
)

// TestWriteZone: one comment line and one record line per key, the
// domain written as Keygen names it (lower case, no trailing dot).
func TestWriteZone(t *testing.T) {
	t.Parallel()
	specs, err := KeySpecs("both", "s1", "")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := Keygen(t.TempDir(), "Example.COM.", specs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteZone(&b, "Example.COM.", keys); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), b.String())
	}
	for i, k := range keys {
		comment, record := lines[2*i], lines[2*i+1]
		want := "; " + k.AlgoName() + " key for example.com, selector " + k.Selector + "; private key: " + k.Path
		if comment != want {
			t.Errorf("comment %q, want %q", comment, want)
		}
		if record != k.Record || !strings.HasPrefix(record, k.Selector+"._domainkey.example.com.") {
			t.Errorf("record %q, want %q", record, k.Record)
		}
	}
}
