package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/configs"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

const plainBody = "Hello,\r\n\r\n.a line that starts with a dot\r\n..two dots\r\nUTF-8: gr\xc3\xbc\xc3\x9fe\r\n\r\n-- \r\nacme\r\n"

func plainMessage(to string) string {
	return "From: News <news@acme.example>\r\nTo: <" + to + ">\r\nSubject: hello\r\n" +
		"X-Sluice-Stream: transactional\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" + plainBody
}

var queuedAs = regexp.MustCompile(`^250 2\.0\.0 queued as ([0-9a-f]{16})$`)

func TestEndToEnd(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, nil)
	reply, err := tn.submit("news@acme.example", []string{"alice@example.test", "bob@example.test"}, plainMessage("alice@example.test"))
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	m := queuedAs.FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("reply %q: want 250 queued as <id>", reply)
	}
	id := m[1]
	got := tn.sink.WaitRcpts(2, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("sink got %d messages, want 1 (two recipients, one transaction)", len(got))
	}
	rec := got[0]
	if rec.From != "news@acme.example" || strings.Join(rec.To, ",") != "alice@example.test,bob@example.test" {
		t.Fatalf("envelope %q → %q", rec.From, rec.To)
	}
	if !rec.TLS {
		t.Error("delivery did not use STARTTLS although the sink offered it")
	}
	if body := mtatest.BodyAfterHeaders(rec.Data); string(body) != plainBody {
		t.Fatalf("body changed in transit:\n got %q\nwant %q", body, plainBody)
	}
	recv := headerValue(rec.Data, "Received")
	for _, want := range []string{"by mta.sluice.test (sluice) with ESMTPSA id " + id, "authenticated as acme", "using TLS"} {
		if !strings.Contains(recv, want) {
			t.Errorf("Received %q lacks %q", recv, want)
		}
	}
	if mid := headerValue(rec.Data, "Message-ID"); !strings.HasPrefix(mid, "<"+id+".") || !strings.HasSuffix(mid, "@mta.sluice.test>") {
		t.Errorf("Message-ID %q not generated from the queue id", mid)
	}
	if headerValue(rec.Data, "Date") == "" {
		t.Error("no Date header added")
	}
	if v := headerValue(rec.Data, "X-Sluice-Stream"); v != "" {
		t.Errorf("X-Sluice-Stream leaked to the receiver: %q", v)
	}
	if s := headerValue(rec.Data, "Subject"); s != "hello" {
		t.Errorf("Subject = %q", s)
	}
	ev := tn.events.wait(t, "alice@example.test", "delivered", 5*time.Second)
	if ev.MX != "mx1.example.test" || !ev.TLS || ev.Attempt != 1 || ev.Code != 250 || ev.ID.String() != id {
		t.Errorf("delivered event = %+v", ev)
	}
	// The log has one JSON line per outcome with the stable keys.
	logs := tn.logs.String()
	if !strings.Contains(logs, `"msg":"delivery"`) || !strings.Contains(logs, `"msgid":"`+id+`"`) || !strings.Contains(logs, `"rcpt_domain":"example.test"`) {
		t.Errorf("no delivery log line with msgid and rcpt_domain in:\n%s", logs)
	}
}

func TestDeliveryOutcomes(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	tn := startTestNode(t, mtatest.SinkOptions{
		Rcpt: func(to string) error {
			mu.Lock()
			seen[to]++
			n := seen[to]
			mu.Unlock()
			switch {
			case strings.HasPrefix(to, "later@") && n == 1:
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
			case strings.HasPrefix(to, "unknown@"):
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
			case strings.HasPrefix(to, "never@"):
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "still busy"}
			}
			return nil
		},
	}, func(cfg *configs.Config, dns *dnstest.Server) {
		cfg.Queue.MaxAge = configs.Duration{Duration: 1500 * time.Millisecond}
		dns.SetNullMX("nullmx.test")
		// backup.test: the preferred MX refuses connections (nothing
		// listens on 127.0.0.2), the second one works.
		dns.AddMX("backup.test", 10, "down.backup.test")
		dns.AddA("down.backup.test", "127.0.0.2")
		dns.AddMX("backup.test", 20, "up.backup.test")
		dns.AddA("up.backup.test", "127.0.0.1")
		dns.AddMX("implicit.test", 0, "implicit.test")
		dns.SetRcode("servfail.test", 2)
	})
	send := func(to string) {
		t.Helper()
		if _, err := tn.submit("news@acme.example", []string{to}, plainMessage(to)); err != nil {
			t.Fatalf("submit to %s: %v", to, err)
		}
	}
	for _, to := range []string{"later@example.test", "unknown@example.test", "a@nullmx.test", "a@nxdomain.test", "a@backup.test", "never@example.test", "a@servfail.test"} {
		send(to)
	}

	ev := tn.events.wait(t, "later@example.test", "delivered", 10*time.Second)
	if ev.Attempt != 2 {
		t.Errorf("4xx then success: delivered at attempt %d, want 2", ev.Attempt)
	}
	if d := tn.events.all("later@example.test"); d[0].Kind != "deferred" || d[0].Code != 451 || !strings.Contains(d[0].Reply, "try again later") {
		t.Errorf("first outcome %+v, want deferred 451", d[0])
	}

	ev = tn.events.wait(t, "unknown@example.test", "failed", 5*time.Second)
	if ev.Code != 550 || ev.Enhanced != "5.1.1" || !strings.Contains(ev.Reply, "no such user") {
		t.Errorf("5xx: failed event %+v", ev)
	}

	ev = tn.events.wait(t, "a@nullmx.test", "failed", 5*time.Second)
	if ev.Attempt != 1 || !strings.Contains(ev.Reply, "null MX") {
		t.Errorf("null MX: %+v, want immediate permanent failure", ev)
	}
	ev = tn.events.wait(t, "a@nxdomain.test", "failed", 5*time.Second)
	if ev.Attempt != 1 || !strings.Contains(ev.Reply, "no such domain") {
		t.Errorf("NXDOMAIN: %+v", ev)
	}
	ev = tn.events.wait(t, "a@servfail.test", "deferred", 5*time.Second)
	if !strings.Contains(ev.Reply, "failure") {
		t.Errorf("SERVFAIL: %+v, want a temporary DNS failure", ev)
	}

	ev = tn.events.wait(t, "a@backup.test", "delivered", 10*time.Second)
	if ev.MX != "up.backup.test" || ev.Attempt != 1 {
		t.Errorf("first MX down: %+v, want delivery to the second MX on the first attempt", ev)
	}

	ev = tn.events.wait(t, "never@example.test", "failed", 15*time.Second)
	if !strings.HasPrefix(ev.Reply, "expired: ") || ev.Attempt < 2 {
		t.Errorf("expiry: %+v", ev)
	}
}

func TestRestartDeliversQueuedMail(t *testing.T) {
	// The sink is down (its port is reserved and closed) while mail is
	// queued; the node stops; the sink comes up; the restarted node
	// delivers everything.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dns := dnstest.NewServer(t)
	dns.AddMX("example.test", 10, "mx1.example.test")
	dns.AddA("mx1.example.test", "127.0.0.1")
	cfg := testConfig(t, dns, ln.Addr().(*net.TCPAddr).Port)
	cfg.Queue.RetryFirst = configs.Duration{Duration: 300 * time.Millisecond}
	tn := &testNode{t: t, cfg: cfg, dns: dns, events: newEventLog(), logs: &syncBuffer{}}
	tn.start()
	const n = 20
	for i := 0; i < n; i++ {
		to := fmt.Sprintf("r%d@example.test", i)
		if _, err := tn.submit("news@acme.example", []string{to}, plainMessage(to)); err != nil {
			t.Fatal(err)
		}
	}
	tn.events.wait(t, "r0@example.test", "deferred", 5*time.Second)
	tn.stop()

	sink := mtatest.NewSink(t, mtatest.SinkOptions{Addr: addr})
	tn.events = newEventLog()
	tn.start()
	got := sink.WaitRcpts(n, 15*time.Second)
	if len(got) != n {
		t.Fatalf("after restart the sink got %d of %d messages", len(got), n)
	}
}

func TestSubmissionRefusals(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Tenants = append(cfg.Tenants, configs.Tenant{Name: "local", Username: "local",
			PasswordHash: cfg.Tenants[0].PasswordHash, SenderDomains: []string{"local.example"}})
		cfg.Submission.TrustedNetworks = []string{"127.0.0.0/8"}
		cfg.Submission.TrustedTenant = "local"
	})
	addr := tn.submitAddr()
	msg := []byte(plainMessage("x@example.test"))
	base := mtatest.Submission{Addr: addr, Username: testUser, Password: testPassword, From: "news@acme.example", To: []string{"x@example.test"}, Data: msg}
	cases := []struct {
		name string
		mod  func(s *mtatest.Submission)
		code int
	}{
		{"open relay: no AUTH, untrusted sender domain", func(s *mtatest.Submission) { s.Username = ""; s.From = "spam@elsewhere.example" }, 553},
		{"wrong password", func(s *mtatest.Submission) { s.Password = "wrong" }, 535},
		{"unknown user", func(s *mtatest.Submission) { s.Username = "nobody" }, 535},
		{"sender domain not the tenant's", func(s *mtatest.Submission) { s.From = "ceo@bank.example" }, 553},
		{"look-alike sender domain", func(s *mtatest.Submission) { s.From = "a@notacme.example" }, 553},
		{"null sender", func(s *mtatest.Submission) { s.From = "" }, 553},
		{"oversize message", func(s *mtatest.Submission) {
			s.Data = append([]byte("Subject: big\r\n\r\n"), bytes.Repeat([]byte(strings.Repeat("x", 98)+"\r\n"), 11000)...)
		}, 552},
		{"too many recipients", func(s *mtatest.Submission) {
			s.To = nil
			for i := 0; i < 11; i++ {
				s.To = append(s.To, fmt.Sprintf("r%d@example.test", i))
			}
		}, 452},
		{"bad recipient", func(s *mtatest.Submission) { s.To = []string{"no-at-sign"} }, 501},
		{"bad stream header", func(s *mtatest.Submission) {
			s.Data = []byte("X-Sluice-Stream: bulk\r\nSubject: x\r\n\r\nbody\r\n")
		}, 554},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			tc.mod(&s)
			reply, err := mtatest.Submit(s)
			if code := mtatest.Code(err); code != tc.code {
				t.Fatalf("reply %q, err %v: want code %d", reply, err, tc.code)
			}
		})
	}
	t.Run("trusted network submits without AUTH as its tenant", func(t *testing.T) {
		s := base
		s.Username, s.From = "", "app@local.example"
		s.Data = []byte("From: app@local.example\r\nTo: someone@example.test\r\nSubject: trusted\r\n\r\nhi\r\n")
		if _, err := mtatest.Submit(s); err != nil {
			t.Fatal(err)
		}
	})
	if m, _ := tn.sink.Count(); m > 1 {
		t.Fatalf("refused submissions reached the sink: %d messages", m)
	}
}

func TestNoOpenRelayWithoutTrust(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, nil)
	c, err := smtp.Dial(tn.submitAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH offered before STARTTLS")
	}
	if err := c.Mail("news@acme.example", nil); mtatest.Code(err) != 530 {
		t.Fatalf("MAIL without AUTH: %v, want 530 5.7.0", err)
	}
	if err := c.Rcpt("victim@example.test", nil); err == nil || mtatest.Code(err)/100 != 5 {
		t.Fatalf("RCPT without AUTH: %v, want a 5xx", err)
	}
}

func TestAuthBeforeTLSRefused(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, nil)
	_, err := mtatest.Submit(mtatest.Submission{Addr: tn.submitAddr(), NoTLS: true, Username: testUser, Password: testPassword,
		From: "news@acme.example", To: []string{"x@example.test"}, Data: []byte(plainMessage("x@example.test"))})
	if mtatest.Code(err) != 530 {
		t.Fatalf("AUTH before STARTTLS: %v, want 530", err)
	}

	// Allowed on loopback when configured.
	tn2 := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Submission.AllowPlaintextAuthOnLoopback = true
	})
	if _, err := mtatest.Submit(mtatest.Submission{Addr: tn2.submitAddr(), NoTLS: true, Username: testUser, Password: testPassword,
		From: "news@acme.example", To: []string{"x@example.test"}, Data: []byte(plainMessage("x@example.test"))}); err != nil {
		t.Fatalf("plaintext AUTH on loopback when allowed: %v", err)
	}
}

func TestMetricsAndCtl(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, nil)
	if _, err := tn.submit("news@acme.example", []string{"m@example.test"}, plainMessage("m@example.test")); err != nil {
		t.Fatal(err)
	}
	tn.events.wait(t, "m@example.test", "delivered", 5*time.Second)
	admin := tn.n.adminLn.Addr().String()
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`sluice_submission_messages_total{tenant="acme"} 1`,
		`sluice_delivery_recipients_total{result="delivered"} 1`,
		`sluice_queue_recipients{state="queued"} 0`,
		"sluice_queue_commit_seconds_bucket",
		"sluice_delivery_latency_seconds_count 1",
		"sluice_submission_sessions 0",
		"sluice_queue_oldest_message_age_seconds 0",
		"sluice_delivery_connections",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	var out, errOut bytes.Buffer
	if code := runCtl([]string{"--admin", admin, "--token", "wrong", "queue", "stats"}, &out, &errOut); code == 0 {
		t.Error("ctl with a wrong token succeeded")
	}
	out.Reset()
	tokenArgs := []string{"--admin", admin}
	code := runCtl(append(tokenArgs, "--config", writeConfigFor(t, tn.cfg), "queue", "stats"), &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "delivered  1 (total)") {
		t.Fatalf("ctl queue stats: code %d, out %q, err %q", code, out.String(), errOut.String())
	}
}

// writeConfigFor writes a minimal config naming cfg's data dir, so ctl
// finds the generated admin token there.
func writeConfigFor(t *testing.T, cfg *configs.Config) string {
	path := t.TempDir() + "/ctl.toml"
	text := fmt.Sprintf("data_dir = %q\n", cfg.DataDir)
	if err := writeFile(path, text); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPlaintextFallbackWhenSTARTTLSFails: the receiver offers STARTTLS but
// every handshake fails; opportunistic TLS (RFC 7435) must not stop
// delivery: sluice retries the same MX without TLS.
func TestPlaintextFallbackWhenSTARTTLSFails(t *testing.T) {
	dns := dnstest.NewServer(t)
	sink := mtatest.NewSink(t, mtatest.SinkOptions{BrokenTLS: true})
	dns.AddMX("example.test", 10, "mx1.example.test")
	dns.AddA("mx1.example.test", "127.0.0.1")
	tn := &testNode{t: t, cfg: testConfig(t, dns, sink.Port()), dns: dns, sink: sink, events: newEventLog(), logs: &syncBuffer{}}
	tn.start()
	if _, err := tn.submit("news@acme.example", []string{"p@example.test"}, plainMessage("p@example.test")); err != nil {
		t.Fatal(err)
	}
	ev := tn.events.wait(t, "p@example.test", "delivered", 10*time.Second)
	if ev.TLS || ev.Attempt != 1 {
		t.Fatalf("delivered %+v: want plaintext on the first attempt", ev)
	}
	if got := sink.Messages(); len(got) != 1 || got[0].TLS {
		t.Fatalf("sink: %+v", got)
	}
}
