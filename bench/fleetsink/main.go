// Command fleetsink is the receiving MX of bench/fleet.sh: a counting
// SMTP sink (accepts everything, discards the data) that also counts the
// connections open at once, from the TCP accept to the close, so that the
// benchmark can hold several nodes' connections together against a
// site's limit. Each message's data may be held -hold before the 250, so
// that connections overlap even when the sink is fast.
//
// It exits once -expect messages were received (status 0), or at -timeout
// or SIGINT/SIGTERM (status 1), and prints one JSON line:
//
//	{"received":…,"first_unix_ns":…,"last_unix_ns":…,"connections":…,"peak_connections":…}
//
// Usage:
//
//	fleetsink -addr 127.0.0.1:0 -addr-file F -expect 3000 -timeout 5m [-hold 2ms]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// counters are shared by every session.
type counters struct {
	expect         int64
	received       atomic.Int64
	first, last    atomic.Int64 // unix ns of the first and last message read in full
	connections    atomic.Int64 // accepted in all
	open, peakOpen atomic.Int64 // open now; most open at once
	done           chan struct{}
	doneOnce       sync.Once
}

func (c *counters) message() {
	now := time.Now().UnixNano()
	c.first.CompareAndSwap(0, now)
	for old := c.last.Load(); old < now && !c.last.CompareAndSwap(old, now); old = c.last.Load() {
	}
	if c.received.Add(1) == c.expect {
		c.doneOnce.Do(func() { close(c.done) })
	}
}

// countingListener counts connections from accept to close.
type countingListener struct {
	net.Listener
	c *counters
}

func (l countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.c.connections.Add(1)
	open := l.c.open.Add(1)
	for p := l.c.peakOpen.Load(); open > p && !l.c.peakOpen.CompareAndSwap(p, open); p = l.c.peakOpen.Load() {
	}
	return &countedConn{Conn: conn, c: l.c}, nil
}

type countedConn struct {
	net.Conn
	c    *counters
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.c.open.Add(-1) })
	return c.Conn.Close()
}

type session struct {
	c    *counters
	hold time.Duration
}

func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *session) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	if s.hold > 0 {
		time.Sleep(s.hold) // a receiver's processing time: connections overlap
	}
	s.c.message()
	return nil
}

type summary struct {
	Received        int64 `json:"received"`
	FirstUnixNs     int64 `json:"first_unix_ns"`
	LastUnixNs      int64 `json:"last_unix_ns"`
	Connections     int64 `json:"connections"`
	PeakConnections int64 `json:"peak_connections"`
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fleetsink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	addrFile := fs.String("addr-file", "", "write the bound host:port here once listening")
	expect := fs.Int64("expect", 1000, "exit 0 once this many messages were received")
	timeout := fs.Duration("timeout", 5*time.Minute, "exit 1 if -expect is not reached by then")
	hold := fs.Duration("hold", 0, "wait this long after each message's data before the 250")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *expect < 1 || *timeout <= 0 || *hold < 0 || *hold > time.Minute || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "fleetsink: bad flags (-expect ≥ 1, -timeout > 0, -hold 0..1m, no arguments)")
		return 2
	}
	c := &counters{expect: *expect, done: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{c: c, hold: *hold}, nil
	}))
	srv.Domain = "fleetsink.test"
	srv.MaxMessageBytes = 64 << 20
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "fleetsink: %v\n", err)
		return 1
	}
	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644)
		if err == nil {
			err = os.Rename(tmp, *addrFile)
		}
		if err != nil {
			fmt.Fprintf(stderr, "fleetsink: -addr-file: %v\n", err)
			return 1
		}
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(countingListener{ln, c}) }()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	code := 0
	select {
	case <-c.done:
		time.Sleep(250 * time.Millisecond) // the last replies reach the senders
	case <-time.After(*timeout):
		fmt.Fprintf(stderr, "fleetsink: timeout: received %d of %d\n", c.received.Load(), *expect)
		code = 1
	case <-ctx.Done():
		fmt.Fprintf(stderr, "fleetsink: interrupted: received %d of %d\n", c.received.Load(), *expect)
		code = 1
	case err := <-served:
		fmt.Fprintf(stderr, "fleetsink: serve: %v\n", err)
		code = 1
	}
	srv.Close()
	line, _ := json.Marshal(summary{Received: c.received.Load(), FirstUnixNs: c.first.Load(), LastUnixNs: c.last.Load(),
		Connections: c.connections.Load(), PeakConnections: c.peakOpen.Load()})
	fmt.Fprintf(stdout, "%s\n", line)
	return code
}
