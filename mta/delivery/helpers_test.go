package delivery

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/internal/clock"
	"sluice/mta/mx"
	"sluice/mta/mx/dnstest"
	"sluice/queue"
)

// The package's tests drive a real Engine over a temporary spool, a
// dnstest DNS server and loopback receivers. Every instant comes from one
// testClock per test, which only moves when the test says so: retry times,
// expiry, suspensions and the idle check of pooled connections are driven,
// never slept out. Asynchronous outcomes are polled for with a deadline.

// waitLimit bounds every poll for an asynchronous outcome. It is a
// deadline for failure, not a pause: passing tests return as soon as the
// outcome is there.
const waitLimit = 10 * time.Second

// testRetry is the retry policy of the harness unless a test sets another:
// long enough that nothing comes back unless the test moves the clock.
var testRetry = queue.RetryPolicy{First: 10 * time.Minute, Max: time.Hour, MaxAge: 24 * time.Hour}

// testClock is a clock that moves only when Advance is called. It starts
// at clock.Now, so the tests pass on any date.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: clock.Now().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// harness is one engine with its spool, DNS server, clock and event log.
type harness struct {
	t      testing.TB
	clk    *testClock
	dns    *dnstest.Server
	store  *queue.Store
	engine *Engine
	events *eventLog
	dials  atomic.Int64 // connections opened through Config.Dial
	// wrap, when set (by mutate), wraps the spool as the engine sees it.
	wrap func(Store) Store
	// noPriorities, when set (by mutate), opens the spool with
	// queue.Options.NoPriorities: due order only, for comparisons.
	noPriorities bool
}

// newHarness builds an engine whose example.test resolves to mx1.example.test
// at 127.0.0.1 (the port is the test's: Config.Port or a Route). Its Config
// has the test's clock, DisableTLS, a counting Dial and testRetry; mutate
// changes anything before New. The engine runs once start is called; it
// is stopped and the spool closed when the test ends.
func newHarness(t testing.TB, mutate func(h *harness, cfg *Config)) *harness {
	t.Helper()
	h := &harness{t: t, clk: newTestClock(), dns: dnstest.NewServer(t), events: &eventLog{}}
	h.dns.AddMX("example.test", 10, "mx1.example.test")
	h.dns.AddA("mx1.example.test", "127.0.0.1")
	resolver, err := mx.New(mx.Config{Servers: []string{h.dns.Addr()}, Now: h.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := Config{
		Resolver: resolver, HeloName: "mta.sluice.test", DisableTLS: true,
		Retry: testRetry, Now: h.clk.Now, Logger: log,
		ConnectTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			h.dials.Add(1)
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	if mutate != nil {
		mutate(h, &cfg)
	}
	var kick atomic.Pointer[Engine]
	h.store, err = queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{
		Now: cfg.Now, Retry: cfg.Retry, Logger: log, InitialMmapSize: 1 << 20, NoPriorities: h.noPriorities,
		OnDue: func() {
			if e := kick.Load(); e != nil {
				e.Kick()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store = h.store
	if h.wrap != nil {
		cfg.Store = h.wrap(h.store)
	}
	onEvent := cfg.OnEvent
	cfg.OnEvent = func(ev Event) {
		h.events.add(ev)
		if onEvent != nil {
			onEvent(ev)
		}
	}
	if h.engine, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	kick.Store(h.engine)
	t.Cleanup(func() {
		if err := h.store.Close(); err != nil {
			t.Errorf("close spool: %v", err)
		}
	})
	return h
}

// start runs the scheduler until the test ends.
func (h *harness) start() {
	h.t.Helper()
	done := make(chan error, 1)
	go func() { done <- h.engine.Run(context.Background()) }()
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.engine.Stop(ctx)
		if err := <-done; err != nil {
			h.t.Errorf("Run: %v", err)
		}
	})
}

// advance moves the clock and wakes the scheduler, which sleeps on a real
// timer computed from the clock.
func (h *harness) advance(d time.Duration) {
	h.clk.Advance(d)
	h.engine.Kick()
}

// enqueue queues one message to rcpts, created now, and returns its id;
// edit, if set, changes the message first.
func (h *harness) enqueue(rcpts []string, edit func(m *queue.Message)) queue.ID {
	h.t.Helper()
	id := h.store.NewID()
	m := &queue.Message{
		ID: id, Tenant: "acme", From: "news@acme.example", Rcpts: rcpts, Created: h.clk.Now(),
		Body: fmt.Appendf(nil, "From: news@acme.example\r\nTo: %s\r\nSubject: %s\r\n\r\nbody\r\n", rcpts[0], id),
	}
	if edit != nil {
		edit(m)
	}
	if err := h.store.Enqueue(context.Background(), m); err != nil {
		h.t.Fatal(err)
	}
	return id
}

// rcptInfo returns the spool's view of recipient idx of message id.
func (h *harness) rcptInfo(id queue.ID, idx int) queue.RcptInfo {
	h.t.Helper()
	m, err := h.store.Message(id)
	if err != nil {
		h.t.Fatalf("message %s: %v", id, err)
	}
	if idx >= len(m.Rcpts) {
		h.t.Fatalf("message %s has %d recipients", id, len(m.Rcpts))
	}
	return m.Rcpts[idx]
}

// eventLog records the engine's events.
type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) add(ev Event) {
	l.mu.Lock()
	l.evs = append(l.evs, ev)
	l.mu.Unlock()
}

// of returns the events of one recipient, in order.
func (l *eventLog) of(rcpt string) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, ev := range l.evs {
		if ev.Rcpt == rcpt {
			out = append(out, ev)
		}
	}
	return out
}

// all returns every event so far.
func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.evs...)
}

// wait returns the n-th event (1-based) of rcpt, polling until waitLimit;
// it fails the test if the event is not of kind.
func (l *eventLog) wait(t *testing.T, rcpt string, n int, kind string) Event {
	t.Helper()
	var evs []Event
	waitFor(t, fmt.Sprintf("event %d of %s", n, rcpt), func() bool {
		evs = l.of(rcpt)
		return len(evs) >= n
	})
	ev := evs[n-1]
	if string(ev.Kind) != kind {
		t.Fatalf("%s: event %d is %s (%d %s %q), want %s", rcpt, n, string(ev.Kind), ev.Code, ev.Enhanced, ev.Reply, kind)
	}
	return ev
}

// waitFor polls cond until it holds, failing the test after waitLimit.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawMX is a receiving MX written against the socket, for what a library
// server will not do: count RSETs and MAIL commands, greet with a refusal,
// and drop the connection right after a message's 250, with or without a
// 421 (as receivers with a per-connection message limit do).
type rawMX struct {
	ln net.Listener
	rawOptions

	mu     sync.Mutex
	conns  int
	mails  int
	rcpts  []string
	msgs   int
	rsets  int
	msgsOn map[int]int // connection number (1-based, in accept order) → messages accepted
}

// rawOptions script a rawMX.
type rawOptions struct {
	greeting string // the first line; "" is a 220
	// after, after each connection's first message: "" keeps the
	// connection, "drop" drops it, "421" says 421 and drops it.
	after string
	// delay, when set, gives how long each write of replies of
	// connection conn (1-based, in accept order) is held back from its
	// first MAIL on: a tarpit, or a slow site.
	delay func(conn int) time.Duration
	// mail, when set, gives the reply to the n-th MAIL (1-based) of
	// connection conn; "" is "250 ok". A 421 closes the connection.
	mail func(conn, n int) string
}

func startRawMX(t *testing.T, greeting, after string) *rawMX {
	t.Helper()
	return startRawMXWith(t, rawOptions{greeting: greeting, after: after})
}

func startRawMXWith(t *testing.T, opts rawOptions) *rawMX {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &rawMX{ln: ln, rawOptions: opts, msgsOn: map[int]int{}}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			m.mu.Lock()
			m.conns++
			n := m.conns
			m.mu.Unlock()
			wg.Go(func() { m.serve(c, n) })
		}
	})
	return m
}

// messagesOn returns how many messages connection n (1-based) carried.
func (m *rawMX) messagesOn(n int) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.msgsOn[n]
}

func (m *rawMX) port() int { return m.ln.Addr().(*net.TCPAddr).Port }

type rawCounts struct{ conns, mails, msgs, rsets int }

func (m *rawMX) counts() rawCounts {
	m.mu.Lock()
	defer m.mu.Unlock()
	return rawCounts{m.conns, m.mails, m.msgs, m.rsets}
}

func (m *rawMX) rcptsSeen() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.rcpts...)
}

func (m *rawMX) serve(c net.Conn, num int) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second)) // a network deadline, on the real clock
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(s string) { _, _ = w.WriteString(s + "\r\n") }
	var delay time.Duration // from the first MAIL on
	flush := func() {
		if delay > 0 && w.Buffered() > 0 {
			time.Sleep(delay) // a slow receiver's delay, injected
		}
		_ = w.Flush()
	}
	if m.greeting != "" {
		reply(m.greeting)
		_ = w.Flush()
		return
	}
	reply("220 raw.example.test ESMTP")
	_ = w.Flush()
	mails := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			reply("250-raw.example.test")
			reply("250 PIPELINING")
		case strings.HasPrefix(cmd, "MAIL"):
			if m.delay != nil {
				delay = m.delay(num)
			}
			mails++
			m.mu.Lock()
			m.mails++
			m.mu.Unlock()
			if m.mail != nil {
				if rep := m.mail(num, mails); rep != "" {
					reply(rep)
					flush()
					if strings.HasPrefix(rep, "421") {
						return
					}
					continue
				}
			}
			reply("250 ok")
		case strings.HasPrefix(cmd, "RCPT"):
			m.mu.Lock()
			addr, _, _ := strings.Cut(line[strings.IndexByte(line, '<')+1:], ">")
			m.rcpts = append(m.rcpts, addr)
			m.mu.Unlock()
			reply("250 ok")
		case cmd == "RSET":
			m.mu.Lock()
			m.rsets++
			m.mu.Unlock()
			reply("250 ok")
		case cmd == "DATA":
			reply("354 go on")
			flush()
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			m.mu.Lock()
			m.msgs++
			m.msgsOn[num]++
			m.mu.Unlock()
			reply("250 queued")
			if m.after == "421" {
				reply("421 4.4.2 raw.example.test closing connection")
			}
			flush()
			if m.after != "" {
				return
			}
		case cmd == "QUIT":
			reply("221 bye")
			_ = w.Flush()
			return
		default:
			reply("502 unknown")
		}
		if r.Buffered() == 0 {
			flush()
		}
	}
}

// silentMX accepts connections and never says anything: a receiver that
// hangs, for timeouts. Its connections are closed when the test ends.
func silentMX(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

// closedPort returns a loopback host:port nothing listens on (connection
// refused).
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
