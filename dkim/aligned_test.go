package dkim

import (
	"strings"
	"testing"
)

// A key signs for its domain and that domain's subdomains (relaxed
// alignment), never for a parent or a sibling.
func TestAlignedKeyFiles(t *testing.T) {
	t.Parallel()
	files := []KeyFile{{Domain: "Example.test.", Selector: "a"}, {Domain: "mail.example.test", Selector: "b"}, {Domain: "other.test", Selector: "c"}}
	for _, tc := range []struct {
		domain string
		want   string
	}{
		{"example.test", "a"},
		{"EXAMPLE.test.", "a"},
		{"mail.example.test", "ab"},
		{"x.mail.example.test", "ab"},
		{"test", ""},
		{"badexample.test", ""},
		{"other.test", "c"},
	} {
		var got string
		for _, f := range AlignedKeyFiles(files, tc.domain) {
			got += f.Selector
		}
		if got != tc.want {
			t.Errorf("AlignedKeyFiles(%q) selectors %q, want %q", tc.domain, got, tc.want)
		}
	}
}

// AlignedSigner signs the node's own mail with the aligned keys only,
// and is nil when no key is aligned with the From domain.
func TestAlignedSigner(t *testing.T) {
	t.Parallel()
	rsaFile, edFile := writeKeys(t)
	c := SignersConfig{Keys: []KeyFile{{Domain: "acme.test", Selector: "r", File: rsaFile}, {Domain: "other.test", Selector: "e", File: edFile}},
		RSAEngine: "go", KeysName: "dkim.key"}
	sg, err := AlignedSigner(c, "tlsrpt@reports.acme.test")
	if err != nil || sg == nil {
		t.Fatalf("AlignedSigner: %v, %v", sg, err)
	}
	fields, signed, err := sg.Sign([]byte("From: tlsrpt@reports.acme.test\r\nTo: b@x.test\r\nSubject: r\r\n\r\nbody\r\n"))
	if err != nil || !signed {
		t.Fatalf("Sign: %v signed=%v", err, signed)
	}
	if f := string(fields); !strings.Contains(f, "d=acme.test") || strings.Contains(f, "d=other.test") {
		t.Fatalf("signed with the wrong keys:\n%s", f)
	}
	if sg, err := AlignedSigner(c, "tlsrpt@nobody.test"); sg != nil || err != nil {
		t.Fatalf("no aligned key: %v, %v", sg, err)
	}
	c.Keys[0].File += ".missing"
	if _, err := AlignedSigner(c, "tlsrpt@acme.test"); err == nil || !strings.Contains(err.Error(), "dkim.key[0]") {
		t.Fatalf("missing key file: %v", err)
	}
}
