package dkim

import (
	"bytes"
	"crypto/rsa"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/dkim/openssl"
)

// writeKeys writes a fresh RSA and Ed25519 key into a temporary
// directory and returns their files.
func writeKeys(t *testing.T) (rsaFile, edFile string) {
	t.Helper()
	dir := t.TempDir()
	for algo, path := range map[string]*string{"rsa": &rsaFile, "ed25519": &edFile} {
		key, err := GenerateKey(algo)
		if err != nil {
			t.Fatal(err)
		}
		*path = filepath.Join(dir, algo+".key")
		if err := WritePrivateKey(*path, key); err != nil {
			t.Fatal(err)
		}
	}
	return rsaFile, edFile
}

// TestKeyLoaderEngines: RSA keys get the engine of the setting ("go" is
// crypto/rsa; auto is OpenSSL when it loads), Ed25519 keys sign as they
// are, OpenSSL reports a cgo signer, and the engines are logged once.
func TestKeyLoaderEngines(t *testing.T) {
	t.Parallel()
	rsaFile, edFile := writeKeys(t)
	_, libErr := openssl.Library()
	for _, tc := range []struct {
		engine      string
		files       []string
		wantOpenSSL bool
		wantLog     bool
	}{
		{"go", []string{rsaFile, edFile}, false, true},
		{"", []string{edFile}, false, false},
		{"auto", []string{rsaFile, edFile}, libErr == nil, true},
	} {
		var logs bytes.Buffer
		kl := KeyLoader{RSAEngine: tc.engine, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
		var files []KeyFile
		for i, f := range tc.files {
			files = append(files, KeyFile{Domain: "example.com", Selector: "s" + string(rune('0'+i)), File: f})
		}
		keys, err := kl.Load("dkim.key", files)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != len(files) || keys[0].Domain != "example.com" || keys[0].Selector != "s0" {
			t.Fatalf("engine %q: keys %+v", tc.engine, keys)
		}
		if tc.files[0] == rsaFile {
			_, goRSA := keys[0].Signer.(*rsa.PrivateKey)
			_, sslRSA := keys[0].Signer.(*openssl.RSASigner)
			if goRSA == tc.wantOpenSSL || sslRSA != tc.wantOpenSSL {
				t.Errorf("engine %q: RSA signer %T, want OpenSSL %v", tc.engine, keys[0].Signer, tc.wantOpenSSL)
			}
		}
		if kl.OpenSSL() != tc.wantOpenSSL {
			t.Errorf("engine %q: OpenSSL() = %v, want %v", tc.engine, kl.OpenSSL(), tc.wantOpenSSL)
		}
		kl.LogEngines()
		if got := strings.Contains(logs.String(), "dkim: RSA signing engine"); got != tc.wantLog || (got && len(kl.Engines()) != 1) {
			t.Errorf("engine %q: engines %v, log %q", tc.engine, kl.Engines(), logs.String())
		}
		if tc.engine == "" && tc.wantLog && !strings.Contains(logs.String(), "setting=auto") {
			t.Errorf("empty setting not logged as auto: %q", logs.String())
		}
	}
}

// TestKeyLoaderErrors: a missing, unreadable or unusable key names the
// list entry, its domain and its file; a bad engine setting names it.
func TestKeyLoaderErrors(t *testing.T) {
	t.Parallel()
	rsaFile, edFile := writeKeys(t)
	garbage := filepath.Join(t.TempDir(), "garbage.key")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, engine, file, want string
	}{
		{"missing", "auto", "/nonexistent/k.key", "dkim.esp_key[1] (domain b.example): key file /nonexistent/k.key: "},
		{"garbage", "auto", garbage, "dkim.esp_key[1] (domain b.example): key file " + garbage + ": "},
		{"engine", "fast", rsaFile, `dkim.esp_key[1] (domain b.example): key file ` + rsaFile + `: dkim.rsa_engine "fast": `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kl := KeyLoader{RSAEngine: tc.engine}
			_, err := kl.Load("dkim.esp_key", []KeyFile{{Domain: "a.example", Selector: "s", File: edFile}, {Domain: "b.example", Selector: "s", File: tc.file}})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %v, want prefix %q", err, tc.want)
			}
		})
	}
}
