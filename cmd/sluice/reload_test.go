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
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/configs"
	"sluice/dkim"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
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
port = %d
connect_timeout = "2s"
idle_timeout = "500ms"
%s`, dataDir, dnsAddr, port, more)
}

// tenantTOML is one [[tenant]] table with password testPassword.
func tenantTOML(t *testing.T, name, domain string) string {
	return fmt.Sprintf("[[tenant]]\nname = %q\nusername = %q\npassword_hash = %q\nsender_domains = [%q]\n",
		name, name, hashFor(t, testPassword), domain)
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
