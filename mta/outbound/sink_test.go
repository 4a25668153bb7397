package outbound

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// sinkConfig shapes a go-smtp sink server.
type sinkConfig struct {
	tls          bool                       // offer STARTTLS
	utf8         bool                       // advertise SMTPUTF8
	maxSize      int64                      // SIZE limit, 0 for none
	noPipelining bool                       // hide PIPELINING from the EHLO reply
	discard      bool                       // count messages instead of keeping them
	mailErr      *smtp.SMTPError            // reply to every MAIL
	rcptErr      map[string]*smtp.SMTPError // reply to RCPT, by address
	dataErr      *smtp.SMTPError            // reply to the end of data
}

// sinkMsg is one message the sink accepted.
type sinkMsg struct {
	from string
	opts smtp.MailOptions
	to   []string
	data []byte
	tls  bool
}

// sink is a go-smtp server on loopback with a recording backend.
type sink struct {
	addr string
	cert *x509.Certificate // the self-signed certificate, when cfg.tls
	cfg  sinkConfig

	mu       sync.Mutex
	msgs     []sinkMsg
	count    int
	sessions int
}

var _ smtp.Backend = (*sink)(nil)

// startSink starts a sink and stops it when the test ends.
func startSink(tb testing.TB, cfg sinkConfig) *sink {
	tb.Helper()
	s := &sink{cfg: cfg}
	srv := smtp.NewServer(s)
	srv.Domain = "sink.test"
	srv.EnableSMTPUTF8 = cfg.utf8
	srv.MaxMessageBytes = cfg.maxSize
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if cfg.tls {
		cert, tlsCert := selfSigned(tb)
		s.cert = cert
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{tlsCert}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.addr = l.Addr().String()
	if cfg.noPipelining {
		l = hidePipelining{l}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	tb.Cleanup(func() {
		srv.Close()
		l.Close() // in case Serve had not taken it yet
		<-done
	})
	return s
}

// NewSession implements smtp.Backend.
func (s *sink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &sinkSession{s: s, c: c}, nil
}

// messages returns a copy of what the sink accepted so far.
func (s *sink) messages() []sinkMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMsg(nil), s.msgs...)
}

type sinkSession struct {
	s   *sink
	c   *smtp.Conn
	cur sinkMsg
}

func (ss *sinkSession) Reset()        { ss.cur = sinkMsg{} }
func (ss *sinkSession) Logout() error { return nil }

func (ss *sinkSession) Mail(from string, opts *smtp.MailOptions) error {
	if ss.s.cfg.mailErr != nil {
		return ss.s.cfg.mailErr
	}
	ss.cur = sinkMsg{from: from}
	if opts != nil {
		ss.cur.opts = *opts
	}
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := ss.s.cfg.rcptErr[to]; e != nil {
		return e
	}
	ss.cur.to = append(ss.cur.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if ss.s.cfg.dataErr != nil {
		return ss.s.cfg.dataErr
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	ss.s.count++
	if !ss.s.cfg.discard {
		m := ss.cur
		m.data = data
		_, m.tls = ss.c.TLSConnectionState()
		ss.s.msgs = append(ss.s.msgs, m)
	}
	return nil
}

// hidePipelining removes PIPELINING from go-smtp's EHLO replies, which
// always carry it: go-smtp writes each reply in one Write, so the line is
// never split.
type hidePipelining struct{ net.Listener }

func (l hidePipelining) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return hidePipeliningConn{c}, nil
}

type hidePipeliningConn struct{ net.Conn }

func (c hidePipeliningConn) Write(p []byte) (int, error) {
	q := bytes.Replace(p, []byte("250-PIPELINING\r\n"), nil, 1)
	if _, err := c.Conn.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}

// selfSigned makes a certificate for mx.test and 127.0.0.1.
func selfSigned(tb testing.TB) (*x509.Certificate, tls.Certificate) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.test"},
		DNSNames:              []string{"mx.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return cert, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}
}

// connect dials addr and runs Handshake with host "mx.test"; the Client is
// closed when the test ends.
func connect(tb testing.TB, addr string, opts Options) *Client {
	tb.Helper()
	c, err := tryConnect(tb, addr, opts)
	if err != nil {
		tb.Fatalf("Handshake: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

func tryConnect(tb testing.TB, addr string, opts Options) (*Client, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	if opts.HelloName == "" {
		opts.HelloName = "client.test"
	}
	return Handshake(ctx, conn, "mx.test", opts)
}

// asError returns err's *Error, failing the test if there is none.
func asError(tb testing.TB, err error) *Error {
	tb.Helper()
	var e *Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return e
}

// testCtx is a context for one protocol exchange in tests: generous, so it
// only fires when something hangs.
func testCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	tb.Cleanup(cancel)
	return ctx
}
