package guard

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testBackend is a trivial go-smtp backend wired the way mta/submit is to
// be: AUTH PLAIN ("user"/"secret") through a Throttle when one is set,
// marking the guard connection authenticated on success.
type testBackend struct {
	th      *Throttle
	checks  atomic.Int64 // password verifications run
	mu      sync.Mutex
	remotes []string // RemoteAddr seen by each session
}

func (b *testBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.mu.Lock()
	b.remotes = append(b.remotes, c.Conn().RemoteAddr().String())
	b.mu.Unlock()
	s := &testSession{b: b, c: c}
	if b.th != nil {
		s.auth = b.th.Session(addrOf(c.Conn().RemoteAddr()))
	}
	return s, nil
}

func (b *testBackend) seen() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.remotes...)
}

type testSession struct {
	b    *testBackend
	c    *smtp.Conn
	auth *Session
}

var errBadPassword = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}

func (s *testSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *testSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		refused := func(err error) error {
			r, _ := IsRefusal(err)
			if r.Hangup {
				Hangup(s.c.Conn())
			}
			return r.SMTPError()
		}
		var att *Attempt
		if s.auth != nil {
			var err error
			if att, err = s.auth.Begin(context.Background(), user); err != nil {
				return refused(err)
			}
			release, err := att.Acquire()
			if err != nil {
				att.Abandon()
				return refused(err)
			}
			defer release()
		}
		s.b.checks.Add(1)
		if user != "user" || pass != "secret" {
			if att != nil {
				if err := att.Failed(); err != nil {
					return refused(err)
				}
			}
			return errBadPassword
		}
		if att != nil {
			att.Succeeded()
		}
		Authenticated(s.c.Conn())
		return nil
	}), nil
}

func (s *testSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *testSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *testSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	Progress(s.c.Conn()) // a message accepted, as the inbound MX does
	return nil
}
func (s *testSession) Reset()        {}
func (s *testSession) Logout() error { return nil }

// serve runs a go-smtp server over a guard Listener on 127.0.0.1:0.
func serve(t *testing.T, cfg ListenerConfig, th *Throttle) (*Listener, *testBackend) {
	t.Helper()
	return serveWith(t, cfg, th, nil)
}

// serveWith is serve with the go-smtp server passed to opt before it
// starts (a TLS config…).
func serveWith(t *testing.T, cfg ListenerConfig, th *Throttle, opt func(*smtp.Server)) (*Listener, *testBackend) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l, err := Listen(inner, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := &testBackend{th: th}
	s := smtp.NewServer(b)
	s.Domain = "guard.test"
	s.ReadTimeout, s.WriteTimeout = time.Minute, time.Minute
	s.AllowInsecureAuth = true
	s.ErrorLog = discardLog{}
	if opt != nil {
		opt(s)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(l)
	}()
	t.Cleanup(func() {
		s.Close()
		<-done
	})
	return l, b
}

type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}

// client is a raw SMTP client line reader/writer.
type client struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

// dialFrom connects to l from the loopback address src ("127.0.0.2"…).
func dialFrom(t *testing.T, l *Listener, src string) *client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

// line reads one reply line (10s at most).
func (c *client) line() string {
	c.t.Helper()
	_ = c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	s, err := c.br.ReadString('\n')
	if err != nil {
		c.t.Fatalf("reading reply: %v (got %q)", err, s)
	}
	return strings.TrimRight(s, "\r\n")
}

// cmd sends a line and returns the last line of the reply.
func (c *client) cmd(line string) string {
	c.t.Helper()
	if _, err := io.WriteString(c.c, line+"\r\n"); err != nil {
		c.t.Fatalf("writing %q: %v", line, err)
	}
	for {
		r := c.line()
		if len(r) < 4 || r[3] != '-' {
			return r
		}
	}
}

// closed reports whether the server has closed the connection (EOF
// within 10s, after any remaining lines).
func (c *client) closed() bool {
	_ = c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.ReadAll(c.br)
	return err == nil || errors.Is(err, net.ErrClosed)
}

func plain(user, pass string) string {
	return "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass))
}

// waitStats waits (10s at most) until l's stats equal want: connection
// closes are seen by the server asynchronously.
func waitStats(t *testing.T, l *Listener, want Stats) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := l.Stats()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Stats() = %+v, want %+v", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// counter counts metric calls by label.
type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counter) inc(label string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[label]++
}

func (c *counter) get(label string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[label]
}
