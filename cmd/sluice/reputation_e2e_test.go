package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"sluice/configs"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/reputation"
)

const goodPassword = "another correct horse"

// startReputationNode is a node with two tenants, acme and good, both
// VERP on bounces.test, whose mail to example.test counts as delivered to
// a feedback loop, judged over 200 messages with the default complaint
// thresholds (warn 0.1 %, pause 0.3 %).
func startReputationNode(t *testing.T) *testNode {
	t.Helper()
	minVolume := 200
	return startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Inbound.Domains = []string{"bounces.test"}
		cfg.Reputation.FBLDomains = []string{"example.test"}
		cfg.Submission.MaxRecipients = 50
		acme := &cfg.Tenants[0]
		acme.BounceDomain, acme.MaxRecipients = "bounces.test", 50
		acme.Reputation.MinVolume = &minVolume
		cfg.Tenants = append(cfg.Tenants, configs.Tenant{Name: "good", Username: "good", PasswordHash: hashFor(t, goodPassword),
			SenderDomains: []string{"good.example"}, BounceDomain: "bounces.test", MaxRecipients: 50,
			Reputation: configs.TenantReputation{MinVolume: &minVolume}})
	})
}

// streamMessage is a message of one stream from tenant's domain.
func streamMessage(domain, stream string) string {
	return "From: news@" + domain + "\r\nTo: list@" + domain + "\r\nSubject: offers\r\nX-Sluice-Stream: " + stream +
		"\r\nX-Sluice-Campaign: spring\r\n\r\nbody\r\n"
}

// submitAs submits one message for a tenant and returns its queue id.
func submitAs(t *testing.T, tn *testNode, user, pw, domain, stream string, to []string) string {
	t.Helper()
	reply, err := mtatest.Submit(mtatest.Submission{Addr: tn.submitAddr(), Username: user, Password: pw,
		From: "news@" + domain, To: to, Data: []byte(streamMessage(domain, stream))})
	if err != nil {
		t.Fatalf("submit for %s: %v", user, err)
	}
	m := queuedAs.FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("reply %q", reply)
	}
	return m[1]
}

// submitBulk submits n marketing recipients rcpt-<i>@example.test for a
// tenant, 50 per message.
func submitBulk(t *testing.T, tn *testNode, user, pw, domain, prefix string, n int) {
	t.Helper()
	for i := 0; i < n; i += 50 {
		var to []string
		for j := i; j < min(n, i+50); j++ {
			to = append(to, fmt.Sprintf("%s-%d@example.test", prefix, j))
		}
		submitAs(t, tn, user, pw, domain, "marketing", to)
	}
}

// arfFor is an ARF abuse report (RFC 5965) about the message the sink
// received for rcpt, with the returned headers' VERP Return-Path as
// proof.
func arfFor(m mtatest.Received, rcpt string) string {
	return "From: feedback@fbl.remote.test\r\nTo: fbl@bounces.test\r\nSubject: complaint\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\r\n\r\n" +
		"--F\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n" +
		"--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: RemoteFBL/1.0\r\nVersion: 1\r\n" +
		"Original-Rcpt-To: " + rcpt + "\r\n" +
		"--F\r\nContent-Type: text/rfc822-headers\r\n\r\nReturn-Path: <" + m.From + ">\r\n" +
		"X-Sluice-ID: " + headerValue(m.Data, "X-Sluice-ID") + "\r\nSubject: offers\r\nTo: " + rcpt + "\r\n" +
		"--F--\r\n"
}

// waitStatus polls the guard until cond holds for tenant's status.
func waitStatus(t *testing.T, g *reputation.Guard, tenant string, timeout time.Duration, what string, cond func(reputation.Status) bool) reputation.Status {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := g.Status(tenant)
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s not reached within %v: %+v", tenant, what, timeout, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReputationPausesMarketingOnComplaints is issue #16's must-show at
// test scale, through the real listeners: acme's mail draws ARF
// complaints through the inbound MX for 0.5 % of 200 messages (the pause
// threshold is 0.3 %), so the guard pauses acme's marketing stream; its
// transactional mail still reaches the sink while a marketing message is
// held; `ctl tenant status` shows the pause and `ctl tenant resume`
// lifts it, and the held message goes out. good's 0.25 % (1 of 400) is
// over the warning threshold only: it is never paused.
func TestReputationPausesMarketingOnComplaints(t *testing.T) {
	tn := startReputationNode(t)
	g := tn.n.subs.Guard
	if g == nil {
		t.Fatal("the reputation guard is not running (it is on by default)")
	}
	submitBulk(t, tn, testUser, testPassword, "acme.example", "a", 200)
	submitBulk(t, tn, "good", goodPassword, "good.example", "g", 400)
	got := tn.sink.WaitRcpts(600, 30*time.Second)
	if len(got) < 600 {
		t.Fatalf("sink got %d recipients, want 600", len(got))
	}
	byRcpt := map[string]mtatest.Received{}
	for _, m := range got {
		byRcpt[m.To[0]] = m
	}
	// good's one complaint comes once its 400 deliveries are counted:
	// 0.25 %, under the pause threshold.
	waitStatus(t, g, "good", 10*time.Second, "400 deliveries counted", func(st reputation.Status) bool {
		return len(st.Windows) > 0 && st.Windows[0].FBLDelivered == 400
	})
	if err := sendToInbound(t, tn, "", "fbl@bounces.test", arfFor(byRcpt["g-7@example.test"], "g-7@example.test")); err != nil {
		t.Fatalf("ARF for good refused: %v", err)
	}
	waitStatus(t, g, "good", 10*time.Second, "its complaint counted", func(st reputation.Status) bool {
		return len(st.Windows) > 0 && st.Windows[0].Complaints == 1
	})
	// acme: one complaint per 200 delivered, 0.5 %.
	if err := sendToInbound(t, tn, "", "fbl@bounces.test", arfFor(byRcpt["a-3@example.test"], "a-3@example.test")); err != nil {
		t.Fatalf("ARF for acme refused: %v", err)
	}
	st := waitStatus(t, g, "acme", 10*time.Second, "paused", func(st reputation.Status) bool { return st.Paused != nil })
	if !strings.Contains(st.Paused.Reason, "complaint") {
		t.Errorf("pause reason %q does not name the complaint rate", st.Paused.Reason)
	}
	if st := g.Status("good"); st.Paused != nil {
		t.Fatalf("good paused at 0.25 %% complaints: %+v", st.Paused)
	}

	// Paused: marketing is held, transactional flows.
	marketing := submitAs(t, tn, testUser, testPassword, "acme.example", "marketing", []string{"held@example.test"})
	submitAs(t, tn, testUser, testPassword, "acme.example", "transactional", []string{"receipt@example.test"})
	tn.events.wait(t, "receipt@example.test", "delivered", 10*time.Second)
	waitFor(t, 5*time.Second, func() bool {
		info, err := tn.n.store.Message(mustID(t, marketing))
		return err == nil && len(info.Rcpts) == 1 && info.Rcpts[0].Held
	})
	for _, m := range tn.sink.Messages() {
		if m.To[0] == "held@example.test" {
			t.Fatal("marketing mail of a paused tenant reached the receiver")
		}
	}
	// good's marketing still flows.
	submitAs(t, tn, "good", goodPassword, "good.example", "marketing", []string{"good-after@example.test"})
	tn.events.wait(t, "good-after@example.test", "delivered", 10*time.Second)

	ctl := ctlFor(t, tn)
	if out := ctl("tenant", "status", "acme"); !strings.Contains(out, "PAUSED") || !strings.Contains(out, "complaint") {
		t.Fatalf("ctl tenant status acme:\n%s", out)
	}
	if out := ctl("tenant", "status", "good"); !strings.Contains(out, "marketing: flowing") {
		t.Fatalf("ctl tenant status good:\n%s", out)
	}
	if out := ctl("tenant", "resume", "acme"); !strings.Contains(out, "marketing resumed, 1 recipients") {
		t.Fatalf("ctl tenant resume acme:\n%s", out)
	}
	tn.events.wait(t, "held@example.test", "delivered", 10*time.Second)
	if out := ctl("tenant", "status", "acme"); !strings.Contains(out, "marketing: flowing") {
		t.Fatalf("ctl tenant status acme after resume:\n%s", out)
	}
	text := scrape(t, "http://"+tn.n.adminLn.Addr().String()+"/metrics")
	for _, want := range []string{`sluice_reputation_pauses_total{rate="complaint_rate"} 1`, `sluice_reputation_resumes_total 1`,
		`sluice_reputation_warnings_total{rate="complaint_rate"}`, "sluice_reputation_paused_tenants 0"} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// scrape returns the text of a /metrics URL.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}
