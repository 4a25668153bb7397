// Package mtatest has test helpers for the mta packages and end-to-end
// tests: a recording sink MX (a real go-smtp server on loopback) and a
// submission client. It is imported only by tests and the bench tools.
package mtatest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Received is one message as the sink got it.
type Received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	Helo string
}

// SinkOptions configure a Sink. All fields are optional.
type SinkOptions struct {
	// Addr to listen on; default "127.0.0.1:0".
	Addr string
	// TLS offers STARTTLS with a throwaway self-signed certificate.
	TLS bool
	// BrokenTLS offers STARTTLS but fails every handshake (a receiver
	// with a broken certificate setup), for testing plaintext fallback.
	BrokenTLS bool
	// Rcpt decides each RCPT TO; nil accepts all. Return an *smtp.SMTPError
	// to choose the reply.
	Rcpt func(to string) error
	// Data decides each message after it was read; nil accepts all.
	// Rejected messages are not recorded.
	Data func(r Received) error
	// Limits, when set, makes the sink a throttling receiver (see Limits).
	Limits *Limits
}

// Sink is a recording SMTP server standing in for a receiver's MX.
type Sink struct {
	srv  *smtp.Server
	ln   net.Listener
	opts SinkOptions

	mu       sync.Mutex
	cond     *sync.Cond
	received []Received
	conns    int
	rcpts    int
	peers    map[string]int // remote IP → sessions
}

// NewSink starts a sink; it is closed by t.Cleanup.
func NewSink(t testing.TB, opts SinkOptions) *Sink {
	t.Helper()
	s, err := StartSink(opts)
	if err != nil {
		t.Fatalf("mtatest: start sink: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// StartSink starts a sink outside a test (the bench tools use it).
func StartSink(opts SinkOptions) (*Sink, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	s := &Sink{opts: opts}
	s.cond = sync.NewCond(&s.mu)
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "sink.test"
	srv.MaxMessageBytes = 64 << 20
	srv.EnableSMTPUTF8 = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.ErrorLog = nopLog{}
	if opts.TLS {
		cert, err := SelfSigned("sink.test")
		if err != nil {
			return nil, err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if opts.BrokenTLS {
		srv.TLSConfig = &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return nil, errors.New("mtatest: broken TLS on purpose")
		}}
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	s.srv, s.ln = srv, ln
	go srv.Serve(ln)
	return s, nil
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Port is the sink's port.
func (s *Sink) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Close stops the sink. It closes the listener itself too: a sink closed
// before Serve took the listener would otherwise accept on it for good.
func (s *Sink) Close() error {
	err := s.srv.Close()
	s.ln.Close()
	return err
}

// Messages returns a copy of what was received so far.
func (s *Sink) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Count returns how many messages and recipients were received.
func (s *Sink) Count() (messages, rcpts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.received), s.rcpts
}

// Connections returns how many sessions were opened.
func (s *Sink) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Peers returns how many sessions came from each remote IP.
func (s *Sink) Peers() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.peers {
		out[k] = v
	}
	return out
}

// WaitRcpts waits until at least n recipients were received or timeout
// passes, and returns the messages so far.
func (s *Sink) WaitRcpts(n int, timeout time.Duration) []Received {
	deadline := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer deadline.Stop()
	end := time.Now().Add(timeout)
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.rcpts < n && time.Now().Before(end) {
		s.cond.Wait()
	}
	return append([]Received(nil), s.received...)
}

func (s *Sink) newSession(c *smtp.Conn) (smtp.Session, error) {
	if l := s.opts.Limits; l != nil && !l.openConn() {
		return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many connections, try again later"}
	}
	s.mu.Lock()
	s.conns++
	if s.peers == nil {
		s.peers = map[string]int{}
	}
	if host, _, err := net.SplitHostPort(c.Conn().RemoteAddr().String()); err == nil {
		s.peers[host]++
	}
	s.mu.Unlock()
	_, tlsOn := c.TLSConnectionState()
	return &sinkSession{s: s, tls: tlsOn, helo: c.Hostname()}, nil
}

type sinkSession struct {
	s    *Sink
	tls  bool
	helo string
	from string
	to   []string
}

func (ss *sinkSession) Reset() { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error {
	if l := ss.s.opts.Limits; l != nil {
		l.closeConn()
	}
	return nil
}
func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if l := ss.s.opts.Limits; l != nil && !l.take() {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Rate limited, try again later"}
	}
	if f := ss.s.opts.Rcpt; f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	rec := Received{From: ss.from, To: append([]string(nil), ss.to...), Data: data, TLS: ss.tls, Helo: ss.helo}
	if f := ss.s.opts.Data; f != nil {
		if err := f(rec); err != nil {
			return err
		}
	}
	ss.s.mu.Lock()
	ss.s.received = append(ss.s.received, rec)
	ss.s.rcpts += len(rec.To)
	ss.s.cond.Broadcast()
	ss.s.mu.Unlock()
	return nil
}

type nopLog struct{}

func (nopLog) Printf(string, ...any) {}
func (nopLog) Println(...any)        {}

// SelfSigned makes a throwaway ECDSA certificate for host.
func SelfSigned(host string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{host}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// BodyAfterHeaders returns what follows the first empty line.
func BodyAfterHeaders(msg []byte) []byte {
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		return msg[i+4:]
	}
	return nil
}
