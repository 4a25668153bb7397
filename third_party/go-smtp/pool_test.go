package smtp_test

// Tests for sluice's pooled connection buffers (SLUICE.patch): a buffer
// is never shared by two live connections, and STARTTLS still discards
// what the client sent ahead of the handshake.

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// echoBackend's sessions refuse a message whose body is not the line
// "body of <sender>" repeated, so a buffer shared between connections
// shows as a refusal.
type echoBackend struct{}

func (echoBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &echoSession{}, nil }

type echoSession struct{ from string }

func (s *echoSession) Reset()        {}
func (s *echoSession) Logout() error { return nil }
func (s *echoSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *echoSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *echoSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if want := bodyOf(s.from); string(b) != want {
		return fmt.Errorf("body of %s is %.40q…, want %.40q…", s.from, b, want)
	}
	return nil
}

func bodyOf(from string) string { return strings.Repeat("body of "+from+"\r\n", 200) }

func startEchoServer(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := smtp.NewServer(echoBackend{})
	s.Domain = "localhost"
	s.TLSConfig = cfg
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return l.Addr().String()
}

// Many clients at once, each connecting for every message (as Postfix's
// smtp-source does), some dropping the connection mid-message: every
// message that is sent whole is accepted with its own body.
func TestServer_PooledBuffersNotShared(t *testing.T) {
	addr := startEchoServer(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for g := 0; g < 20; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				from := fmt.Sprintf("c%d-m%d@example.test", g, i)
				if err := sendOne(addr, from, i%5 == 4); err != nil {
					errs <- err
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// sendOne sends one message on a new connection; with drop it closes the
// connection half-way through the body instead.
func sendOne(addr, from string, drop bool) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	expect := func(code string) error {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return fmt.Errorf("%s: waiting for %s: %v", from, code, err)
			}
			if !strings.HasPrefix(line, code) {
				return fmt.Errorf("%s: got %q, want %s", from, line, code)
			}
			if len(line) > 3 && line[3] == ' ' {
				return nil
			}
		}
	}
	body := bodyOf(from)
	steps := []struct{ send, code string }{
		{"", "220"}, {"HELO client\r\n", "250"}, {"MAIL FROM:<" + from + ">\r\n", "250"},
		{"RCPT TO:<r@example.test>\r\n", "250"}, {"DATA\r\n", "354"},
	}
	for _, s := range steps {
		if s.send != "" {
			if _, err := io.WriteString(c, s.send); err != nil {
				return err
			}
		}
		if err := expect(s.code); err != nil {
			return err
		}
	}
	if drop {
		_, err := io.WriteString(c, body[:len(body)/2])
		return err
	}
	if _, err := io.WriteString(c, body+".\r\nQUIT\r\n"); err != nil {
		return err
	}
	if err := expect("250"); err != nil {
		return err
	}
	return expect("221")
}

// Commands the client pipelines behind STARTTLS are discarded, not run
// inside the TLS session (the buffer they sat in is given back, emptied).
func TestServer_STARTTLSDiscardsPipelinedCommands(t *testing.T) {
	addr := startEchoServer(t, &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	readReply := func() string {
		var last string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("reading a reply: %v (so far %q)", err, last)
			}
			if last = line; len(line) > 3 && line[3] == ' ' {
				return strings.TrimSpace(line)
			}
		}
	}
	readReply() // 220
	io.WriteString(c, "EHLO client\r\n")
	readReply()
	// The injected command rides in the same packet as STARTTLS.
	io.WriteString(c, "STARTTLS\r\nXYZZY\r\n")
	if r := readReply(); !strings.HasPrefix(r, "220") {
		t.Fatalf("STARTTLS: %q", r)
	}
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	tr := bufio.NewReader(tc)
	io.WriteString(tc, "EHLO client\r\nMAIL FROM:<real@example.test>\r\n")
	var replies []string
	for len(replies) < 2 {
		line, err := tr.ReadString('\n')
		if err != nil {
			t.Fatalf("after STARTTLS: %v (replies %q)", err, replies)
		}
		if len(line) > 3 && line[3] == ' ' {
			replies = append(replies, strings.TrimSpace(line))
		}
	}
	// Had the injected command run, the first reply would be its 500.
	if !strings.HasPrefix(replies[0], "250") || !strings.HasPrefix(replies[1], "250") {
		t.Fatalf("replies after STARTTLS %q, want EHLO's then MAIL's 250", replies)
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
