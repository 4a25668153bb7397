package opstest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"

	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

const (
	tenantUser     = "acme"
	tenantPassword = "correct horse battery staple"
)

// node is a `sluice serve` process on loopback, with the peers it talks to.
type node struct {
	submit, inbound, edge, admin string
	sink                         *mtatest.Sink
	hooks                        *atomic.Int64 // webhook requests received
	logs                         *syncBuffer
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

// startNode runs the built sluice binary with a config whose every
// listener is on loopback: example.test's MX is a go-smtp sink that takes
// everything but cat@ (550 5.1.1); slow.test's is the same sink answering
// 451 4.7.1 "rate limited" (a deferral and a shaping backoff); the tenant
// tracks opens and clicks and has a webhook. The inbound MX admits one
// connection per address, so a second is refused.
func startNode(t *testing.T, bin string) *node {
	t.Helper()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{TLS: true, Rcpt: func(to string) error {
		switch {
		case strings.HasSuffix(to, "@slow.test"):
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Rate limited, try again later"}
		case strings.HasPrefix(to, "cat@"):
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
		}
		return nil
	}})
	dns := dnstest.NewServer(t)
	dns.AddMX("example.test", 10, "mx1.example.test")
	dns.AddA("mx1.example.test", "127.0.0.1")
	dns.AddMX("slow.test", 10, "mx.slow.test")
	dns.AddA("mx.slow.test", "127.0.0.1")

	hooks := &atomic.Int64{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		hooks.Add(1)
	}))
	t.Cleanup(hook.Close)

	hash, err := bcrypt.GenerateFromPassword([]byte(tenantPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n := &node{submit: freeAddr(t), inbound: freeAddr(t), edge: freeAddr(t), admin: freeAddr(t), sink: sink, hooks: hooks, logs: &syncBuffer{}}
	config := fmt.Sprintf(`data_dir = %q
hostname = "ops.sluice.test"
[log]
level = "warn"
[submission]
listen = %q
auth_failures_free = 1
auth_lockout_after = 2
[inbound]
listen = %q
max_conns_per_ip = 1
[tracking]
listen = %q
base_url = "http://edge.test"
[admin]
listen = %q
[queue]
retry_first = "200ms"
retry_max = "1s"
[delivery]
port = %d
resolvers = [%q]
allow_private_mx = true
connect_timeout = "2s"
idle_timeout = "500ms"
[webhooks]
retry_first = "100ms"
[dkim]
[[dkim.key]]
domain = "acme.example"
selector = "ops"
file = %q
[accounting]
enabled = true
[[tenant]]
name = "acme"
username = %q
password_hash = %q
sender_domains = ["acme.example"]
tracking = "all"
[tenant.webhook]
url = %q
secret = "a-long-enough-webhook-secret"
`, filepath.Join(dir, "data"), n.submit, n.inbound, n.edge, n.admin, sink.Port(), dns.Addr(), dkimKey(t, dir),
		tenantUser, hash, hook.URL+"/hook")
	path := filepath.Join(dir, "sluice.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", path)
	cmd.Stdout, cmd.Stderr = n.logs, n.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + n.admin + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return n
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluice serve did not answer /healthz on %s: %v\n%s", n.admin, err, n.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metrics returns the node's /metrics text.
func (n *node) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get("http://" + n.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(b)
}

// waitMetrics polls /metrics until every pattern matches it.
func (n *node) waitMetrics(t *testing.T, timeout time.Duration, patterns ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		text := n.metrics(t)
		var missing []string
		for _, p := range patterns {
			if !regexp.MustCompile(`(?m)` + p).MatchString(text) {
				missing = append(missing, p)
			}
		}
		if missing == nil {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v /metrics still lacks %q\nlogs:\n%s", timeout, missing, n.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var (
	pixelURL = regexp.MustCompile(`src="http://edge\.test(/o/[A-Za-z0-9_-]+\.gif)"`)
	clickURL = regexp.MustCompile(`href="http://edge\.test(/c/[A-Za-z0-9_-]+)"`)
)

const newsletter = "From: News <news@acme.example>\r\nTo: list@acme.example\r\nSubject: Ops\r\n" +
	"X-Sluice-Campaign: ops\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
	"<html><body><p><a href=\"https://acme.example/read\">Read</a></p></body></html>\r\n"

// carryTraffic makes the node do what the dashboard shows: submit,
// deliver, defer (a rate-limit reply: backoff), fail (550: a sync
// return), an open and a click, webhook posts, AUTH failures up to a
// lockout and a refusal, a connection refused at the inbound MX and one
// cut before AUTH. It returns once /metrics shows all of it.
func (n *node) carryTraffic(t *testing.T) string {
	t.Helper()
	submit := func(user, pw string, to ...string) error {
		_, err := mtatest.Submit(mtatest.Submission{Addr: n.submit, Username: user, Password: pw,
			From: "news@acme.example", To: to, Data: []byte(newsletter)})
		return err
	}
	if err := submit(tenantUser, tenantPassword, "ann@example.test", "bob@slow.test", "cat@example.test"); err != nil {
		t.Fatalf("submit: %v\n%s", err, n.logs.String())
	}
	got := n.sink.WaitRcpts(1, 15*time.Second)
	if len(got) == 0 {
		t.Fatalf("nothing delivered to the sink\n%s", n.logs.String())
	}
	body := string(got[0].Data)
	px, cl := pixelURL.FindStringSubmatch(body), clickURL.FindStringSubmatch(body)
	if px == nil || cl == nil {
		t.Fatalf("no tracking pixel or link in the delivered message:\n%s", body)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{px[1], cl[1]} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+n.edge+path, nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	// AUTH: a free failure, a delayed one that locks the pair out, then a
	// refusal.
	for range 3 {
		if err := submit("intruder", "guess", "ann@example.test"); err == nil {
			t.Fatal("a wrong password was accepted")
		}
	}
	n.refusedAtInbound(t)
	n.cutBeforeAuth(t)

	return n.waitMetrics(t, 20*time.Second,
		`^sluice_delivery_recipients_total\{result="delivered"\} [1-9]`,
		`^sluice_delivery_recipients_total\{result="deferred"\} [1-9]`,
		`^sluice_delivery_recipients_total\{result="failed"\} [1-9]`,
		`^sluice_returns_total\{class="[a-z_]+",path="sync"\} [1-9]`,
		`^sluice_shaping_transitions_total\{rule="[a-z]+",to="backoff"\} [1-9]`,
		`^sluice_tracking_requests_total\{kind="(open|open_machine)"\} [1-9]`,
		`^sluice_tracking_requests_total\{kind="(click|click_machine)"\} [1-9]`,
		`^sluice_webhook_events_sent_total\{tenant="acme"\} [1-9]`,
		`^sluice_submission_auth_lockouts_total\{scope="pair"\} [1-9]`,
		`^sluice_submission_auth_refused_total\{reason="locked"\} [1-9]`,
		`^sluice_smtp_connections_refused_total\{listener="inbound",reason="per_addr"\} [1-9]`,
		`^sluice_smtp_preauth_cut_total\{listener="submission",reason="commands"\} [1-9]`,
		`^sluice_queue_recipients\{state="deferred"\} [1-9]`,
	)
}

// refusedAtInbound opens two connections to the inbound MX, which admits
// one per address: the second is answered 421 and closed.
func (n *node) refusedAtInbound(t *testing.T) {
	t.Helper()
	first, err := net.Dial("tcp", n.inbound)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if line := readLine(t, first); !strings.HasPrefix(line, "220") {
		t.Fatalf("inbound greeting %q", line)
	}
	second, err := net.Dial("tcp", n.inbound)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if line := readLine(t, second); !strings.HasPrefix(line, "421") {
		t.Fatalf("second inbound connection from one address: %q, want 421", line)
	}
}

// cutBeforeAuth sends commands without authenticating until the
// submission server closes the connection (max_preauth_commands, 20).
func (n *node) cutBeforeAuth(t *testing.T) {
	t.Helper()
	c, err := net.Dial("tcp", n.submit)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if _, err := io.WriteString(c, "NOOP\r\n"); err != nil {
			return
		}
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
	}
	t.Fatal("100 commands before AUTH and the connection is still open")
}

func readLine(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil && line == "" {
		return "error: " + err.Error()
	}
	return strings.TrimSpace(line)
}

// dkimKey writes an Ed25519 DKIM key (PKCS #8 PEM) into dir, so that the
// node signs and sluice_dkim_sign_seconds has samples.
func dkimKey(t *testing.T, dir string) string {
	t.Helper()
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
