package submit_test

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"

	"sluice/internal/clock"
	"sluice/mta/submit"
)

// The certificate loads as a key pair and verifies, against itself as the
// root, for the host name, localhost and 127.0.0.1, from an hour before
// the injected now for five years.
func TestSelfSignedPEM(t *testing.T) {
	t.Parallel()
	now := clock.Now()
	certPEM, keyPEM, err := submit.SelfSignedPEM("mta.example.com", now)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	for _, tc := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"mta.example.com", now, true},
		{"localhost", now.Add(-30 * time.Minute), true},
		{"127.0.0.1", now.AddDate(4, 11, 0), true},
		{"other.example.com", now, false},
		{"mta.example.com", now.Add(-2 * time.Hour), false},
		{"mta.example.com", now.AddDate(5, 0, 1), false},
	} {
		_, err := cert.Verify(x509.VerifyOptions{DNSName: tc.name, Roots: roots, CurrentTime: tc.at,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if (err == nil) != tc.ok {
			t.Errorf("%s at now%+v: verify %v, want ok %v", tc.name, tc.at.Sub(now), err, tc.ok)
		}
	}
}
