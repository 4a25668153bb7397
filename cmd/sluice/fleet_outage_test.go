package main

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/mta/mtatest"
	"sluice/tracking/token"
)

// fleetLimit is the site's connection limit in the multi-process tests:
// with three nodes, each node's share while Redis is down is 2
// (ceil(4/3)), so the nodes together may then open 6, and 4 once the
// limit is shared again.
const fleetLimit = 4

// sinkRule is the shaping rule of the tests' site: fleetLimit connections
// for sink.example, and short connections (20 messages) so that the
// connections open at a change (a kill) are gone a moment later.
const sinkRule = `[queue]
retry_first = "300ms"
retry_max = "1s"
[[shaping.rule]]
name = "sink"
domains = ["sink.example"]
max_connections = 4
max_messages_per_connection = 20
`

// sinkRoute is TOML routing sinkDomain's mail (the load's) to addr.
func sinkRoute(addr string) string {
	return fmt.Sprintf("[[route]]\ndomain = %q\nhost = %q\n", sinkDomain, addr)
}

// seqSink is a slow sink (a few ms per message, so that the nodes keep
// several connections busy) that counts each X-Test-Seq it receives.
type seqSink struct {
	*mtatest.Sink
	mu   sync.Mutex
	seen map[int]int
	helo map[string]time.Time // node's EHLO name → its last delivery
}

func newSeqSink(t *testing.T, delay time.Duration) *seqSink {
	t.Helper()
	s := &seqSink{seen: map[int]int{}, helo: map[string]time.Time{}}
	s.Sink = mtatest.NewSink(t, mtatest.SinkOptions{Data: func(r mtatest.Received) error {
		time.Sleep(delay)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.helo[r.Helo] = time.Now()
		if m := seqHeader.FindSubmatch(r.Data); m != nil {
			n, _ := strconv.Atoi(string(m[1]))
			s.seen[n]++
		}
		return nil
	}})
	return s
}

// missing returns the accepted sequence numbers not received yet.
func (s *seqSink) missing(accepted []int) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, n := range accepted {
		if s.seen[n] == 0 {
			out = append(out, n)
		}
	}
	return out
}

// lastFrom is when the node with EHLO name helo last delivered.
func (s *seqSink) lastFrom(helo string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.helo[helo]
}

// loadGen submits marketing mail to sink.example at each node, one
// session per node, until stopped, and keeps the sequence numbers that
// got a 250.
type loadGen struct {
	next     atomic.Int64
	mu       sync.Mutex
	accepted []int
	refused  []string
	stop     chan struct{}
	wg       sync.WaitGroup
}

func startLoad(t *testing.T, members []*fleetMember) *loadGen {
	t.Helper()
	g := &loadGen{stop: make(chan struct{})}
	for _, m := range members {
		g.wg.Add(1)
		go g.run(m)
	}
	return g
}

func (g *loadGen) run(m *fleetMember) {
	defer g.wg.Done()
	var c *smtp.Client
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for {
		select {
		case <-g.stop:
			return
		default:
		}
		if c == nil {
			var err error
			if c, err = smtp.Dial(m.submit); err != nil {
				g.note(fmt.Sprintf("%s: dial: %v", m.id, err))
				time.Sleep(50 * time.Millisecond)
				continue
			}
		}
		n := int(g.next.Add(1))
		rcpt := fmt.Sprintf("l%d@sink.example", n)
		if err := submitTo(c, rcpt, fmt.Sprintf("X-Test-Seq: %d\r\n", n)); err != nil {
			// Not a 250: not counted, not owed. A session error starts a
			// new session.
			g.note(fmt.Sprintf("%s: seq %d: %v", m.id, n, err))
			c.Close()
			c = nil
			continue
		}
		g.mu.Lock()
		g.accepted = append(g.accepted, n)
		g.mu.Unlock()
	}
}

func (g *loadGen) note(s string) {
	g.mu.Lock()
	g.refused = append(g.refused, s)
	g.mu.Unlock()
}

// finish stops the load and returns the accepted sequence numbers and
// the refusals.
func (g *loadGen) finish() ([]int, []string) {
	close(g.stop)
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.accepted...), append([]string(nil), g.refused...)
}

func (g *loadGen) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.accepted)
}

// waitAccepted waits until the load has n more 250s than now.
func (g *loadGen) waitAccepted(t *testing.T, n int, limit time.Duration) {
	t.Helper()
	target := g.count() + n
	deadline := time.Now().Add(limit)
	for g.count() < target {
		if time.Now().After(deadline) {
			g.mu.Lock()
			defer g.mu.Unlock()
			t.Fatalf("load: %d accepted, waited for %d; last refusals %v", len(g.accepted), target, tail(g.refused, 5))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tail(s []string, n int) []string { return s[max(0, len(s)-n):] }

// TestFleetRedisOutageUnderLoad SIGKILLs Redis under a load spread over
// three `sluice serve` nodes, takes an unsubscribe (one-click POST at a
// standalone `sluice edge`) and a hard bounce (a DSN to a node's inbound
// MX) while it is down, then restarts it on the same port, once with its
// data and once empty. It proves: every message that got a 250 is
// delivered; both suppressions are refused at every node afterwards;
// the site's connections (counted by a proxy in front of the sink, only
// theirs routed through it) keep to the shared limit (4 together) with
// Redis up, to each node's degraded share while it is down (ceil(4/3) =
// 2 each, so at most 6 together; from a second after the kill, once the
// connections open at the kill have closed), and to the shared limit
// again once it is back.
func TestFleetRedisOutageUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process fleet test skipped in -short mode")
	}
	for _, tc := range []struct {
		name       string
		persistent bool
	}{{"redis back with its data", true}, {"redis back empty", false}} {
		t.Run(tc.name, func(t *testing.T) {
			redisOutage(t, tc.persistent)
		})
	}
}

func redisOutage(t *testing.T, persistent bool) {
	srv := redistest.Start(t, redistest.Config{Persistent: persistent})
	sink := newSeqSink(t, 3*time.Millisecond)
	// Only the limited site's connections go through the counter: the
	// other sites' (the VERP bounce's, and those of the suppression probes
	// a node accepted before its suppression took effect, example.net)
	// go to the sink directly. Counted beside them, they made 5 "open at
	// once" with Redis up, and 8 while it was down, with the limited
	// site's own connections within bounds.
	counter := newConnCounter(t, sink.Addr())
	nodes, kr := startFleet(t, fleetSpec{redisURL: srv.URL(), sink: sink.Addr(), bounceDomain: "bounces.acme.example",
		cluster: `lease_ttl = "3s"`, extra: sinkRule + sinkRoute(counter.addr())}, "a", "b", "c")
	edge := startFleetEdge(t, nodes[0])

	// A message whose VERP return the test bounces while Redis is down.
	const hard = "hard@example.net"
	if code := submitCode(t, nodes[1].submit, hard); code != 250 {
		t.Fatalf("node b: %d for %s", code, hard)
	}
	var verp string
	waitFor(t, 10*time.Second, func() bool {
		for _, m := range sink.Messages() {
			if len(m.To) == 1 && m.To[0] == hard {
				verp = m.From
			}
		}
		return verp != ""
	})

	load := startLoad(t, nodes)
	load.waitAccepted(t, 60, 20*time.Second)

	// Each node's share while Redis is down is the limit ÷ the live nodes
	// it last counted (every heartbeat): a node that has not counted the
	// three yet would rightly take more.
	waitFor(t, 10*time.Second, func() bool {
		for _, m := range nodes {
			if n, ok := liveNodesSeen(m); !ok || n != 3 {
				return false
			}
		}
		return true
	})
	killing := time.Now()
	srv.Kill()
	killed := time.Now()
	unsub := "out@example.net"
	tok, err := kr.Seal(token.Claims{Kind: token.Unsubscribe, Tenant: "acme", Message: 7, Addr: unsub, Issued: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if code := oneClick(t, nil, "http://"+edge+"/u/"+tok); code != http.StatusOK {
		t.Fatalf("one-click at the edge with Redis down: %d", code)
	}
	dsn := "From: MAILER-DAEMON@mx.remote.test\r\nTo: " + verp + "\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test\r\n\r\n" +
		"Final-Recipient: rfc822; " + hard + "\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <" + hard + ">: Recipient address rejected: User unknown\r\n" +
		"--B--\r\n"
	sendReturn(t, nodes[1], verp, dsn)
	// Each node refuses its own suppression at once, Redis or not.
	waitFor(t, 10*time.Second, func() bool { return submitCode(t, nodes[1].submit, hard) == 550 })
	if code := submitCode(t, nodes[0].submit, unsub); code != 550 {
		t.Fatalf("node a answers %d for the unsubscribe its edge took", code)
	}
	waitRedisSeen(t, nodes, false, 10*time.Second)
	load.waitAccepted(t, 150, 30*time.Second)
	restart := time.Now()
	downPeak, downAccepts := counter.peak(killed.Add(time.Second), restart)

	if persistent {
		srv.Restart()
	} else {
		srv.RestartEmpty()
	}
	waitRedisSeen(t, nodes, true, 15*time.Second)
	recovered := time.Now()
	for _, rcpt := range []string{unsub, hard} {
		refusedWithin(t, nodes, rcpt, 10*time.Second)
		t.Logf("%s refused at every node %v after every node saw Redis back", rcpt, time.Since(recovered))
	}
	// Keep the load on until connections were opened under the shared
	// limit: those open at the recovery close within their 20 messages;
	// each node registers its open connections in Redis (those taken
	// while it was down, those an empty Redis lost) before its first
	// slot Redis answers (fleet/leases.go), so none is opened meanwhile.
	shared := recovered.Add(time.Second)
	load.waitAccepted(t, 150, 30*time.Second)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, n := counter.peak(shared, time.Time{}); n >= 5 {
			break
		}
	}
	accepted, refusals := load.finish()
	upPeak, upAccepts := counter.peak(shared, time.Time{})

	waitFor(t, 60*time.Second, func() bool { return len(sink.missing(accepted)) == 0 })
	if miss := sink.missing(accepted); len(miss) > 0 {
		t.Fatalf("%d of %d accepted messages never delivered: %v", len(miss), len(accepted), miss[:min(10, len(miss))])
	}
	t.Logf("accepted %d, lost 0 (%d refusals: %v); peak connections: Redis down %d (%d opened), back %d (%d opened)",
		len(accepted), len(refusals), tail(refusals, 3), downPeak, downAccepts, upPeak, upAccepts)
	t.Logf("connections opened (seconds after the kill: open at once): %s; restart at %.2fs, recovered at %.2fs",
		counter.timeline(killed), restart.Sub(killed).Seconds(), recovered.Sub(killed).Seconds())
	share := (fleetLimit + 2) / 3
	if upBefore, _ := counter.peak(time.Time{}, killing); upBefore > fleetLimit {
		t.Errorf("Redis up, before the kill: %d connections open at once, over the shared limit %d", upBefore, fleetLimit)
	}
	for node, n := range counter.nodePeaks(killed.Add(time.Second), restart) {
		if n > share {
			t.Errorf("Redis down: node %s had %d connections open at once, over its share %d", node, n, share)
		}
	}
	if downPeak > 3*share {
		t.Errorf("Redis down: %d connections open at once, over 3 nodes × their share %d", downPeak, share)
	}
	if upAccepts == 0 || upPeak > fleetLimit {
		t.Errorf("Redis back: %d connections open at once (%d opened), over the shared limit %d", upPeak, upAccepts, fleetLimit)
	}
}

// sendReturn hands msg to m's inbound MX for rcpt (a VERP address).
func sendReturn(t *testing.T, m *fleetMember, rcpt, msg string) {
	t.Helper()
	c, err := smtp.Dial(m.inbound)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("mx.remote.test"); err != nil {
		t.Fatal(err)
	}
	if err := sendOne(c, "", rcpt, msg); err != nil {
		t.Fatalf("node %s's inbound MX refused the return to %s: %v", m.id, rcpt, err)
	}
}
