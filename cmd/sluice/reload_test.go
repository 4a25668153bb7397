package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"

	"sluice/configs"
	"sluice/dkim"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/mta/shaping"
	"sluice/queue"
	"sluice/tracking/events"
)

// reloadConfigText is a config file with every listener on port 0, DNS
// from dnsAddr, MX delivery to port, and more (tenants, routes, rules).
func reloadConfigText(dataDir, dnsAddr string, port int, more string) string {
	return fmt.Sprintf(`hostname = "mta.sluice.test"
data_dir = %q
[submission]
listen = "127.0.0.1:0"
[inbound]
listen = "127.0.0.1:0"
[tracking]
listen = "127.0.0.1:0"
[admin]
listen = "127.0.0.1:0"
[queue]
retry_first = "200ms"
retry_max = "1s"
[delivery]
resolvers = [%q]
allow_private_mx = true
port = %d
connect_timeout = "2s"
idle_timeout = "500ms"
%s`, dataDir, dnsAddr, port, more)
}

// testPasswordHash is testPassword's bcrypt hash, made once: a reload
// that changes a tenant's password_hash ends its open sessions at their
// next MAIL, so the tables a test reloads must carry the same hash.
var testPasswordHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

// tenantTOML is one [[tenant]] table with password testPassword.
func tenantTOML(t *testing.T, name, domain string) string {
	return fmt.Sprintf("[[tenant]]\nname = %q\nusername = %q\npassword_hash = %q\nsender_domains = [%q]\n",
		name, name, testPasswordHash(), domain)
}

// authAs opens a submission session (STARTTLS) and authenticates; the
// error is AUTH's.
func authAs(t *testing.T, addr, user string) (*smtp.Client, error) {
	t.Helper()
	c, err := smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, c.Auth(saslPlain(user, testPassword))
}

// A SIGHUP's config reload (the registry's first function, run here as
// SIGHUP runs it): tenant bee added and acme removed, a route and a
// require-TLS rule added, a DKIM key for bee. After it AUTH as bee
// succeeds and its mail is signed with the new key and goes over the new
// route, AUTH as acme is refused 535, a session acme authenticated before
// the reload still finishes its message, and mail to a require-TLS site
// whose sink offers no STARTTLS is deferred. A config that does not
// validate is then refused with one log line naming the key, and bee
// still works.
func TestConfigReload(t *testing.T) {
	t.Parallel()
	dns := dnstest.NewServer(t)
	mxSink := mtatest.NewSink(t, mtatest.SinkOptions{TLS: true})
	routed := mtatest.NewSink(t, mtatest.SinkOptions{TLS: true})
	clear := mtatest.NewSink(t, mtatest.SinkOptions{}) // offers no STARTTLS
	dns.AddMX("example.test", 10, "mx1.example.test")
	dns.AddA("mx1.example.test", "127.0.0.1")
	dir := t.TempDir()
	key, err := dkim.GenerateKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "bee.key")
	if err := dkim.WritePrivateKey(keyFile, key); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sluice.toml")
	write := func(more string) {
		if err := os.WriteFile(path, []byte(reloadConfigText(filepath.Join(dir, "data"), dns.Addr(), mxSink.Port(), more)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(tenantTOML(t, "acme", "acme.example") + fmt.Sprintf("[[route]]\ndomain = \"clear.test\"\nhost = %q\n", clear.Addr()))
	cfg, err := configs.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	events := newEventLog()
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(logs, testLogWriter()), nil))
	n, err := startNode(cfg, log, io.Discard, nodeOptions{onEvent: events.add, configPath: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.shutdown(5 * time.Second) })
	addr := n.subLn.Addr().String()
	send := func(c *smtp.Client, from, to string) {
		t.Helper()
		if err := c.SendMail(from, []string{to}, strings.NewReader("From: "+from+"\r\nSubject: r\r\n\r\nhi\r\n")); err != nil {
			t.Fatalf("%s → %s: %v", from, to, err)
		}
	}

	// Before: the clear site takes mail in plaintext (opportunistic).
	c, err := authAs(t, addr, "acme")
	if err != nil {
		t.Fatal(err)
	}
	send(c, "a@acme.example", "before@clear.test")
	events.wait(t, "before@clear.test", "delivered", 10*time.Second)
	// A session of acme, authenticated and inside its transaction.
	old, err := authAs(t, addr, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Mail("a@acme.example", nil); err != nil {
		t.Fatal(err)
	}
	if err := old.Rcpt("old@example.test", nil); err != nil {
		t.Fatal(err)
	}

	write(tenantTOML(t, "bee", "bee.example") +
		fmt.Sprintf("[[route]]\ndomain = \"clear.test\"\nhost = %q\n", clear.Addr()) +
		fmt.Sprintf("[[route]]\ndomain = \"example.test\"\nhost = %q\n", routed.Addr()) +
		"[[delivery.tls_policy]]\ndomain = \"clear.test\"\nmode = \"require\"\n" +
		fmt.Sprintf("[[dkim.key]]\ndomain = \"bee.example\"\nselector = \"s1\"\nfile = %q\n", keyFile))
	if err := n.reloads.Run(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}

	if _, err := authAs(t, addr, "acme"); !isCode(err, 535) {
		t.Fatalf("AUTH as the removed tenant: %v, want 535", err)
	}
	bee, err := authAs(t, addr, "bee")
	if err != nil {
		t.Fatalf("AUTH as the added tenant: %v", err)
	}
	send(bee, "b@bee.example", "new@example.test")
	w, err := old.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "From: a@acme.example\r\nSubject: old\r\n\r\nbegun before the reload\r\n")
	if err := w.Close(); err != nil {
		t.Fatalf("the session begun before the reload: %v", err)
	}
	got := routed.WaitRcpts(2, 10*time.Second)
	if len(got) != 2 {
		t.Fatalf("the new route's sink got %d messages, want 2", len(got))
	}
	for _, m := range got {
		if m.To[0] == "new@example.test" && strings.Join(signingDomains(m.Data), ",") != "bee.example" {
			t.Fatalf("bee's message signed by %v, want the new key of bee.example", signingDomains(m.Data))
		}
	}
	send(bee, "b@bee.example", "after@clear.test")
	if ev := events.wait(t, "after@clear.test", "deferred", 10*time.Second); ev.TLSPolicy != "require" {
		t.Fatalf("deferred under TLS policy %q, want require", ev.TLSPolicy)
	}

	// A config that does not validate changes nothing.
	write(tenantTOML(t, "acme", "acme.example") + "[[delivery.tls_policy]]\ndomain = \"x.test\"\nmode = \"bogus\"\n")
	if err := n.reloads.Run(context.Background()); err == nil {
		t.Fatal("a config with a bad tls_policy mode was accepted")
	}
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"reload failed`) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "delivery.tls_policy") {
		t.Fatalf("refusal logged as %q, want one line naming delivery.tls_policy", lines)
	}
	if _, err := authAs(t, addr, "bee"); err != nil {
		t.Fatalf("bee after a refused reload: %v", err)
	}
	if _, err := authAs(t, addr, "acme"); !isCode(err, 535) {
		t.Fatalf("acme after a refused reload: %v, want 535", err)
	}
}

func isCode(err error, code int) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code == code
}

// reloadNode is a node started from a config file, as `sluice serve
// --config` runs, that a test rewrites and reloads.
type reloadNode struct {
	t      *testing.T
	n      *node
	path   string
	write  func(more string)
	events *eventLog
	logs   *syncBuffer
}

// startReloadNode writes reloadConfigText(…, more) with a DNS server that
// points example.test at sink, and starts a node from it.
func startReloadNode(t *testing.T, sink *mtatest.Sink, more string) *reloadNode {
	t.Helper()
	dns := dnstest.NewServer(t)
	dns.AddMX("example.test", 10, "mx1.example.test")
	dns.AddA("mx1.example.test", "127.0.0.1")
	dir := t.TempDir()
	rn := &reloadNode{t: t, path: filepath.Join(dir, "sluice.toml"), events: newEventLog(), logs: &syncBuffer{}}
	rn.write = func(more string) {
		t.Helper()
		text := reloadConfigText(filepath.Join(dir, "data"), dns.Addr(), sink.Port(), more)
		if err := os.WriteFile(rn.path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rn.write(more)
	cfg, err := configs.Load(rn.path)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(rn.logs, testLogWriter()), nil))
	if rn.n, err = startNode(cfg, log, io.Discard, nodeOptions{onEvent: rn.events.add, configPath: rn.path}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rn.n.shutdown(5 * time.Second) })
	return rn
}

// reload rewrites the config with more and runs the reload SIGHUP runs.
func (rn *reloadNode) reload(more string) {
	rn.t.Helper()
	rn.write(more)
	if err := rn.n.reloads.Run(context.Background()); err != nil {
		rn.t.Fatalf("reload: %v", err)
	}
}

// sendMany submits n messages from acme to <prefix><i>@example.test over
// sessions parallel STARTTLS+AUTH sessions.
func (rn *reloadNode) sendMany(prefix string, n, sessions int) {
	rn.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for s := range sessions {
		c, err := authAs(rn.t, rn.n.subLn.Addr().String(), "acme")
		if err != nil {
			rn.t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := s; i < n; i += sessions {
				to := fmt.Sprintf("%s%d@example.test", prefix, i)
				if err := sendOne(c, "a@acme.example", to, "From: a@acme.example\r\nSubject: s\r\n\r\nhi\r\n"); err != nil {
					errs <- fmt.Errorf("%s: %w", to, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		rn.t.Fatal(err)
	}
}

// concurrency counts the transactions a sink holds at once (its Data
// takes hold, so that overlapping connections overlap there).
type concurrency struct {
	hold      time.Duration
	cur, peak atomic.Int64
}

func (c *concurrency) data(mtatest.Received) error {
	n := c.cur.Add(1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	time.Sleep(c.hold) // a slow receiver: the sink's own latency, not a wait for a constant
	c.cur.Add(-1)
	return nil
}

// A reload that lowers a shaping rule's max_connections: the receiver,
// which saw several connections at once before, sees one at a time after.
func TestReloadShapingRules(t *testing.T) {
	t.Parallel()
	conc := &concurrency{hold: 40 * time.Millisecond}
	sink := mtatest.NewSink(t, mtatest.SinkOptions{TLS: true, Data: conc.data})
	rule := func(conns int) string {
		return fmt.Sprintf("[[shaping.rule]]\nname = \"slow\"\ndomains = [\"example.test\"]\nmax_connections = %d\nmax_messages_per_connection = 1000\n", conns)
	}
	rn := startReloadNode(t, sink, tenantTOML(t, "acme", "acme.example")+rule(6))
	rn.sendMany("before", 60, 6)
	if got := sink.WaitRcpts(60, 20*time.Second); len(got) != 60 {
		t.Fatalf("before the reload: %d of 60 delivered", len(got))
	}
	if p := conc.peak.Load(); p < 2 {
		t.Fatalf("before the reload the sink saw at most %d transaction at once; the test needs several", p)
	}

	rn.reload(tenantTOML(t, "acme", "acme.example") + rule(1))
	conc.peak.Store(conc.cur.Load())
	rn.sendMany("after", 60, 6)
	if got := sink.WaitRcpts(120, 30*time.Second); len(got) != 120 {
		t.Fatalf("after the reload: %d of 120 delivered", len(got))
	}
	if p := conc.peak.Load(); p != 1 {
		t.Fatalf("after max_connections = 1 was reloaded the sink saw %d transactions at once, want 1", p)
	}
	if l := rn.n.shaping.Limits(shapingKeyOf(rn.n, "example.test")); l.MaxConnections != 1 || l.Rule != "slow" {
		t.Fatalf("the site's limits after the reload: %+v", l)
	}
}

// shapingKeyOf is the shaping key of domain sent from the default source.
func shapingKeyOf(n *node, domain string) shaping.Key {
	return shaping.Key{Site: n.shaping.Site(domain, []string{"mx1.example.test"})}
}

// A reload that lowers a tenant's daily_quota under what it sent today:
// its next MAIL FROM is answered 451 4.7.1 (the day's count survived the
// reload), and one raised again lets it go on from that count.
func TestReloadTenantLimits(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{TLS: true})
	acme := func(quota int) string {
		return tenantTOML(t, "acme", "acme.example") + fmt.Sprintf("daily_quota = %d\n", quota)
	}
	rn := startReloadNode(t, sink, acme(10))
	addr := rn.n.subLn.Addr().String()
	c, err := authAs(t, addr, "acme")
	if err != nil {
		t.Fatal(err)
	}
	msg := "From: a@acme.example\r\nSubject: q\r\n\r\nhi\r\n"
	for i := range 3 {
		if err := sendOne(c, "a@acme.example", fmt.Sprintf("q%d@example.test", i), msg); err != nil {
			t.Fatalf("message %d under the quota: %v", i, err)
		}
	}

	rn.reload(acme(3))
	err = c.Mail("a@acme.example", nil) // the session from before the reload
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 451 || se.EnhancedCode != (smtp.EnhancedCode{4, 7, 1}) {
		t.Fatalf("MAIL FROM with 3 sent and the quota reloaded to 3: %v, want 451 4.7.1", err)
	}

	rn.reload(acme(4))
	if err := sendOne(c, "a@acme.example", "q3@example.test", msg); err != nil {
		t.Fatalf("the 4th message with the quota reloaded to 4: %v", err)
	}
	if err := c.Mail("a@acme.example", nil); !isCode(err, 451) {
		t.Fatalf("the 5th message with a quota of 4: %v, want 451", err)
	}
}

// A reload that adds a [[bounce_rule]]: the same refusal from the
// receiver, classified by the built-in table before, is the override's
// class in the failed event after.
func TestReloadClassificationRules(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{TLS: true, Rcpt: func(string) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Mailbox frozen by policy"}
	}})
	rn := startReloadNode(t, sink, tenantTOML(t, "acme", "acme.example"))
	c, err := authAs(t, rn.n.subLn.Addr().String(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	send := func(to string) string {
		t.Helper()
		if err := sendOne(c, "a@acme.example", to, "From: a@acme.example\r\nSubject: c\r\n\r\nhi\r\n"); err != nil {
			t.Fatal(err)
		}
		rn.events.wait(t, to, "failed", 10*time.Second)
		return failedClass(t, rn.n, to)
	}
	before := send("before@example.test")
	if before == "" || before == "hard_invalid_recipient" {
		t.Fatalf("class before the override: %q; the test needs another built-in verdict", before)
	}
	rn.reload(tenantTOML(t, "acme", "acme.example") +
		"[[bounce_rule]]\nname = \"frozen\"\npattern = \"mailbox frozen\"\nclass = \"hard_invalid_recipient\"\n")
	if after := send("after@example.test"); after != "hard_invalid_recipient" {
		t.Fatalf("class after the override was reloaded: %q (before: %q), want hard_invalid_recipient", after, before)
	}
}

// failedClass waits for the events store's failed event of rcpt (the
// journal applies it a moment after delivery's event) and returns its
// class.
func failedClass(t *testing.T, n *node, rcpt string) string {
	t.Helper()
	var class string
	waitFor(t, 10*time.Second, func() bool {
		_ = n.events.Range(context.Background(), "acme", time.Time{}, time.Time{}, func(ev events.Event) bool {
			if r, ok := n.store.LookupRecipient(queue.ID(ev.Message), ev.Rcpt); ok && string(ev.Kind) == "failed" && r.Addr == rcpt {
				class = ev.Class
				return false
			}
			return true
		})
		return class != ""
	})
	return class
}
