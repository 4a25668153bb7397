// Command stsworld is the receiving side's DNS and PKI for a benchmark of
// verified outbound TLS (bench/tlsverify.sh): a test CA, a certificate for
// the sink MX's host name signed by it, a DNS server (mta/mx/dnstest) that
// answers the sink domain's MX and its MTA-STS TXT record (RFC 8461 §3.1),
// and the HTTPS policy server (§3.2) on -policy-addr, port 443 as the RFC
// fixes it.
//
//	stsworld -dir D -domain sink.example -policy-addr 127.8.8.8:443 [-mode enforce]
//
// It writes into -dir: ca.pem (the CA to trust: delivery.tls_ca_file),
// mx.pem and mx.key (the sink's certificate for mx.<domain>), hosts (one
// line mapping mta-sts.<domain> to the policy server's address: the
// sender resolves that name with the system's resolver, so the benchmark
// runs it with this file bound over /etc/hosts in its own mount
// namespace) and dns.addr (the DNS server's "ip:port", written last: the
// world is ready once it exists). Every 200 ms and at exit it writes
// stats.json: policy fetches served and DNS queries per name and type,
// so that a run can show the policy was fetched once and cached. It runs
// until SIGINT or SIGTERM.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"sluice/mta/mx/dnstest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "stsworld:", err)
		os.Exit(1)
	}
}

// options are the command-line flags.
type options struct {
	dir, domain, policyAddr, mode string
	maxAge                        int
}

func run() error {
	var o options
	flag.StringVar(&o.dir, "dir", "", "directory for ca.pem, mx.pem, mx.key, hosts, dns.addr, stats.json (required)")
	flag.StringVar(&o.domain, "domain", "sink.example", "the receiving domain")
	flag.StringVar(&o.policyAddr, "policy-addr", "127.8.8.8:443", "where the HTTPS policy server listens (RFC 8461: port 443)")
	flag.StringVar(&o.mode, "mode", "enforce", "the policy's mode: enforce, testing or none")
	flag.IntVar(&o.maxAge, "max-age", 86400, "the policy's max_age, seconds")
	flag.Parse()
	if o.dir == "" {
		return errors.New("-dir is required")
	}
	mxHost, stsHost := "mx."+o.domain, "mta-sts."+o.domain
	ca, err := newCA()
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(o.dir, "ca.pem"), "CERTIFICATE", ca.cert.Raw); err != nil {
		return err
	}
	mxCert, err := ca.leaf(mxHost)
	if err != nil {
		return err
	}
	if err := writeKeyPair(o.dir, "mx", mxCert); err != nil {
		return err
	}
	stsCert, err := ca.leaf(stsHost)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(o.policyAddr)
	if err != nil {
		return fmt.Errorf("-policy-addr: %w", err)
	}
	if err := os.WriteFile(filepath.Join(o.dir, "hosts"), []byte(host+" "+stsHost+"\n"), 0o644); err != nil {
		return err
	}

	// The policy server (RFC 8461 §3.2, §3.3: text/plain, 200).
	var fetches atomic.Int64
	policy := fmt.Sprintf("version: STSv1\r\nmode: %s\r\nmx: %s\r\nmax_age: %d\r\n", o.mode, mxHost, o.maxAge)
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/mta-sts.txt", func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, policy)
	})
	ln, err := net.Listen("tcp", o.policyAddr)
	if err != nil {
		return fmt.Errorf("policy server: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{stsCert}, MinVersion: tls.VersionTLS12}}
	go hs.ServeTLS(ln, "", "")
	defer hs.Close()

	// DNS: the MX, its address, the MTA-STS TXT record.
	ds, err := dnstest.Start()
	if err != nil {
		return err
	}
	defer ds.Close()
	ds.AddMX(o.domain, 10, mxHost)
	ds.AddA(mxHost, "127.0.0.1")
	ds.AddA(stsHost, host)
	ds.AddTXT("_mta-sts."+o.domain, "v=STSv1; id=bench1;")

	statsFile := filepath.Join(o.dir, "stats.json")
	writeStats := func() error {
		st := map[string]int64{
			"policy_fetches": fetches.Load(),
			"dns_mx":         int64(ds.Queries(o.domain, dns.TypeMX)),
			"dns_a_mx":       int64(ds.Queries(mxHost, dns.TypeA)),
			"dns_txt_sts":    int64(ds.Queries("_mta-sts."+o.domain, dns.TypeTXT)),
			"unix_ns":        time.Now().UnixNano(),
		}
		b, _ := json.Marshal(st)
		tmp := statsFile + ".tmp"
		if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, statsFile)
	}
	if err := writeStats(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.dir, "dns.addr"), []byte(ds.Addr()+"\n"), 0o644); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return writeStats()
		case <-tick.C:
			if err := writeStats(); err != nil {
				return err
			}
		}
	}
}

// ca is a throwaway certificate authority.
type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA() (*ca, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sluice bench CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &ca{cert: cert, key: key}, nil
}

// leaf issues a server certificate for name.
func (c *ca) leaf(name string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate for %s: %w", name, err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// writeKeyPair writes cert's chain and key as DIR/NAME.pem and NAME.key.
func writeKeyPair(dir, name string, cert tls.Certificate) error {
	if err := writePEM(filepath.Join(dir, name+".pem"), "CERTIFICATE", cert.Certificate[0]); err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, name+".key"), "PRIVATE KEY", der)
}

func writePEM(path, typ string, der []byte) error {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
