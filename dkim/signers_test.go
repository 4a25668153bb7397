package dkim

import (
	"strings"
	"testing"
	"time"

	"sluice/dkim/openssl"
)

// Each tenant's signer holds the keys of its own domains and the ESP
// keys, nothing for a tenant left without any; OpenSSL reports an RSA
// key signing through it; a bad key file is an error naming its list.
func TestLoadSigners(t *testing.T) {
	t.Parallel()
	rsaFile, edFile := writeKeys(t)
	_, libErr := openssl.Library()
	s, err := LoadSigners(SignersConfig{
		Keys:      []KeyFile{{Domain: "acme.test", Selector: "r", File: rsaFile}, {Domain: "other.test", Selector: "e", File: edFile}},
		RSAEngine: "auto", Expiration: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.OpenSSL() != (libErr == nil) {
		t.Errorf("OpenSSL() = %v with library error %v", s.OpenSSL(), libErr)
	}
	sg, err := s.For([]string{"ACME.test"})
	if err != nil || sg == nil {
		t.Fatalf("acme's signer: %v, %v", sg, err)
	}
	msg := []byte("From: a@acme.test\r\nTo: b@x.test\r\nSubject: hi\r\n\r\nbody\r\n")
	fields, signed, err := sg.Sign(msg)
	if err != nil || !signed {
		t.Fatalf("Sign: %v signed=%v", err, signed)
	}
	if f := string(fields); !strings.Contains(f, "d=acme.test") || strings.Contains(f, "d=other.test") || !strings.Contains(f, "x=") {
		t.Fatalf("acme signs with another tenant's key or without x=:\n%s", f)
	}
	if sg, err := s.For([]string{"nobody.test"}); sg != nil || err != nil {
		t.Fatalf("a tenant without keys got %v, %v", sg, err)
	}
	withESP, err := LoadSigners(SignersConfig{ESPKeys: []KeyFile{{Domain: "esp.test", Selector: "e", File: edFile}}, RSAEngine: "go"})
	if err != nil {
		t.Fatal(err)
	}
	if sg, err := withESP.For([]string{"nobody.test"}); sg == nil || err != nil || withESP.OpenSSL() {
		t.Fatalf("ESP keys: signer %v, %v, OpenSSL %v", sg, err, withESP.OpenSSL())
	}
	_, err = LoadSigners(SignersConfig{ESPKeys: []KeyFile{{Domain: "esp.test", File: rsaFile + ".missing"}}, ESPName: "dkim.esp_key"})
	if err == nil || !strings.Contains(err.Error(), "dkim.esp_key[0]") {
		t.Fatalf("missing key file: %v", err)
	}
}
