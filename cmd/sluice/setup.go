package main

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"sluice/configs"
	"sluice/internal/clock"
	"sluice/mta/submit"
)

// loadOrCreateTLS returns the submission TLS certificate: the configured
// files, or a self-signed ECDSA certificate generated once under
// data_dir/tls (fine for loopback development and for clients that pin it;
// production configs name a real certificate).
func loadOrCreateTLS(cfg *configs.Config) (*tls.Config, error) {
	certFile, keyFile := cfg.Submission.TLSCert, cfg.Submission.TLSKey
	if certFile == "" {
		dir := filepath.Join(cfg.DataDir, "tls")
		certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		if _, err := os.Stat(certFile); errors.Is(err, fs.ErrNotExist) {
			if err := writeSelfSigned(dir, certFile, keyFile, cfg.Hostname); err != nil {
				return nil, fmt.Errorf("generate TLS certificate: %w", err)
			}
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate %s: %w", certFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// writeSelfSigned stores a new self-signed certificate for host (see
// submit.SelfSignedPEM) in dir, the key with mode 0600.
func writeSelfSigned(dir, certFile, keyFile, host string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	certPEM, keyPEM, err := submit.SelfSignedPEM(host, clock.Now())
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, certPEM, 0o644)
}

// devTenant is the development tenant kept in data_dir/dev-tenant.json
// when the config names no tenants.
type devTenant struct {
	Username      string   `json:"username"`
	PasswordHash  string   `json:"password_hash"`
	SenderDomains []string `json:"sender_domains"`
}

// loadOrCreateDevTenant returns the development tenant, creating it (and
// printing its password, the only time it is shown) on first start.
func loadOrCreateDevTenant(dataDir string, out io.Writer) (*submit.Tenant, error) {
	path := filepath.Join(dataDir, "dev-tenant.json")
	raw, err := os.ReadFile(path)
	if err == nil {
		var dt devTenant
		if err := json.Unmarshal(raw, &dt); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		fmt.Fprintf(out, "sluice: development tenant %q (password shown at first start; delete %s to make a new one); may send from: %s\n",
			dt.Username, path, strings.Join(dt.SenderDomains, ", "))
		return &submit.Tenant{Name: "dev", Username: dt.Username, PasswordHash: dt.PasswordHash, SenderDomains: dt.SenderDomains}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	pw := randomToken(12)
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	dt := devTenant{Username: "dev", PasswordHash: string(hash), SenderDomains: []string{"example.com", "localhost"}}
	raw, _ = json.MarshalIndent(dt, "", "  ")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(out, "sluice: created development tenant: username %q password %q (shown once); may send from: %s\n",
		dt.Username, pw, strings.Join(dt.SenderDomains, ", "))
	return &submit.Tenant{Name: "dev", Username: dt.Username, PasswordHash: dt.PasswordHash, SenderDomains: dt.SenderDomains}, nil
}

// loadOrCreateAdminToken returns the configured admin token or the one in
// data_dir/admin.token, creating it on first start.
func loadOrCreateAdminToken(cfg *configs.Config) (string, error) {
	if cfg.Admin.Token != "" {
		return cfg.Admin.Token, nil
	}
	path := filepath.Join(cfg.DataDir, "admin.token")
	if raw, err := os.ReadFile(path); err == nil {
		if tok := strings.TrimSpace(string(raw)); tok != "" {
			return tok, nil
		}
	}
	tok := randomToken(24)
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return tok, nil
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
