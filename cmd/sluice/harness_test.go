package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sluice/configs"
	"sluice/mta/delivery"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

const (
	testUser     = "acme"
	testPassword = "correct horse battery staple"
)

// testNode is a sluice node started in-process with everything on
// loopback: a real DNS server, a real sink MX, real listeners.
type testNode struct {
	t      *testing.T
	n      *node
	cfg    *configs.Config
	dns    *dnstest.Server
	sink   *mtatest.Sink
	events *eventLog
	logs   *syncBuffer
}

func hashFor(t testing.TB, pw string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// testConfig is a config with every listener on 127.0.0.1:0, data in a
// temp dir, DNS from dns, and MX delivery to the sink's port.
func testConfig(t *testing.T, dns *dnstest.Server, sinkPort int) *configs.Config {
	cfg := configs.Default()
	cfg.Hostname = "mta.sluice.test"
	cfg.DataDir = t.TempDir()
	cfg.Submission.Listen = "127.0.0.1:0"
	cfg.Inbound.Listen = "127.0.0.1:0"
	cfg.Tracking.Listen = "127.0.0.1:0"
	cfg.Admin.Listen = "127.0.0.1:0"
	cfg.Delivery.Resolvers = []string{dns.Addr()}
	cfg.Delivery.Port = sinkPort
	cfg.Delivery.AllowPrivateMX = true // the DNS points MX hosts at loopback sinks
	cfg.Delivery.ConnectTimeout = configs.Duration{Duration: 2 * time.Second}
	cfg.Delivery.IdleTimeout = configs.Duration{Duration: 500 * time.Millisecond}
	cfg.Queue.RetryFirst = configs.Duration{Duration: 200 * time.Millisecond}
	cfg.Queue.RetryMax = configs.Duration{Duration: time.Second}
	cfg.Submission.MaxMessageBytes = 1 << 20
	cfg.Submission.MaxRecipients = 50
	cfg.Tenants = []configs.Tenant{{
		Name: "acme", Username: testUser, PasswordHash: hashFor(t, testPassword),
		SenderDomains: []string{"acme.example"}, MaxRecipients: 10,
	}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startTestNode starts a sink MX, a DNS server that points example.test
// at it, and a node configured by mutate.
func startTestNode(t *testing.T, sinkOpts mtatest.SinkOptions, mutate func(*configs.Config, *dnstest.Server)) *testNode {
	t.Helper()
	dns := dnstest.NewServer(t)
	sinkOpts.TLS = true
	sink := mtatest.NewSink(t, sinkOpts)
	dns.AddMX("example.test", 10, "mx1.example.test")
	dns.AddA("mx1.example.test", "127.0.0.1")
	cfg := testConfig(t, dns, sink.Port())
	if mutate != nil {
		mutate(cfg, dns)
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	tn := &testNode{t: t, cfg: cfg, dns: dns, sink: sink, events: newEventLog(), logs: &syncBuffer{}}
	tn.start()
	return tn
}

func (tn *testNode) start() {
	tn.t.Helper()
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(tn.logs, testLogWriter()), &slog.HandlerOptions{Level: slog.LevelInfo}))
	n, err := startNode(tn.cfg, log, io.Discard, nodeOptions{onEvent: tn.events.add})
	if err != nil {
		tn.t.Fatalf("start node: %v", err)
	}
	tn.n = n
	tn.t.Cleanup(func() {
		if tn.n != nil {
			tn.n.shutdown(5 * time.Second)
		}
	})
}

func (tn *testNode) stop() {
	tn.t.Helper()
	if err := tn.n.shutdown(5 * time.Second); err != nil {
		tn.t.Fatalf("shutdown: %v", err)
	}
	tn.n = nil
}

func (tn *testNode) submitAddr() string { return tn.n.subLn.Addr().String() }

func (tn *testNode) submit(from string, to []string, msg string) (string, error) {
	return mtatest.Submit(mtatest.Submission{
		Addr: tn.submitAddr(), Username: testUser, Password: testPassword,
		From: from, To: to, Data: []byte(msg),
	})
}

// testLogWriter shows node logs with -v when SLUICE_TEST_LOGS=1.
func testLogWriter() io.Writer {
	if os.Getenv("SLUICE_TEST_LOGS") != "" {
		return os.Stderr
	}
	return io.Discard
}

// waitLog records values from another goroutine and lets a test wait
// until they satisfy a condition.
type waitLog[T any] struct {
	mu   sync.Mutex
	cond *sync.Cond
	vs   []T
}

func newWaitLog[T any]() *waitLog[T] {
	l := &waitLog[T]{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *waitLog[T]) add(v T) {
	l.mu.Lock()
	l.vs = append(l.vs, v)
	l.cond.Broadcast()
	l.mu.Unlock()
}

// until waits up to timeout for done to accept the values so far and
// returns them, and whether done did.
func (l *waitLog[T]) until(timeout time.Duration, done func([]T) bool) ([]T, bool) {
	timer := time.AfterFunc(timeout, func() {
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	defer timer.Stop()
	end := time.Now().Add(timeout)
	l.mu.Lock()
	defer l.mu.Unlock()
	for !done(l.vs) {
		if !time.Now().Before(end) {
			return append([]T(nil), l.vs...), false
		}
		l.cond.Wait()
	}
	return append([]T(nil), l.vs...), true
}

// eventLog records delivery events.
type eventLog struct{ *waitLog[delivery.Event] }

func newEventLog() *eventLog { return &eventLog{newWaitLog[delivery.Event]()} }

// wait returns the first event for rcpt of the given kind, waiting up to
// timeout.
func (l *eventLog) wait(t *testing.T, rcpt, kind string, timeout time.Duration) delivery.Event {
	t.Helper()
	var found delivery.Event
	evs, ok := l.until(timeout, func(evs []delivery.Event) bool {
		for _, ev := range evs {
			if ev.Rcpt == rcpt && string(ev.Kind) == kind {
				found = ev
				return true
			}
		}
		return false
	})
	if !ok {
		var seen []string
		for _, ev := range evs {
			if ev.Rcpt == rcpt {
				seen = append(seen, string(ev.Kind)+": "+ev.Reply)
			}
		}
		t.Fatalf("no %s event for %s within %v; saw %q", kind, rcpt, timeout, seen)
	}
	return found
}

func (l *eventLog) all(rcpt string) []delivery.Event {
	evs, _ := l.until(0, func([]delivery.Event) bool { return true })
	var out []delivery.Event
	for _, ev := range evs {
		if ev.Rcpt == rcpt {
			out = append(out, ev)
		}
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// headerValue returns the first value of a header field in msg.
func headerValue(msg []byte, name string) string {
	head := msg
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		head = msg[:i+2]
	}
	lines := strings.Split(string(head), "\r\n")
	for i, l := range lines {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, name) {
			for j := i + 1; j < len(lines) && (strings.HasPrefix(lines[j], " ") || strings.HasPrefix(lines[j], "\t")); j++ {
				v += " " + strings.TrimSpace(lines[j])
			}
			return strings.TrimSpace(v)
		}
	}
	return ""
}
