package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/admin"
	"sluice/queue"
	"sluice/tracking/events"
)

const token = "t0ken-for-ctl"

// node is a real admin API over a real spool and events store (no
// webhooks) on loopback, for ctl to drive.
type node struct {
	t     *testing.T
	spool *queue.Store
	addr  string
	logs  *syncBuffer
	now   time.Time
}

// newNode starts the node; opts change its admin config (a log level, a
// metrics registry, a fake spool) before the server starts.
func newNode(t *testing.T, opts ...func(*admin.Config)) *node {
	t.Helper()
	n := &node{t: t, logs: &syncBuffer{}, now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	clk := func() time.Time { return n.now }
	dir := t.TempDir()
	var err error
	n.spool, err = queue.Open(filepath.Join(dir, "spool.db"), queue.Options{Now: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.spool.Close() })
	ev, err := events.Open(filepath.Join(dir, "events.db"), events.Options{NoSync: true, Retention: -1, Now: clk,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close(context.Background()) })
	cfg := admin.Config{Token: token, Queue: n.spool, Suppressions: n.spool, Stats: ev,
		Privacy: admin.Stores{Spool: n.spool, Events: ev}, Tenants: []string{"acme"},
		Logger: slog.New(slog.NewJSONHandler(n.logs, nil)), Now: clk}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := admin.NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	n.addr = strings.TrimPrefix(srv.URL, "http://")
	return n
}

// ctl runs `sluice ctl` against n and returns the exit code and outputs.
func (n *node) ctl(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(append([]string{"--admin", n.addr, "--token", token}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// ok runs ctl, failing the test unless it exits 0, and returns stdout.
func (n *node) ok(args ...string) string {
	n.t.Helper()
	code, out, errs := n.ctl(args...)
	if code != 0 {
		n.t.Fatalf("ctl %v: exit %d: %s", args, code, errs)
	}
	return out
}

func (n *node) enqueue(rcpts ...string) queue.ID {
	n.t.Helper()
	m := &queue.Message{ID: n.spool.NewID(), Tenant: "acme", From: "news@acme.example", Rcpts: rcpts,
		Created: n.now, Body: []byte("Subject: hi\r\n\r\nbody\r\n")}
	if err := n.spool.Enqueue(context.Background(), m); err != nil {
		n.t.Fatal(err)
	}
	return m.ID
}

// TestQueueCommands: the queue views and actions through the API, with
// the operator named in the audit lines.
func TestQueueCommands(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	id := n.enqueue("a@example.test", "b@other.test")
	n.now = n.now.Add(90 * time.Second) // the injected clock ages the message
	if out := n.ok("queue", "stats"); !strings.Contains(out, "messages   1\nqueued     2\n") || !strings.Contains(out, "(1m30s ago)") {
		t.Fatalf("queue stats:\n%s", out)
	}
	var st admin.QueueStats
	if err := json.Unmarshal([]byte(n.ok("--json", "queue", "stats")), &st); err != nil || st.Queued != 2 || st.OldestAgeSeconds != 90 {
		t.Fatalf("queue stats --json: %+v, %v", st, err)
	}
	if out := n.ok("queue", "show", id.String()); !strings.Contains(out, "b@other.test") {
		t.Fatalf("queue show:\n%s", out)
	}
	if out := n.ok("queue", "list", "--domain", "other.test"); !strings.Contains(out, id.String()) {
		t.Fatalf("queue list:\n%s", out)
	}
	n.ok("queue", "suspend", "domain", "example.test")
	if out := n.ok("queue", "holds"); !strings.Contains(out, "example.test") {
		t.Fatalf("queue holds:\n%s", out)
	}
	if out := n.ok("--json", "queue", "summary", "--by", "domain"); !strings.Contains(out, `"key": "example.test"`) {
		t.Fatalf("queue summary:\n%s", out)
	}
	if out := n.ok("queue", "summary", "--by", "site", "--json"); !strings.Contains(out, `"sites": []`) {
		t.Fatalf("queue summary by site without shaping:\n%s", out)
	}
	if out := n.ok("queue", "resume", "domain", "example.test"); out != "resumed domain:example.test: 0 recipients released\n" {
		t.Fatalf("queue resume:\n%s", out)
	}
	if out := n.ok("queue", "retry", "--all"); out != "retried 2 recipients\n" {
		t.Fatalf("queue retry:\n%s", out)
	}
	if out := n.ok("--json", "queue", "bounce", "--domain", "other.test", "--reason", "bad list"); !strings.Contains(out, `"bounced": 1`) {
		t.Fatalf("queue bounce:\n%s", out)
	}
	if out := n.ok("queue", "delete", "--id", id.String()); out != "deleted 1 recipients\n" {
		t.Fatalf("queue delete:\n%s", out)
	}
	logs := n.logs.String()
	for _, want := range []string{`"msg":"admin: queue suspend"`, `"msg":"admin: queue bounce"`, `"actor":"ctl`,
		`"result":"failed","reply":"by an operator: ctl`, `"result":"deleted"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs miss %s:\n%s", want, logs)
		}
	}
}

// TestUsage: command lines that do not parse exit 2 without a request;
// API refusals exit 1 with the API's error.
func TestUsage(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	for _, args := range [][]string{
		{}, {"queue"}, {"queue", "frobnicate"}, {"queue", "retry"}, {"queue", "bounce", "--all"},
		{"queue", "show"}, {"queue", "suspend", "domain"}, {"stats"}, {"suppress", "add", "a@example.test"},
		{"suppress", "import", "--tenant", "acme"}, {"privacy", "export", "a@example.test"},
		{"privacy", "erase", "--tenant", "acme", "--yes"}, {"--nosuchflag", "queue", "stats"},
		{"queue", "show", "a", "b"}, {"queue", "show", "0000000000000001", "--headers", "--body"},
		{"queue", "hold"}, {"queue", "release"}, {"hold"}, {"log-level", "debug", "info"},
		{"top", "--interval", "0s"}, {"top", "--n", "0"}, {"top", "extra"}, {"frobnicate"}, {"suppress"},
	} {
		if code, _, _ := n.ctl(args...); code != 2 {
			t.Errorf("ctl %v: exit %d, want 2 (usage)", args, code)
		}
	}
	if n.logs.String() != "" {
		t.Fatalf("a usage error reached the API:\n%s", n.logs.String())
	}
	var out, errb bytes.Buffer
	if code := Run([]string{"--admin", n.addr, "--token", "wrong", "queue", "stats"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "401") {
		t.Fatalf("wrong token: exit %d, %q", code, errb.String())
	}
	if code, _, errs := n.ctl("queue", "summary", "--by", "moon"); code != 1 || !strings.Contains(errs, "by must be") {
		t.Fatalf("bad summary: exit %d, %q", code, errs)
	}
}

// TestTokenFromDataDir: without --token or $SLUICE_ADMIN_TOKEN, ctl reads
// the token file in the config's data directory.
func TestTokenFromDataDir(t *testing.T) {
	n := newNode(t) // not parallel: it clears an environment variable
	t.Setenv("SLUICE_ADMIN_TOKEN", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "admin.token"), []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "sluice.toml")
	if err := os.WriteFile(cfg, []byte("data_dir = \""+dir+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := Run([]string{"--config", cfg, "--admin", n.addr, "queue", "stats"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if err := os.Remove(filepath.Join(dir, "admin.token")); err != nil {
		t.Fatal(err)
	}
	if code := Run([]string{"--config", cfg, "--admin", n.addr, "queue", "stats"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no admin token") {
		t.Fatalf("without a token: exit %d, %q", code, errb.String())
	}
}

// TestSuppressCommands: add, list, remove, import and export round-trip
// through the API.
func TestSuppressCommands(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	if out := n.ok("suppress", "add", "--tenant", "acme", "--scope", "marketing", "--reason", "asked", "a@example.test", "b@example.test"); out != "suppressed: a@example.test\nsuppressed: b@example.test\n" {
		t.Fatalf("add:\n%s", out)
	}
	csv := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(csv, []byte("address,scope\nc@example.test,all\nd@example.test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := n.ok("suppress", "import", "--tenant", "acme", csv); out != "imported 2\n" {
		t.Fatalf("import:\n%s", out)
	}
	out := n.ok("suppress", "list", "--tenant", "acme")
	if !strings.HasPrefix(out, "TENANT") || !strings.Contains(out, "a@example.test  marketing  asked") || strings.Count(out, "\n") != 5 {
		t.Fatalf("list:\n%s", out)
	}
	n.ok("suppress", "remove", "--tenant", "acme", "b@example.test")
	exp := n.ok("suppress", "export")
	if !strings.HasPrefix(exp, "tenant,address,scope,reason,source,created\n") || strings.Contains(exp, "b@example.test") || !strings.Contains(exp, "acme,c@example.test,all,import,import,") {
		t.Fatalf("export:\n%s", exp)
	}
	if code, _, errs := n.ctl("suppress", "add", "--tenant", "acme", "--scope", "some", "e@example.test"); code != 1 || !strings.Contains(errs, "scope must be") {
		t.Fatalf("bad scope: exit %d, %q", code, errs)
	}
}

// TestPrivacyCommands: export prints the API's JSON; erase without --yes
// shows what it would remove and changes nothing; with --yes (given
// after the address too) it erases.
func TestPrivacyCommands(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	n.enqueue("ann@example.test")
	var ex admin.SubjectExport
	if err := json.Unmarshal([]byte(n.ok("privacy", "export", "--tenant", "acme", "ann@example.test")), &ex); err != nil || len(ex.Queued) != 1 {
		t.Fatalf("export: %+v, %v", ex, err)
	}
	code, _, errs := n.ctl("privacy", "erase", "--tenant", "acme", "ann@example.test")
	if code != 1 || !strings.Contains(errs, "would erase, for tenant acme: 1 directory entries, 1 queued") || !strings.Contains(errs, "--yes") {
		t.Fatalf("erase without --yes: exit %d, %q", code, errs)
	}
	var er admin.Erasure
	if err := json.Unmarshal([]byte(n.ok("privacy", "erase", "--tenant", "acme", "ann@example.test", "--yes")), &er); err != nil ||
		er.QueuedRemoved != 1 || er.MessagesRemoved != 1 {
		t.Fatalf("erase: %+v, %v", er, err)
	}
	if out := n.ok("stats", "--tenant", "acme", "--json"); !strings.Contains(out, `"tenant": "acme"`) {
		t.Fatalf("stats:\n%s", out)
	}
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
