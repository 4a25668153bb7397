package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"

	"sluice/admin"
	"sluice/tracking/token"
)

// fleetSpec shapes the nodes startFleet runs; zero values are those of
// startFleetNodes (a sink of its own, log level warn, no bounce domain).
type fleetSpec struct {
	redisURL string
	// sink is the host:port every node routes all mail to; "" starts a
	// plain sink.
	sink string
	// logLevel of the nodes; "" is "warn".
	logLevel string
	// bounceDomain, when set, is acme's VERP domain and the inbound MX's
	// one domain.
	bounceDomain string
	// cluster is TOML added to [cluster] (lease_ttl…).
	cluster string
	// extra is TOML appended at the end ([queue], [[shaping.rule]]…).
	extra string
}

// fleetSecret is the tracking secret every test node shares: a token made
// at one node opens at every node, as in a real fleet.
var fleetSecret = strings.Repeat("cd", 32)

// startFleet runs one `sluice serve` process per id, as spec says.
func startFleet(t *testing.T, spec fleetSpec, ids ...string) ([]*fleetMember, *token.Keyring) {
	t.Helper()
	if spec.sink == "" {
		spec.sink = newPlainSink(t)
	}
	if spec.logLevel == "" {
		spec.logLevel = "warn"
	}
	domains, bounce := "[]", ""
	if spec.bounceDomain != "" {
		domains = fmt.Sprintf("[%q]", spec.bounceDomain)
		bounce = fmt.Sprintf("bounce_domain = %q\n", spec.bounceDomain)
	}
	var kr *token.Keyring
	var out []*fleetMember
	for _, id := range ids {
		dir := t.TempDir()
		m := &fleetMember{id: id, submit: freeAddr(t), edge: freeAddr(t), adminAt: freeAddr(t), inbound: freeAddr(t),
			dataDir: filepath.Join(dir, "data")}
		config := fmt.Sprintf(`data_dir = %q
hostname = "%s.fleet.test"
[log]
level = %q
[submission]
listen = %q
trusted_networks = ["127.0.0.0/8"]
trusted_tenant = "acme"
[inbound]
listen = %q
domains = %s
[tracking]
listen = %q
token_secret = %q
base_url = "http://edge.test"
[admin]
listen = %q
token = "t0ken"
[cluster]
redis = %q
node_id = %q
%s
[[tenant]]
name = "acme"
password_hash = %q
sender_domains = ["acme.example"]
%s
[[route]]
domain = "*"
host = %q
%s
`, m.dataDir, id, spec.logLevel, m.submit, m.inbound, domains, m.edge, fleetSecret, m.adminAt, spec.redisURL, id,
			spec.cluster, hashFor(t, "x"), bounce, spec.sink, spec.extra)
		var path string
		path, kr = writeConfig(t, filepath.Join(dir, "sluice.toml"), config)
		m.child = startChild(t, "serve", path, m.submit)
		out = append(out, m)
	}
	return out, kr
}

// startFleetEdge runs a standalone `sluice edge` whose unsubscribes go to
// node's admin API (tracking.suppress_via), with the fleet's secret, and
// returns its address.
func startFleetEdge(t *testing.T, node *fleetMember) string {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	conf := fmt.Sprintf("data_dir = %q\n[log]\nlevel = \"warn\"\n[tracking]\nlisten = %q\ntoken_secret = %q\nsuppress_via = %q\n[admin]\ntoken = \"t0ken\"\nlisten = %q\n",
		filepath.Join(dir, "edge-data"), addr, fleetSecret, "http://"+node.adminAt, freeAddr(t))
	path := filepath.Join(dir, "edge.toml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	startChild(t, "edge", path, addr)
	return addr
}

// clusterAt is m's GET /api/v1/cluster (ok false when it did not answer).
func clusterAt(m *fleetMember) (admin.ClusterStatus, bool) {
	var st admin.ClusterStatus
	req, _ := http.NewRequest(http.MethodGet, "http://"+m.adminAt+"/api/v1/cluster", nil)
	req.Header.Set("Authorization", "Bearer t0ken")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, false
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st) == nil
}

// waitRedisSeen waits until every member reports Redis as up (want) or
// down (!want), and fails the test after limit.
func waitRedisSeen(t *testing.T, members []*fleetMember, want bool, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for _, m := range members {
		for {
			st, ok := clusterAt(m)
			if ok && st.Redis.Up == want && (!want || st.Redis.OutboxDepth == 0) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %s does not see Redis up=%v within %v: %+v\n%s", m.id, want, limit, st, m.child.logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// submitTo submits one marketing message from acme to rcpt at addr with
// body's headers added (X-Test-Seq…), on c when not nil (else its own
// session); it returns the SMTP error, nil for a 250.
func submitTo(c *smtp.Client, rcpt, headers string) error {
	return sendOne(c, "news@acme.example", rcpt, "From: news@acme.example\r\nTo: "+rcpt+"\r\nSubject: load\r\n"+headers+"\r\nhello\r\n")
}

// connCounter is a TCP proxy in front of a sink that records every
// connection it accepts (when, from which node, for which site, until
// when) and counts, at each accept, the connections of the limited site
// (sinkDomain) open at that moment: what a receiver counting concurrent
// connections from one source address to that site sees. The nodes'
// connections to other sites (the VERP bounce's and the suppression
// probes' example.net, under another shaping rule with limits of its
// own) go through the same proxy: they are recorded, shown in the
// timeline, and not counted.
type connCounter struct {
	ln      net.Listener
	backend string

	mu      sync.Mutex
	accepts []*connAccept
}

// sinkDomain is the site whose connections connCounter counts: sinkRule's
// one domain, the load's recipients'.
const sinkDomain = "sink.example"

// connAccept is one accepted connection. Every field is under
// connCounter.mu; at and end are read on the clock under it, so that
// accepts and closes are ordered as the proxy saw them.
type connAccept struct {
	at   time.Time
	helo string // the node's EHLO name, once seen
	// domain is the domain of the connection's first RCPT TO, once seen
	// ("" before: counted, as a connection whose site is not known yet
	// may be the limited one).
	domain string
	end    time.Time // when it counts as closed; zero while open
}

// counted reports whether a is a connection to the limited site, or may
// be one.
func (a *connAccept) counted() bool { return a.domain == "" || strings.EqualFold(a.domain, sinkDomain) }

// openAt reports whether a was open at t (accepted at or before it, not
// closed yet then).
func (a *connAccept) openAt(t time.Time) bool {
	return !a.at.After(t) && (a.end.IsZero() || a.end.After(t))
}

func newConnCounter(t *testing.T, backend string) *connCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cc := &connCounter{ln: ln, backend: backend}
	t.Cleanup(func() { ln.Close() })
	go cc.serve()
	return cc
}

func (cc *connCounter) addr() string { return cc.ln.Addr().String() }

func (cc *connCounter) serve() {
	for {
		c, err := cc.ln.Accept()
		if err != nil {
			return
		}
		cc.mu.Lock()
		a := &connAccept{at: time.Now()}
		cc.accepts = append(cc.accepts, a)
		cc.mu.Unlock()
		go cc.pipe(c, a)
	}
}

func (cc *connCounter) pipe(c net.Conn, a *connAccept) {
	defer c.Close()
	b, err := net.Dial("tcp", cc.backend)
	if err != nil {
		cc.closed(a)
		return
	}
	defer b.Close()
	go func() { _, _ = io.Copy(c, b); c.Close() }()
	// The connection counts as closed at the node's QUIT (a node closes
	// its socket, then gives its slot back, after the 221: counting at
	// the close this proxy sees later would add the connection's
	// successor to it), else when the node closes its side. The QUIT is
	// recorded before it is passed on: before the 221, so before the
	// node can release the slot.
	var once sync.Once
	closed := func() { cc.closed(a) }
	var head []byte // what the node sent until its first RCPT TO
	seen := false   // that RCPT TO
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			cc.sawHelo(a, buf[:n])
			if !seen {
				head, seen = cc.sawRcpt(a, append(head, buf[:n]...))
			}
			if bytes.Contains(bytes.ToUpper(buf[:n]), []byte("QUIT\r\n")) {
				once.Do(closed)
			}
			if _, werr := b.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	once.Do(closed)
}

func (cc *connCounter) closed(a *connAccept) {
	cc.mu.Lock()
	a.end = time.Now()
	cc.mu.Unlock()
}

// sawHelo records the node's EHLO (or HELO) name if p, bytes the node
// sent, starts with one; the command comes alone, right after the
// greeting, so it starts a read.
func (cc *connCounter) sawHelo(a *connAccept, p []byte) {
	cmd, rest, ok := bytes.Cut(p, []byte(" "))
	if !ok || !(bytes.EqualFold(cmd, []byte("EHLO")) || bytes.EqualFold(cmd, []byte("HELO"))) {
		return
	}
	name, _, _ := bytes.Cut(rest, []byte("\r\n"))
	cc.mu.Lock()
	if a.helo == "" {
		a.helo = string(name)
	}
	cc.mu.Unlock()
}

// sawRcpt records the domain of the first RCPT TO in head, everything the
// node sent so far, and returns what to keep looking in (head: a command
// may be split over reads) and whether the search is over (found, or
// past 64 KiB: a session that sends that much first has none to find).
func (cc *connCounter) sawRcpt(a *connAccept, head []byte) ([]byte, bool) {
	i := bytes.Index(bytes.ToUpper(head), []byte("RCPT TO:<"))
	if i < 0 {
		return head, len(head) > 64<<10
	}
	addr, _, ok := bytes.Cut(head[i+len("RCPT TO:<"):], []byte(">"))
	if !ok {
		return head, false
	}
	_, domain, _ := bytes.Cut(addr, []byte("@"))
	cc.mu.Lock()
	a.domain = string(domain)
	cc.mu.Unlock()
	return nil, true
}

// openAtAccept is how many connections of the limited site were open at
// a's accept, a included (a counted); under cc.mu.
func (cc *connCounter) openAtAccept(a *connAccept) int {
	n := 0
	for _, o := range cc.accepts {
		if o.counted() && o.openAt(a.at) {
			n++
		}
	}
	return n
}

// goneFrom reports whether every connection accepted before t that is
// still open named itself with a name other than helo: once a killed
// node's sockets are closed (the kernel closes them at its death; the
// proxy sees it a moment later), the open counts are the others' alone.
func (cc *connCounter) goneFrom(helo string, t time.Time) bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for _, a := range cc.accepts {
		if a.at.Before(t) && a.end.IsZero() && (a.helo == "" || a.helo == helo) {
			return false
		}
	}
	return true
}

// peak is the most connections of the limited site open at one of its
// accepts in [from, to) (to zero: no end), and how many of its
// connections were accepted then.
func (cc *connCounter) peak(from, to time.Time) (peak, accepts int) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for _, a := range cc.accepts {
		if !a.counted() || a.at.Before(from) || (!to.IsZero() && !a.at.Before(to)) {
			continue
		}
		accepts++
		peak = max(peak, cc.openAtAccept(a))
	}
	return peak, accepts
}

// nodePeaks is, per node (the first label of its EHLO name), the most
// connections of the limited site it had open at once at one of its
// accepts in [from, to).
func (cc *connCounter) nodePeaks(from, to time.Time) map[string]int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	peaks := map[string]int{}
	for _, a := range cc.accepts {
		if !a.counted() || a.at.Before(from) || !a.at.Before(to) {
			continue
		}
		n := 0
		for _, o := range cc.accepts {
			if o.counted() && o.helo == a.helo && o.openAt(a.at) {
				n++
			}
		}
		node, _, _ := strings.Cut(a.helo, ".")
		peaks[node] = max(peaks[node], n)
	}
	return peaks
}

// timeline renders the accepts relative to zero, for failure messages:
// "seconds:open node" for the limited site's (open: all nodes'), "seconds:(node domain)"
// for the others'.
func (cc *connCounter) timeline(zero time.Time) string {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	var b strings.Builder
	for _, a := range cc.accepts {
		node, _, _ := strings.Cut(a.helo, ".")
		if a.counted() {
			fmt.Fprintf(&b, "%.2fs:%d%s ", a.at.Sub(zero).Seconds(), cc.openAtAccept(a), node)
		} else {
			fmt.Fprintf(&b, "%.2fs:(%s %s) ", a.at.Sub(zero).Seconds(), node, a.domain)
		}
	}
	return b.String()
}

// firstReaching is when the first connection of the limited site
// accepted after from brought its open count to n (ok false: none yet).
func (cc *connCounter) firstReaching(from time.Time, n int) (time.Time, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for _, a := range cc.accepts {
		if a.at.After(from) && a.counted() && cc.openAtAccept(a) >= n {
			return a.at, true
		}
	}
	return time.Time{}, false
}

// leasesOf reads from the fleet's Redis (at url, the default key prefix)
// the connection leases node holds now, over every key, and how long the
// last of them has left before it expires: what a node killed at that
// moment leaves behind for the TTL.
func leasesOf(ctx context.Context, url, node string) (n int, left time.Duration, err error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return 0, 0, err
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	now, err := rdb.Time(ctx).Result()
	if err != nil {
		return 0, 0, fmt.Errorf("redis time: %w", err)
	}
	keys, err := rdb.Keys(ctx, "sluice:lease:*").Result()
	if err != nil {
		return 0, 0, fmt.Errorf("redis keys: %w", err)
	}
	for _, k := range keys {
		zs, err := rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		if err != nil {
			return 0, 0, fmt.Errorf("redis zrange %s: %w", k, err)
		}
		for _, z := range zs {
			id, _ := z.Member.(string)
			exp := time.UnixMilli(int64(z.Score))
			if strings.HasPrefix(id, node+"-") && exp.After(now) {
				n++
				left = max(left, exp.Sub(now))
			}
		}
	}
	return n, left, nil
}

// liveNodesSeen is m's sluice_fleet_live_nodes: the live sending nodes
// it last counted (Heartbeat), the divisor of its share of each limit
// while Redis is down (ok false when it did not answer).
func liveNodesSeen(m *fleetMember) (int, bool) {
	resp, err := http.Get("http://" + m.adminAt + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "sluice_fleet_live_nodes "); ok {
			n, err := strconv.Atoi(v)
			return n, err == nil
		}
	}
	return 0, false
}
