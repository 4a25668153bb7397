package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/admin"
	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/mta/mtatest"
	"sluice/queue"
	"sluice/tracking/token"
)

// fleetMember is one `sluice serve` process of a test fleet.
type fleetMember struct {
	id                             string
	submit, edge, adminAt, inbound string
	dataDir                        string
	child                          *child
}

// startFleetNodes runs n `sluice serve` processes, each with its own data
// dir, sharing redisURL, a tenant "acme" (trusted from loopback, no AUTH),
// one tracking secret (a token made for one node works at every node)
// and a sink MX for whatever they accept (startFleet, fleet_harness_test.go).
func startFleetNodes(t *testing.T, redisURL string, ids ...string) ([]*fleetMember, *token.Keyring) {
	t.Helper()
	return startFleet(t, fleetSpec{redisURL: redisURL}, ids...)
}

// newPlainSink starts a sink that accepts everything and returns its address.
func newPlainSink(t *testing.T) string {
	t.Helper()
	return mtatest.NewSink(t, mtatest.SinkOptions{}).Addr()
}

// submitCode submits one marketing message from acme to rcpt at addr and
// returns the final reply's code: 250 when queued, the refusal's code
// (RCPT, or after DATA for a marketing-only suppression) otherwise.
func submitCode(t *testing.T, addr, rcpt string) int {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = sendOne(c, "news@acme.example", rcpt, "From: news@acme.example\r\nTo: "+rcpt+"\r\nSubject: news\r\n\r\nhello\r\n")
	var se *smtp.SMTPError
	switch {
	case err == nil:
		return 250
	case errors.As(err, &se):
		return se.Code
	}
	t.Fatalf("submit to %s: %v", addr, err)
	return 0
}

// submitForID submits one message from acme to rcpt at addr and returns the
// id of its "250 2.0.0 queued as <id>".
func submitForID(t *testing.T, addr, rcpt string) queue.ID {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("news@acme.example", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "From: news@acme.example\r\nTo: "+rcpt+"\r\nSubject: ids\r\n\r\nhello\r\n")
	resp, err := w.CloseWithResponse()
	if err != nil {
		t.Fatal(err)
	}
	_, hex, _ := strings.Cut(resp.StatusText, "queued as ")
	id, err := queue.ParseID(strings.TrimSpace(hex))
	if err != nil {
		t.Fatalf("250 %q: %v", resp.StatusText, err)
	}
	return id
}

// refusedWithin waits until every member refuses rcpt (550) and returns
// how long that took.
func refusedWithin(t *testing.T, members []*fleetMember, rcpt string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for _, m := range members {
		for {
			code := submitCode(t, m.submit, rcpt)
			if code == 550 {
				break
			}
			if time.Since(start) > limit {
				t.Fatalf("node %s still answers %d for %s after %v\n%s", m.id, code, rcpt, limit, m.child.logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return time.Since(start)
}

// TestFleetSuppressionsAcrossProcesses runs a real redis-server and three
// `sluice serve` processes sharing it, and proves, in a few seconds:
// an unsubscribe taken by one node's edge is refused by the other two
// within a second; a suppression taken while Redis is SIGKILLed, Redis
// then restarted empty, is refused by every node after recovery (the
// nodes re-seed it from their spools); RCPT checks of a suppressed
// address cost Redis nothing; and the admin API lists the three nodes.
func TestFleetSuppressionsAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process fleet test skipped in -short mode")
	}
	srv := redistest.Start(t, redistest.Config{})
	nodes, kr := startFleetNodes(t, srv.URL(), "a", "b", "c")
	a, others := nodes[0], nodes[1:]

	t.Run("edge unsubscribe at A refused at B and C within 1s", func(t *testing.T) {
		const rcpt = "kim@example.net"
		for _, m := range others { // not suppressed anywhere yet
			if code := submitCode(t, m.submit, rcpt); code != 250 {
				t.Fatalf("node %s: %d before the unsubscribe", m.id, code)
			}
		}
		tok, err := kr.Seal(token.Claims{Kind: token.Unsubscribe, Tenant: "acme", Message: 7, Addr: rcpt, Issued: clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if code := oneClick(t, nil, "http://"+a.edge+"/u/"+tok); code != http.StatusOK {
			t.Fatalf("one-click at A: %d", code)
		}
		took := refusedWithin(t, others, rcpt, time.Second)
		t.Logf("unsubscribe at A refused at B and C after %v", took)
	})

	t.Run("every node mints ids with its own node number", func(t *testing.T) {
		seen := map[int]string{}
		for _, m := range nodes {
			id := submitForID(t, m.submit, "ids@example.net")
			b, err := os.ReadFile(filepath.Join(m.dataDir, "node_number"))
			if err != nil {
				t.Fatal(err)
			}
			num, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || num < 1 || num > queue.MaxNode {
				t.Fatalf("node %s: node_number %q", m.id, b)
			}
			if id.Node() != num {
				t.Errorf("node %s (number %d) minted %s, whose node part is %d", m.id, num, id, id.Node())
			}
			if other, dup := seen[num]; dup {
				t.Errorf("nodes %s and %s share number %d", other, m.id, num)
			}
			seen[num] = m.id
		}
	})

	t.Run("suppressed during a Redis outage, Redis back empty", func(t *testing.T) {
		const rcpt = "gone@example.net"
		srv.Kill()
		var out, errb bytes.Buffer
		if code := runCtl([]string{"--admin", a.adminAt, "--token", "t0ken", "suppress", "add", "--tenant", "acme", rcpt}, &out, &errb); code != 0 {
			t.Fatalf("ctl suppress add at A with Redis down: %s", errb.String())
		}
		if code := submitCode(t, a.submit, rcpt); code != 550 {
			t.Fatalf("A answers %d for its own suppression", code)
		}
		srv.RestartEmpty()
		took := refusedWithin(t, nodes, rcpt, 10*time.Second)
		t.Logf("after an empty Redis restart every node refuses within %v", took)
	})

	t.Run("100 RCPTs of a suppressed address cost Redis no command", func(t *testing.T) {
		const rcpt = "gone@example.net" // suppressed for every stream: refused at RCPT
		ctx := t.Context()
		before := commandStats(t, ctx, srv)
		c, err := smtp.Dial(others[0].submit)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Mail("news@acme.example", nil); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			var se *smtp.SMTPError
			if err := c.Rcpt(rcpt, nil); !errors.As(err, &se) || se.Code != 550 {
				t.Fatalf("RCPT %d: %v, want 550", i, err)
			}
		}
		after := commandStats(t, ctx, srv)
		var grew int64
		for name, n := range after {
			d := n - before[name]
			switch name {
			case "exists", "get":
				// The tenants' replication polls tenants:rev (EXISTS, GET)
				// every 250 ms on each node, however long the RCPTs take
				// on a loaded machine; a lookup per RCPT would be 100.
				if d >= 100 {
					t.Errorf("%s ran %d times during the RCPTs", name, d)
				}
				continue
			case "hget", "hmget", "hexists", "sismember", "evalsha", "eval", "hgetall", "hscan":
				if d > 0 {
					t.Errorf("%s ran %d times during the RCPTs", name, d)
				}
			}
			grew += d
		}
		if grew >= 50 {
			t.Errorf("Redis ran %d commands during 100 RCPTs: %v → %v", grew, before, after)
		}
	})

	t.Run("cluster status lists the live nodes", func(t *testing.T) {
		var st admin.ClusterStatus
		waitFor(t, 5*time.Second, func() bool {
			req, _ := http.NewRequest(http.MethodGet, "http://"+a.adminAt+"/api/v1/cluster", nil)
			req.Header.Set("Authorization", "Bearer t0ken")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			return json.NewDecoder(resp.Body).Decode(&st) == nil && len(st.Nodes) == 3
		})
		if st.NodeID != "a" || !st.Redis.Up || st.Nodes[0].ID != "a" || st.Nodes[2].ID != "c" || st.Nodes[1].Version == "" {
			t.Fatalf("cluster status: %+v", st)
		}
	})
}

// commandStats returns INFO commandstats' calls per command (INFO and
// AUTH, the test's own, left out).
func commandStats(t *testing.T, ctx context.Context, srv *redistest.Server) map[string]int64 {
	t.Helper()
	info, err := srv.Do(ctx, "INFO", "commandstats")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		name = strings.TrimPrefix(name, "cmdstat_")
		if !ok || name == "info" || name == "auth" {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		v, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			t.Fatalf("commandstats line %q: %v", line, err)
		}
		out[name] = v
	}
	return out
}
