package submit

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"sluice/internal/clock"
)

// TLSFiles says where the submission server's certificate is: the
// configured files, or a self-signed certificate (SelfSignedPEM) kept
// under Dir and generated there on first start.
type TLSFiles struct {
	// CertFile and KeyFile are PEM files (submission.tls_cert and
	// tls_key); when CertFile is empty the self-signed certificate is used.
	CertFile, KeyFile string
	// Dir holds the self-signed cert.pem and key.pem (data_dir/tls).
	Dir string
	// Host is the self-signed certificate's name (hostname).
	Host string
	// Now dates a new self-signed certificate. Default clock.Now.
	Now func() time.Time
}

// Load returns the server TLS configuration (TLS 1.2 at least) over the
// configured certificate, or over the self-signed one, creating it (the
// key with mode 0600) when Dir has none yet. An existing self-signed
// certificate is kept, so clients that pinned it go on trusting it.
func (f TLSFiles) Load() (*tls.Config, error) {
	certFile, keyFile := f.CertFile, f.KeyFile
	if certFile == "" {
		certFile, keyFile = filepath.Join(f.Dir, "cert.pem"), filepath.Join(f.Dir, "key.pem")
		if _, err := os.Stat(certFile); errors.Is(err, fs.ErrNotExist) {
			if err := f.writeSelfSigned(certFile, keyFile); err != nil {
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

// writeSelfSigned stores a new self-signed certificate for f.Host in
// f.Dir, the key with mode 0600.
func (f TLSFiles) writeSelfSigned(certFile, keyFile string) error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return err
	}
	now := f.Now
	if now == nil {
		now = clock.Now
	}
	certPEM, keyPEM, err := SelfSignedPEM(f.Host, now())
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, certPEM, 0o644)
}
