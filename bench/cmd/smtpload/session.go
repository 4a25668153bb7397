package main

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// loadConfig is what every session needs to know.
type loadConfig struct {
	addr       string
	n          int
	from       string
	user, pass string // empty: no STARTTLS, no AUTH
	msgs       *messages
	// opTimeout bounds each SMTP command's reply and the connection set-up.
	opTimeout time.Duration
	// With interval > 0, message i is not started before start + i×interval.
	start    time.Time
	interval time.Duration
}

// tally is what one session observed; sessions own theirs, the run merges
// them after every session ended.
type tally struct {
	sent, accepted int
	errors         map[string]int
	latencies      []time.Duration
}

func (t *tally) fail(kind string) {
	if t.errors == nil {
		t.errors = make(map[string]int)
	}
	t.errors[kind]++
}

// session sends messages over one connection, message after message
// (MAIL, RCPT, DATA each time, no RSET unless a transaction failed), until
// the shared counter next reaches cfg.n or ctx ends. A broken connection
// is replaced by a new one.
type session struct {
	cfg  *loadConfig
	next *atomic.Int64
	t    tally

	conn net.Conn
	c    *smtp.Client
	stop func() bool // unregisters the context.AfterFunc that closes conn
}

func (s *session) run(ctx context.Context) {
	defer s.hangUp(true)
	backoff := 10 * time.Millisecond
	for ctx.Err() == nil {
		i := int(s.next.Add(1) - 1)
		if i >= s.cfg.n {
			return
		}
		if !s.pace(ctx, i) {
			return
		}
		s.t.sent++
		if s.c == nil {
			if err := s.connect(ctx); err != nil {
				s.t.fail(classify(ctx, err))
				// Do not spin on a dead server: wait a little, bounded.
				select {
				case <-ctx.Done():
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, time.Second)
				continue
			}
			backoff = 10 * time.Millisecond
		}
		lat, err := s.send(i)
		if err == nil {
			s.t.accepted++
			s.t.latencies = append(s.t.latencies, lat)
			continue
		}
		s.t.fail(classify(ctx, err))
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code == 421 {
			s.hangUp(false) // the connection is gone or closing
			continue
		}
		// A refused command leaves a transaction open (MAIL accepted, RCPT
		// refused…): clear it before the next MAIL.
		if err := s.c.Reset(); err != nil {
			s.hangUp(false)
		}
	}
}

// pace waits until message i's start time under -rate; false if ctx
// ended first.
func (s *session) pace(ctx context.Context, i int) bool {
	if s.cfg.interval <= 0 {
		return true
	}
	wait := time.Until(s.cfg.start.Add(time.Duration(i) * s.cfg.interval))
	if wait <= 0 {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// send runs one transaction; the latency is from MAIL sent to the final
// reply to DATA received.
func (s *session) send(i int) (time.Duration, error) {
	now := time.Now()
	head := s.cfg.msgs.header(i, now)
	size := int64(len(head) + len(s.cfg.msgs.body))
	start := time.Now()
	if err := s.c.Mail(s.cfg.from, &smtp.MailOptions{Size: size}); err != nil {
		return 0, err
	}
	if err := s.c.Rcpt(s.cfg.msgs.rcpt(i), nil); err != nil {
		return 0, err
	}
	w, err := s.c.Data()
	if err != nil {
		return 0, err
	}
	if _, err := w.Write([]byte(head)); err != nil {
		return 0, err
	}
	if _, err := w.Write(s.cfg.msgs.body); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// connect dials, greets, and (with credentials) does STARTTLS and AUTH
// PLAIN. The connection is closed when ctx ends.
func (s *session) connect(ctx context.Context) error {
	d := net.Dialer{Timeout: s.cfg.opTimeout}
	conn, err := d.DialContext(ctx, "tcp", s.cfg.addr)
	if err != nil {
		return err
	}
	s.conn = conn
	s.stop = context.AfterFunc(ctx, func() { conn.Close() })
	var c *smtp.Client
	if s.cfg.user != "" {
		// A load tool against our own server on loopback: any certificate.
		// The EHLO before STARTTLS says "localhost"; the one after, host.
		c, err = smtp.NewClientStartTLS(conn, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			s.stop()
			s.conn, s.stop = nil, nil
			return err
		}
	} else {
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout, c.SubmissionTimeout = s.cfg.opTimeout, s.cfg.opTimeout
	s.c = c
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	if err := c.Hello(host); err != nil {
		s.hangUp(false)
		return err
	}
	if s.cfg.user != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.cfg.user, s.cfg.pass)); err != nil {
			s.hangUp(false)
			return err
		}
	}
	return nil
}

// hangUp drops the connection, saying QUIT first when polite is set.
func (s *session) hangUp(polite bool) {
	if s.c == nil {
		return
	}
	if polite {
		_ = s.conn.SetDeadline(time.Now().Add(s.cfg.opTimeout))
		_ = s.c.Quit()
	}
	_ = s.c.Close()
	s.stop()
	s.c, s.conn, s.stop = nil, nil, nil
}

// classify names an error for the report: the SMTP reply code, or
// "timeout" (the run's deadline or a command timeout), or "conn" (any
// other network or protocol failure).
func classify(ctx context.Context, err error) string {
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se):
		return strconv.Itoa(se.Code)
	case ctx.Err() != nil:
		return "timeout"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "conn"
}
