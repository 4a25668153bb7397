package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sluice/configs"
	"sluice/dkim"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

// TestDKIMEndToEnd signs at submission with RSA + Ed25519 for the tenant's
// domain and an ESP key, and verifies every signature of the message
// exactly as the sink MX received it with python3-dkim, a verifier that is
// not ours. It also checks that a tenant cannot get mail signed for
// another tenant's domain.
func TestDKIMEndToEnd(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import dkim, nacl.signing").Run(); err != nil {
		t.Skip("SKIP LOUDLY: python3-dkim not installed: DKIM signatures NOT independently verified end to end (apt-get install python3-dkim)")
	}
	keyDir := t.TempDir()
	zone := map[string]string{}
	newKey := func(algo, domain, selector string) configs.DKIMKey {
		k, err := dkim.GenerateKey(algo)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(keyDir, domain+"."+selector+".key")
		if err := dkim.WritePrivateKey(path, k); err != nil {
			t.Fatal(err)
		}
		txt, err := dkim.TXTValue(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		zone[selector+"._domainkey."+domain] = txt
		return configs.DKIMKey{Domain: domain, Selector: selector, File: path}
	}
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.DKIM.Keys = []configs.DKIMKey{
			newKey("rsa", "acme.example", "s2026"),
			newKey("ed25519", "acme.example", "s2026e"),
			newKey("rsa", "bank.example", "bank1"),
		}
		cfg.DKIM.ESPKeys = []configs.DKIMKey{newKey("ed25519", "esp.sluice.test", "fbl")}
		if os.Getenv("SLUICE_REQUIRE_OPENSSL") == "1" {
			// CI: the RSA signatures verified below are OpenSSL's, or
			// the node does not start.
			cfg.DKIM.RSAEngine = "openssl"
		}
		cfg.Tenants = append(cfg.Tenants, configs.Tenant{Name: "bank", Username: "bank",
			PasswordHash: cfg.Tenants[0].PasswordHash, SenderDomains: []string{"bank.example"}})
		// acme may put bank.example in From (an ESP-style allowance):
		// even then it must never get the bank's signature.
		cfg.Tenants[0].FromAllow = []string{"bank.example"}
	})

	msg := "From: News <news@acme.example>\r\nTo: a@example.test\r\nSubject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n" +
		"List-Unsubscribe: <https://t.example/u/x>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo \xc3\xbc\r\n\r\n\r\n"
	if _, err := tn.submit("news@acme.example", []string{"a@example.test"}, msg); err != nil {
		t.Fatal(err)
	}
	// The acme tenant puts the bank's domain in From (allowed by its
	// from_allow; without it the From policy refuses it with 550 5.7.1):
	// it must not get the bank's signature (only the ESP one).
	spoof := strings.Replace(msg, "From: News <news@acme.example>", "From: Bank <ceo@bank.example>", 1)
	if _, err := tn.submit("news@acme.example", []string{"b@example.test"}, spoof); err != nil {
		t.Fatal(err)
	}
	got := tn.sink.WaitRcpts(2, 10*time.Second)
	if len(got) != 2 {
		t.Fatalf("sink got %d messages", len(got))
	}
	byRcpt := map[string][]byte{}
	for _, r := range got {
		byRcpt[r.To[0]] = r.Data
	}
	results := pyVerify(t, py, zone, byRcpt["a@example.test"], byRcpt["b@example.test"])
	if want := []bool{true, true, true}; !slices.Equal(results[0], want) {
		t.Fatalf("acme message: verifications %v, want 3 valid signatures (rsa, ed25519, esp)", results[0])
	}
	if d := signingDomains(byRcpt["a@example.test"]); strings.Join(d, ",") != "acme.example,acme.example,esp.sluice.test" {
		t.Fatalf("acme message signed by %v", d)
	}
	if d := signingDomains(byRcpt["b@example.test"]); strings.Join(d, ",") != "esp.sluice.test" {
		t.Fatalf("spoofed From got signatures from %v: a tenant must not be signed for another tenant's domain", d)
	}
	if !slices.Equal(results[1], []bool{true}) {
		t.Fatalf("spoofed message's ESP signature: %v", results[1])
	}

	// Oversigning: a List-Unsubscribe added after signing breaks it.
	tampered := append([]byte("List-Unsubscribe: <https://evil.example/>\r\n"), byRcpt["a@example.test"]...)
	if r := pyVerify(t, py, zone, tampered); r[0][0] || r[0][1] {
		t.Fatalf("a List-Unsubscribe added after signing still verifies: %v", r[0])
	}
}

var dkimD = regexp.MustCompile(`(?:^|[;\s])d=([^;\s]+)`)

// signingDomains returns the d= of each DKIM-Signature, sorted.
func signingDomains(msg []byte) []string {
	var out []string
	head := string(msg[:strings.Index(string(msg), "\r\n\r\n")])
	for _, f := range strings.Split(strings.ReplaceAll(head, "\r\n\t", " "), "\r\n") {
		if v, ok := strings.CutPrefix(f, "DKIM-Signature:"); ok {
			if m := dkimD.FindStringSubmatch(strings.ReplaceAll(v, "\r\n ", " ")); m != nil {
				out = append(out, m[1])
			}
		}
	}
	sort.Strings(out)
	return out
}

// pyVerify runs dkim/testdata/pydkim_verify.py over msgs.
func pyVerify(t *testing.T, py string, zone map[string]string, msgs ...[]byte) [][]bool {
	t.Helper()
	dir := t.TempDir()
	zj, _ := json.Marshal(zone)
	args := []string{filepath.Join("..", "..", "dkim", "testdata", "pydkim_verify.py"), filepath.Join(dir, "zone.json")}
	if err := os.WriteFile(args[1], zj, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, m := range msgs {
		p := filepath.Join(dir, "m"+string(rune('a'+i))+".eml")
		if err := os.WriteFile(p, m, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	out, err := exec.Command(py, args...).Output()
	if err != nil {
		t.Fatalf("pydkim_verify: %v", err)
	}
	var res [][]bool
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var r struct {
			OK  []bool   `json:"ok"`
			Err []string `json:"err"`
		}
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if len(r.Err) > 0 {
			t.Logf("verifier: %q", r.Err)
		}
		res = append(res, r.OK)
	}
	return res
}

// TestBadDKIMKeyStopsStartup: a missing or unreadable key file stops
// start-up with one line naming the domain and the file.
func TestBadDKIMKeyStopsStartup(t *testing.T) {
	dns := dnstest.NewServer(t)
	cfg := testConfig(t, dns, 25)
	bad := filepath.Join(t.TempDir(), "nope.key")
	cfg.DKIM.Keys = []configs.DKIMKey{{Domain: "acme.example", Selector: "s1", File: bad}}
	_, err := startNode(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, nodeOptions{})
	if err == nil || !strings.Contains(err.Error(), "acme.example") || !strings.Contains(err.Error(), bad) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("start-up error %v: want one line naming the domain and the file", err)
	}
	if err := os.WriteFile(bad, []byte("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := startNode(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, nodeOptions{}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("corrupt key accepted: %v", err)
	}
}
