package inbound

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"sluice/mta/mtatest"
	"sluice/queue"
)

// memInbox keeps returns in memory.
type memInbox struct {
	mu  sync.Mutex
	got []*queue.Return
}

func (m *memInbox) AddReturn(_ context.Context, r *queue.Return) error {
	m.mu.Lock()
	m.got = append(m.got, r)
	m.mu.Unlock()
	return nil
}

// TestInboundOffersSTARTTLS: with a TLS config the inbound MX advertises
// STARTTLS, a real client upgrades (RFC 3207) and hands over a complaint
// over TLS; without one it offers none.
func TestInboundOffersSTARTTLS(t *testing.T) {
	t.Parallel()
	cert, err := mtatest.SelfSigned("mx.test")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
	}{{"with certificate", &tls.Config{Certificates: []tls.Certificate{cert}}}, {"without", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inbox := &memInbox{}
			b := NewBackend(ServerConfig{Hostname: "mx.test", Domains: []string{"bounces.test"}, FBLLocalParts: []string{"fbl"},
				Inbox: inbox, TLSConfig: tc.cfg})
			srv := b.NewServer(nil)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve(ln)
			t.Cleanup(func() { srv.Close() })
			plain, err := smtp.Dial(ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			if err := plain.Hello("reporter.test"); err != nil {
				t.Fatal(err)
			}
			offered, _ := plain.Extension("STARTTLS")
			plain.Close()
			if offered != (tc.cfg != nil) {
				t.Fatalf("STARTTLS offered %v, want %v", offered, tc.cfg != nil)
			}
			if !offered {
				return
			}
			var served []string // the certificate names the server showed
			c, err := smtp.DialStartTLS(ln.Addr().String(), &tls.Config{ServerName: "mx.test", InsecureSkipVerify: true,
				VerifyConnection: func(cs tls.ConnectionState) error {
					served = append(cs.PeerCertificates[0].DNSNames, cs.PeerCertificates[0].Subject.CommonName)
					return nil
				}})
			if err != nil {
				t.Fatalf("STARTTLS: %v", err)
			}
			defer c.Close()
			msg := "From: fbl@isp.test\r\nSubject: complaint\r\n\r\nreport\r\n"
			if err := c.SendMail("fbl@isp.test", []string{"fbl@bounces.test"}, strings.NewReader(msg)); err != nil {
				t.Fatalf("send over TLS: %v", err)
			}
			// crypto/tls shakes hands on first use.
			if !slices.Contains(served, "mx.test") {
				t.Fatalf("handshake showed certificate names %v, want the configured mx.test", served)
			}
			inbox.mu.Lock()
			defer inbox.mu.Unlock()
			if len(inbox.got) != 1 || inbox.got[0].Rcpt != "fbl@bounces.test" {
				t.Fatalf("inbox holds %d returns, want the one sent over TLS", len(inbox.got))
			}
		})
	}
}
