package dkim_test

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"sluice/dkim"
)

// runDKIMForTest runs dkim.Main and returns its exit status and output.
func runDKIMForTest(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := dkim.Main(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// parseDKIMRecords returns the name → value of each TXT record in out, the
// zone-file text keygen prints, joining each record's strings.
func parseDKIMRecords(t *testing.T, out string) map[string]string {
	t.Helper()
	line := regexp.MustCompile(`^(\S+)\. IN TXT \(((?: "[^"\\]{1,255}")+) \)$`)
	quoted := regexp.MustCompile(`"([^"]*)"`)
	recs := map[string]string{}
	for l := range strings.SplitSeq(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.HasPrefix(l, ";") {
			continue
		}
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("stdout line %q is not a TXT record", l)
		}
		var v strings.Builder
		for _, q := range quoted.FindAllStringSubmatch(m[2], -1) {
			v.WriteString(q[1])
		}
		recs[m[1]] = v.String()
	}
	return recs
}

// checkDKIMKeyFile checks that path is a 0600 key whose public half is
// published as value, by signing a message with it and verifying that with
// go-msgauth against the printed record.
func checkDKIMKeyFile(t *testing.T, path, domain, selector, value string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want 0600", path, st.Mode().Perm())
	}
	key, err := dkim.LoadPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := dkim.NewSigner(dkim.Options{Keys: []dkim.Key{{Domain: domain, Selector: selector, Signer: key}}})
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("From: a@" + domain + "\r\nSubject: keygen\r\n\r\nhello\r\n")
	fields, ok, err := s.Sign(msg)
	if err != nil || !ok {
		t.Fatalf("Sign: %v %v", ok, err)
	}
	vs, err := msgauth.VerifyWithOptions(bytes.NewReader(append(fields, msg...)), &msgauth.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			if name == selector+"._domainkey."+domain {
				return []string{value}, nil
			}
			return nil, &net.DNSError{Err: "not found", Name: name, IsNotFound: true}
		},
	})
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Errorf("%s: signature does not verify against the printed record: %v %v", path, err, vs)
	}
}

func TestDKIMKeygen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		files map[string]string // file name → selector
	}{
		{"rsa default", []string{"--domain", "Example.COM.", "--selector", "s2026"},
			map[string]string{"example.com.s2026.rsa.key": "s2026"}},
		{"ed25519", []string{"--domain", "example.com", "--selector", "e1", "--algo", "ed25519"},
			map[string]string{"example.com.e1.ed25519.key": "e1"}},
		{"both, default Ed25519 selector", []string{"--domain", "example.com", "--selector", "s2026", "--algo", "both"},
			map[string]string{"example.com.s2026.rsa.key": "s2026", "example.com.s2026-ed.ed25519.key": "s2026-ed"}},
		{"both, explicit selectors", []string{"-domain=example.com", "-selector=r", "-algo=both", "-ed25519-selector=e"},
			map[string]string{"example.com.r.rsa.key": "r", "example.com.e.ed25519.key": "e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "keys", "new") // created by keygen
			args := append(append([]string{"keygen"}, tt.args...), "--out", dir)
			code, stdout, stderr := runDKIMForTest(args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			recs := parseDKIMRecords(t, stdout)
			if len(recs) != len(tt.files) {
				t.Errorf("%d records, want %d:\n%s", len(recs), len(tt.files), stdout)
			}
			for file, sel := range tt.files {
				name := sel + "._domainkey.example.com"
				if recs[name] == "" {
					t.Errorf("no record for %s:\n%s", name, stdout)
					continue
				}
				checkDKIMKeyFile(t, filepath.Join(dir, file), "example.com", sel, recs[name])
			}
			if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
				t.Errorf("key directory: %v %v", st.Mode(), err)
			}
		})
	}
}

func TestDKIMKeygenRefusesOverwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"keygen", "--domain", "example.com", "--selector", "s", "--algo", "ed25519", "--out", dir}
	if code, _, stderr := runDKIMForTest(args...); code != 0 {
		t.Fatalf("first run: exit %d, %s", code, stderr)
	}
	path := filepath.Join(dir, "example.com.s.ed25519.key")
	before, _ := os.ReadFile(path)
	code, stdout, stderr := runDKIMForTest(args...)
	if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("second run: exit %d, stdout %q, stderr %q; want 1 and a one-line error", code, stdout, stderr)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("existing key was modified")
	}
	// With --algo both, an existing Ed25519 key stops the RSA key too.
	code, _, _ = runDKIMForTest("keygen", "--domain", "example.com", "--selector", "r", "--ed25519-selector", "s", "--algo", "both", "--out", dir)
	if code != 1 {
		t.Errorf("both over an existing Ed25519 key: exit %d, want 1", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "example.com.r.rsa.key")); err == nil {
		t.Error("RSA key written although the Ed25519 one could not be")
	}
}

func TestDKIMKeygenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no subcommand", nil, 2},
		{"unknown subcommand", []string{"rotate"}, 2},
		{"no flags", []string{"keygen"}, 2},
		{"missing domain", []string{"keygen", "--selector", "s", "--out", dir}, 2},
		{"missing selector", []string{"keygen", "--domain", "example.com", "--out", dir}, 2},
		{"missing out", []string{"keygen", "--domain", "example.com", "--selector", "s"}, 2},
		{"unknown flag", []string{"keygen", "--bits", "4096"}, 2},
		{"bad algo", []string{"keygen", "--domain", "example.com", "--selector", "s", "--algo", "dsa", "--out", dir}, 2},
		{"extra argument", []string{"keygen", "--domain", "example.com", "--selector", "s", "--out", dir, "more"}, 2},
		{"invalid domain", []string{"keygen", "--domain", "exa mple.com", "--selector", "s", "--algo", "ed25519", "--out", dir}, 2},
		{"invalid selector", []string{"keygen", "--domain", "example.com", "--selector", "s;x", "--algo", "ed25519", "--out", dir}, 2},
		{"ed25519 selector without both", []string{"keygen", "--domain", "example.com", "--selector", "s", "--ed25519-selector", "e", "--out", dir}, 2},
		{"same selector twice", []string{"keygen", "--domain", "example.com", "--selector", "s", "--ed25519-selector", "S", "--algo", "both", "--out", dir}, 2},
		{"out is a file", []string{"keygen", "--domain", "example.com", "--selector", "s", "--algo", "ed25519", "--out", file}, 1},
	}
	for _, tt := range tests {
		code, stdout, stderr := runDKIMForTest(tt.args...)
		if code != tt.code || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q; want exit %d and no output", tt.name, code, stdout, tt.code)
		}
		switch tt.code {
		case 2:
			if !strings.Contains(stderr, "usage: sluice dkim keygen") {
				t.Errorf("%s: no usage line on stderr: %q", tt.name, stderr)
			}
		case 1:
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "sluice dkim keygen: ") {
				t.Errorf("%s: want a one-line error, got %q", tt.name, stderr)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("failed runs left files behind: %v", entries)
	}
	code, stdout, _ := runDKIMForTest("keygen", "-h")
	if code != 0 || !strings.Contains(stdout, "--ed25519-selector") {
		t.Errorf("-h: exit %d, stdout %q", code, stdout)
	}
}
