package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sluice/configs"
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

func writeSelfSigned(dir, certFile, keyFile, host string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host, Organization: []string{"sluice self-signed"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{host, "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
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
