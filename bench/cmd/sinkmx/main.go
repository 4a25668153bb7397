// Command sinkmx is a counting SMTP sink standing in for receivers' MX in
// load tests: it accepts every recipient, reads and discards each message,
// and counts with atomics only, so that it is never the bottleneck. It
// advertises PIPELINING (go-smtp does; RFC 2920) and, with -tls, STARTTLS
// (RFC 3207) with a throwaway self-signed certificate, or with the
// certificate of -tls-cert and -tls-key (a test CA's, for senders that
// verify it).
//
// It exits once -expect messages were received (status 0), or when
// -timeout passes or on SIGINT/SIGTERM (status 1), and prints one JSON
// line:
//
//	{"received":…,"rcpts":…,"first_unix_ns":…,"last_unix_ns":…,"connections":…}
//
// first_unix_ns and last_unix_ns are when the first and the last message's
// data had been read in full.
//
// Usage:
//
//	sinkmx -addr 127.0.0.1:2626 -expect 20000 -timeout 10m [-addr-file F] [-check-dkim]
//	       [-tls | -tls-cert CERT.pem -tls-key KEY.pem]
//
// With -check-dkim it also counts, per message, the DKIM-Signature header
// fields (it does not verify them) and adds "dkim_signed" (messages with
// at least one) and "dkim_dual" (with at least two) to the JSON line.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
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

	"sluice/mta/mtatest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	addr     string
	addrFile string
	expect   int64
	timeout  time.Duration
	tls      bool
	certFile string
	keyFile  string
	linger   time.Duration
	dkim     bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("sinkmx", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:2626", "listen address (port 0: any free port; see -addr-file)")
	fs.StringVar(&o.addrFile, "addr-file", "", "write the bound host:port to this file once listening")
	fs.Int64Var(&o.expect, "expect", 1000, "exit 0 once this many messages were received")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "exit 1 if -expect is not reached by then")
	fs.BoolVar(&o.tls, "tls", false, "offer STARTTLS with a self-signed certificate")
	fs.StringVar(&o.certFile, "tls-cert", "", "offer STARTTLS with this PEM certificate chain (with -tls-key)")
	fs.StringVar(&o.keyFile, "tls-key", "", "the PEM private key of -tls-cert")
	fs.BoolVar(&o.dkim, "check-dkim", false, "count DKIM-Signature header fields per message (dkim_signed, dkim_dual in the JSON line)")
	fs.DurationVar(&o.linger, "linger", 250*time.Millisecond, "keep serving this long after -expect, so the last replies reach the sender")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.expect < 1:
		return o, errors.New("-expect: want at least 1")
	case o.timeout <= 0:
		return o, errors.New("-timeout must be positive")
	case (o.certFile == "") != (o.keyFile == ""):
		return o, errors.New("-tls-cert and -tls-key go together")
	case o.linger < 0 || o.linger > time.Minute:
		return o, errors.New("-linger: want 0..1m")
	}
	return o, nil
}

// counters are shared by every session; atomics only, no locks.
type counters struct {
	expect      int64
	received    atomic.Int64
	rcpts       atomic.Int64
	connections atomic.Int64
	first, last atomic.Int64 // unix ns
	dkimSigned  atomic.Int64 // messages with at least one DKIM-Signature field (-check-dkim)
	dkimDual    atomic.Int64 // … with at least two
	done        chan struct{}
	doneOnce    sync.Once
}

// message counts one message whose data was read in full.
func (c *counters) message(rcpts int) {
	now := time.Now().UnixNano()
	c.first.CompareAndSwap(0, now)
	for { // last = max(last, now); bounded: each retry means last grew
		old := c.last.Load()
		if old >= now || c.last.CompareAndSwap(old, now) {
			break
		}
	}
	c.rcpts.Add(int64(rcpts))
	if c.received.Add(1) == c.expect {
		c.doneOnce.Do(func() { close(c.done) })
	}
}

// summary is the JSON line.
type summary struct {
	Received    int64  `json:"received"`
	Rcpts       int64  `json:"rcpts"`
	FirstUnixNs int64  `json:"first_unix_ns"`
	LastUnixNs  int64  `json:"last_unix_ns"`
	Connections int64  `json:"connections"`
	DKIMSigned  *int64 `json:"dkim_signed,omitempty"` // with -check-dkim
	DKIMDual    *int64 `json:"dkim_dual,omitempty"`
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "sinkmx: %v\n", err)
		}
		return 2
	}
	c := &counters{expect: o.expect, done: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		c.connections.Add(1)
		return &sinkSession{c: c, dkim: o.dkim}, nil
	}))
	srv.Domain = "sinkmx.test"
	srv.MaxMessageBytes = 64 << 20
	srv.MaxRecipients = 0 // no limit
	srv.EnableSMTPUTF8 = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.ErrorLog = nopLog{}
	switch {
	case o.certFile != "":
		cert, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
		if err != nil {
			fmt.Fprintf(stderr, "sinkmx: -tls-cert: %v\n", err)
			return 1
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	case o.tls:
		cert, err := mtatest.SelfSigned("sinkmx.test")
		if err != nil {
			fmt.Fprintf(stderr, "sinkmx: certificate: %v\n", err)
			return 1
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintf(stderr, "sinkmx: %v\n", err)
		return 1
	}
	if o.addrFile != "" {
		if err := writeAddr(o.addrFile, ln.Addr().String()); err != nil {
			ln.Close()
			fmt.Fprintf(stderr, "sinkmx: -addr-file: %v\n", err)
			return 1
		}
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	timer := time.NewTimer(o.timeout)
	defer timer.Stop()
	code := 0
	select {
	case <-c.done:
		time.Sleep(o.linger) // let the last 250 replies go out
	case <-timer.C:
		fmt.Fprintf(stderr, "sinkmx: timeout after %s: received %d of %d\n", o.timeout, c.received.Load(), o.expect)
		code = 1
	case <-ctx.Done():
		fmt.Fprintf(stderr, "sinkmx: interrupted: received %d of %d\n", c.received.Load(), o.expect)
		code = 1
	case err := <-served:
		fmt.Fprintf(stderr, "sinkmx: serve: %v\n", err)
		code = 1
	}
	srv.Close()
	sum := summary{
		Received: c.received.Load(), Rcpts: c.rcpts.Load(),
		FirstUnixNs: c.first.Load(), LastUnixNs: c.last.Load(),
		Connections: c.connections.Load(),
	}
	if o.dkim {
		signed, dual := c.dkimSigned.Load(), c.dkimDual.Load()
		sum.DKIMSigned, sum.DKIMDual = &signed, &dual
	}
	line, _ := json.Marshal(sum)
	fmt.Fprintf(stdout, "%s\n", line)
	return code
}

// writeAddr writes addr to path atomically (a reader never sees half of
// it).
func writeAddr(path, addr string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// sinkSession accepts everything and keeps only a recipient count.
type sinkSession struct {
	c     *counters
	rcpts int
	dkim  bool // count DKIM-Signature fields
}

var _ smtp.Session = (*sinkSession)(nil)

func (s *sinkSession) Reset()        { s.rcpts = 0 }
func (s *sinkSession) Logout() error { return nil }

func (s *sinkSession) Mail(string, *smtp.MailOptions) error {
	s.rcpts = 0
	return nil
}

func (s *sinkSession) Rcpt(string, *smtp.RcptOptions) error {
	s.rcpts++
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	sigs := 0
	if s.dkim {
		br := bufio.NewReader(r)
		var err error
		if sigs, err = countDKIM(br); err != nil {
			return err
		}
		r = br
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err // the message was cut short: not counted
	}
	if sigs >= 1 {
		s.c.dkimSigned.Add(1)
	}
	if sigs >= 2 {
		s.c.dkimDual.Add(1)
	}
	s.c.message(s.rcpts)
	return nil
}

// countDKIM reads the header section from r (up to the empty line, 1 MiB
// at most) and counts the DKIM-Signature fields (RFC 6376 §3.5; field
// names are case-insensitive, RFC 5322 §2.2; continuation lines start with
// WSP so never match). The rest of the message is left in r.
func countDKIM(r *bufio.Reader) (int, error) {
	name := []byte("dkim-signature:")
	n, read, start := 0, 0, true
	for read < 1<<20 {
		line, err := r.ReadSlice('\n')
		read += len(line)
		if start {
			l := bytes.TrimRight(line, "\r\n")
			if len(l) == 0 && err == nil {
				return n, nil // the empty line: end of the header section
			}
			if len(l) >= len(name) && bytes.EqualFold(l[:len(name)], name) {
				n++
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			start = false // a long line: its rest is not a field's start
			continue
		case errors.Is(err, io.EOF):
			return n, nil // headers only
		case err != nil:
			return n, err
		}
		start = true
	}
	return n, nil
}

type nopLog struct{}

func (nopLog) Printf(string, ...any) {}
func (nopLog) Println(...any)        {}
