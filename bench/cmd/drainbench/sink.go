package main

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is a counting SMTP server (PIPELINING, as go-smtp offers): it
// accepts everything and counts each backlog message in the second of the
// process's life it was received in; the probe (a message to probe@…)
// only has its arrival time noted. Mail to a slow domain (isSlow) is
// answered after slowDelay and counted apart: the drain measured is the
// other sites'.
type sink struct {
	srv *smtp.Server
	ln  net.Listener
	// slowLn takes the slow sites' mail on 127.0.0.2 (the same port
	// when free): another host, so another shaping site, as a slow
	// receiver is in real life (one site's connection slots are shared
	// by all of its domains).
	slowLn net.Listener

	isSlow    func(domain string) bool
	slowDelay time.Duration
	slowN     atomic.Int64
	// sessions and slowSessions count the SMTP sessions opened to the
	// fast and the slow host: with connections shared across a site's
	// domains, far fewer than domains.
	sessions, slowSessions atomic.Int64

	mu              sync.Mutex
	start           time.Time
	secs            []int64
	firstAt, lastAt time.Time
	probeAt         time.Time // when the probe (probe@…) arrived
	n               atomic.Int64
	changed         chan struct{}
}

func startSink(isSlow func(string) bool, slowDelay time.Duration) (*sink, error) {
	s := &sink{changed: make(chan struct{}, 1), start: time.Now(), isSlow: isSlow, slowDelay: slowDelay}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		if s.slowLn != nil && c.Conn().LocalAddr().String() == s.slowLn.Addr().String() {
			s.slowSessions.Add(1)
		} else {
			s.sessions.Add(1)
		}
		return &sinkSession{s: s}, nil
	}))
	s.srv.Domain = "sink.deep.test"
	s.srv.MaxRecipients = 1000
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = ln
	go s.srv.Serve(ln)
	if isSlow != nil {
		if s.slowLn, err = net.Listen("tcp", "127.0.0.2:0"); err != nil {
			s.srv.Close()
			return nil, err
		}
		go s.srv.Serve(s.slowLn)
	}
	return s, nil
}

// slowAddr is the slow sites' host:port ("" without slow sites).
func (s *sink) slowAddr() string {
	if s.slowLn == nil {
		return ""
	}
	return s.slowLn.Addr().String()
}

func (s *sink) port() int { return s.ln.Addr().(*net.TCPAddr).Port }
func (s *sink) close()    { s.srv.Close() }

func (s *sink) setStart(t time.Time) {
	s.mu.Lock()
	s.start = t
	s.mu.Unlock()
}

func (s *sink) received(rcpts int, probe bool) {
	now := time.Now()
	s.mu.Lock()
	if probe {
		// The probe is timed on its own: the backlog's seconds, first
		// and last are the backlog's.
		s.probeAt = now
		s.mu.Unlock()
		s.n.Add(int64(rcpts))
		s.notify()
		return
	}
	i := int(now.Sub(s.start) / time.Second)
	for len(s.secs) <= i {
		s.secs = append(s.secs, 0)
	}
	s.secs[i] += int64(rcpts)
	if s.firstAt.IsZero() {
		s.firstAt = now
	}
	s.lastAt = now
	s.mu.Unlock()
	s.n.Add(int64(rcpts))
	s.notify()
}

func (s *sink) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func (s *sink) count() int64 { return s.n.Load() }

func (s *sink) first() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstAt
}

func (s *sink) probe() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.probeAt
}

func (s *sink) last() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAt
}

func (s *sink) perSecond() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.secs...)
}

// wait returns once n recipients were received.
func (s *sink) wait(ctx context.Context, n int64) error {
	for s.n.Load() < n {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.changed:
		}
	}
	return nil
}

type sinkSession struct {
	s     *sink
	rcpts int
	probe bool
	slow  bool
}

func (ss *sinkSession) Reset()                               { ss.rcpts, ss.probe, ss.slow = 0, false, false }
func (ss *sinkSession) Logout() error                        { return nil }
func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpts++
	ss.probe = ss.probe || strings.HasPrefix(to, "probe@")
	if at := strings.LastIndexByte(to, '@'); at >= 0 && ss.s.isSlow != nil && ss.s.isSlow(to[at+1:]) {
		ss.slow = true
	}
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	if ss.slow {
		time.Sleep(ss.s.slowDelay) // the slow site's answer
		ss.s.slowN.Add(int64(ss.rcpts))
		return nil
	}
	ss.s.received(ss.rcpts, ss.probe)
	return nil
}
