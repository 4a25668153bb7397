package submit

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sluice/queue"
)

// memSpool is an in-memory Spool: the interface is the seam, and the
// real spool has its own tests.
type memSpool struct {
	next atomic.Uint64
	mu   sync.Mutex
	msgs []*queue.Message
}

func (s *memSpool) NewID() queue.ID { return queue.ID(s.next.Add(1)) }

func (s *memSpool) Enqueue(_ context.Context, ms ...*queue.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range ms {
		c := *m
		c.Body = append([]byte(nil), m.Body...) // the session reuses its buffers
		s.msgs = append(s.msgs, &c)
	}
	return nil
}

func (s *memSpool) messages() []*queue.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*queue.Message(nil), s.msgs...)
}

// testPassword is every test tenant's password.
const testPassword = "secret"

// testServer is a submission server on loopback with an in-memory spool,
// counting rejections by reason.
type testServer struct {
	addr  string
	b     *Backend
	spool *memSpool
	mu    sync.Mutex
	rej   map[string]int
}

func (ts *testServer) rejected(reason string) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.rej[reason]
}

// startServer runs a submission server for tenants (each with password
// testPassword; plaintext AUTH on loopback) and stops it when the test
// ends. cfg's Tenants, Spool, Metrics, Logger and Now are set here.
func startServer(t *testing.T, cfg Config, tenants ...*Tenant) *testServer {
	t.Helper()
	return startServerOn(t, nil, cfg, tenants...)
}

// startServerOn is startServer with the listener passed through wrap
// (nil: as it is), for a guard in front.
func startServerOn(t *testing.T, wrap func(net.Listener) net.Listener, cfg Config, tenants ...*Tenant) *testServer {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range tenants {
		tn.PasswordHash = string(hash)
	}
	ts := &testServer{spool: &memSpool{}, rej: map[string]int{}}
	now := time.Unix(1795000000, 0)
	cfg.Hostname = "submit.test"
	cfg.Tenants = tenants
	cfg.Spool = ts.spool
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Now = func() time.Time { return now }
	cfg.AllowPlaintextAuthOnLoopback = true
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = 1 << 20
	}
	cfg.Metrics.Rejected = func(reason string) {
		ts.mu.Lock()
		ts.rej[reason]++
		ts.mu.Unlock()
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.b = b
	srv := b.NewServer(nil, 10*time.Second, 10*time.Second)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	if wrap != nil {
		l = wrap(l)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		// A test that ends before Serve took the listener would leave
		// Serve accepting on it for good (Close found nothing to close).
		l.Close()
		<-done
	})
	return ts
}

// rawClient speaks SMTP byte for byte, for input no client library would
// send.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// dialRaw connects, reads the greeting and says EHLO.
func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second)) // a stuck test fails instead of hanging
	c := &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	c.want(c.reply(), "220")
	c.want(c.cmd("EHLO client.test"), "250")
	return c
}

// login authenticates as user with AUTH PLAIN.
func (c *rawClient) login(user string) *rawClient {
	c.t.Helper()
	cred := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + testPassword))
	c.want(c.cmd("AUTH PLAIN "+cred), "235")
	return c
}

// cmd sends one command line (CRLF added) and returns the reply.
func (c *rawClient) cmd(line string) string {
	c.t.Helper()
	c.write(line + "\r\n")
	return c.reply()
}

func (c *rawClient) write(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// reply reads one reply, all its lines joined by "\n", without CRLFs.
func (c *rawClient) reply() string {
	c.t.Helper()
	var lines []string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read reply: %v (after %q)", err, lines)
		}
		l = strings.TrimRight(l, "\r\n")
		lines = append(lines, l)
		if len(l) < 4 || l[3] != '-' {
			return strings.Join(lines, "\n")
		}
	}
}

// want fails the test unless reply starts with prefix.
func (c *rawClient) want(reply, prefix string) {
	c.t.Helper()
	if !strings.HasPrefix(reply, prefix) {
		c.t.Fatalf("reply %q, want %s…", reply, prefix)
	}
}

// send runs one transaction: MAIL FROM:<from>, RCPT TO:<to>, DATA, then
// data written as it is (it must hold its own terminating "\r\n.\r\n"),
// and returns the final reply.
func (c *rawClient) send(from, to, data string) string {
	c.t.Helper()
	c.want(c.cmd("MAIL FROM:<"+from+">"), "250")
	c.want(c.cmd("RCPT TO:<"+to+">"), "250")
	c.want(c.cmd("DATA"), "354")
	c.write(data)
	return c.reply()
}
