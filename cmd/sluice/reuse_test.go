package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/configs"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

// rawMX is a minimal receiving MX written against the socket, for what a
// library server will not do: count RSETs, and drop the connection right
// after a message's 250 with no 421 (as receivers with a per-connection
// message limit do).
type rawMX struct {
	ln         net.Listener
	closeAfter string // after each connection's first message: "" keeps it, "drop" drops it, "421" says 421 and drops it

	mu    sync.Mutex
	conns int
	msgs  int
	rsets int
}

func startRawMX(t *testing.T, closeAfter string) *rawMX {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &rawMX{ln: ln, closeAfter: closeAfter}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			m.mu.Lock()
			m.conns++
			m.mu.Unlock()
			go m.serve(c)
		}
	}()
	return m
}

func (m *rawMX) port() int { return m.ln.Addr().(*net.TCPAddr).Port }

func (m *rawMX) counts() (conns, msgs, rsets int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.conns, m.msgs, m.rsets
}

func (m *rawMX) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(s string) { w.WriteString(s + "\r\n") }
	reply("220 raw.example.test ESMTP")
	w.Flush()
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
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"):
			reply("250 ok")
		case cmd == "RSET":
			m.mu.Lock()
			m.rsets++
			m.mu.Unlock()
			reply("250 ok")
		case cmd == "DATA":
			reply("354 go on")
			w.Flush()
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
			m.mu.Unlock()
			reply("250 queued")
			if m.closeAfter == "421" {
				reply("421 4.4.2 raw.example.test closing connection")
			}
			w.Flush()
			if m.closeAfter != "" {
				return
			}
		case cmd == "QUIT":
			reply("221 bye")
			w.Flush()
			return
		default:
			reply("502 unknown")
		}
		if r.Buffered() == 0 {
			w.Flush()
		}
	}
}

// Messages that follow each other on a pooled connection go out without an
// RSET round trip first; and when the receiver dropped the connection after
// the previous message (with or without a 421), the next one is sent again
// on a new connection, not deferred.
func TestConnectionReuse(t *testing.T) {
	for _, closeAfter := range []string{"", "drop", "421"} {
		t.Run("closeAfter="+closeAfter, func(t *testing.T) {
			mx := startRawMX(t, closeAfter)
			tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
				cfg.Delivery.Port = mx.port()
				cfg.Delivery.MaxConnectionsPerDomain = 1
				// Deferred mail would come back only after a minute.
				cfg.Queue.RetryFirst = configs.Duration{Duration: time.Minute}
				cfg.Queue.RetryMax = configs.Duration{Duration: time.Minute}
			})
			const n = 6
			for i := range n {
				rcpt := fmt.Sprintf("r%d@example.test", i)
				msg := fmt.Sprintf("From: a@acme.example\r\nTo: %s\r\nSubject: %d\r\n\r\nbody\r\n", rcpt, i)
				if _, err := tn.submit("a@acme.example", []string{rcpt}, msg); err != nil {
					t.Fatal(err)
				}
			}
			for i := range n {
				tn.events.wait(t, fmt.Sprintf("r%d@example.test", i), "delivered", 10*time.Second)
			}
			conns, msgs, rsets := mx.counts()
			for i := range n {
				for _, ev := range tn.events.all(fmt.Sprintf("r%d@example.test", i)) {
					if ev.Kind != "delivered" {
						t.Errorf("%s: %s %s", ev.Rcpt, ev.Kind, ev.Reply)
					}
				}
			}
			if msgs != n {
				t.Errorf("MX received %d messages, want %d", msgs, n)
			}
			if closeAfter != "" && conns < n {
				t.Errorf("%d connections for %d messages on an MX that drops each after one", conns, n)
			}
			if closeAfter == "" && conns >= n {
				t.Errorf("%d connections for %d messages: none was reused", conns, n)
			}
			if rsets != 0 {
				t.Errorf("%d RSETs between back-to-back messages, want none", rsets)
			}
			t.Logf("%d messages over %d connections, %d RSETs", msgs, conns, rsets)
		})
	}
}

// A connection that waited longer than delivery's idleCheck for its next message is
// checked with RSET first (a receiver may have said 421 on its idle timer).
func TestConnectionReuseAfterPause(t *testing.T) {
	mx := startRawMX(t, "")
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Delivery.Port = mx.port()
		cfg.Delivery.MaxConnectionsPerDomain = 1
		cfg.Delivery.IdleTimeout = configs.Duration{Duration: 5 * time.Second}
	})
	for i := range 2 {
		rcpt := fmt.Sprintf("p%d@example.test", i)
		msg := fmt.Sprintf("From: a@acme.example\r\nTo: %s\r\nSubject: %d\r\n\r\nbody\r\n", rcpt, i)
		if _, err := tn.submit("a@acme.example", []string{rcpt}, msg); err != nil {
			t.Fatal(err)
		}
		tn.events.wait(t, rcpt, "delivered", 10*time.Second)
		if i == 0 {
			time.Sleep(1300 * time.Millisecond) // past delivery's idleCheck (1 s)
		}
	}
	if conns, msgs, rsets := mx.counts(); conns != 1 || msgs != 2 || rsets != 1 {
		t.Errorf("%d connections, %d messages, %d RSETs; want 1, 2, 1", conns, msgs, rsets)
	}
}
