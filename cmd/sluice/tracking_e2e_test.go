package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"sluice/configs"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/tracking"
	"sluice/tracking/token"
)

var (
	clickLink = regexp.MustCompile(`href="http://edge\.test/c/([A-Za-z0-9_-]+)"`)
	pixel     = regexp.MustCompile(`src="http://edge\.test/o/([A-Za-z0-9_-]+)\.gif"`)
	honeypot  = regexp.MustCompile(`<a href="http://edge\.test/c/([A-Za-z0-9_-]+)" style="display:none" aria-hidden="true" tabindex="-1"></a>`)
	unsubURL  = regexp.MustCompile(`^<http://edge\.test/u/([A-Za-z0-9_-]+)>, <mailto:u\.([a-z2-7]+)@bounces\.test>$`)
)

const newsletter = "From: News <news@acme.example>\r\nTo: list@acme.example\r\nSubject: November\r\n" +
	"X-Sluice-Campaign: nov-2026\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"A\"\r\n\r\n" +
	"--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nRead it at https://acme.example/nov?x=1&y=2\r\n" +
	"--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p><a href=\"https://acme.example/nov?x=1&amp;y=2#top\">Read</a> " +
	"<a href=\"mailto:help@acme.example\">help</a></p></body></html>\r\n--A--\r\n"

// TestTrackingRewriteAtSubmission: a marketing message to two recipients
// becomes one message per recipient, each with its own click, open and
// unsubscribe tokens (the address only encrypted), List-Unsubscribe and
// List-Unsubscribe-Post; transactional mail gets no List-Unsubscribe.
func TestTrackingRewriteAtSubmission(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Tracking.BaseURL = "http://edge.test/"
		cfg.Inbound.Domains = []string{"bounces.test"}
		cfg.Tenants[0].BounceDomain = "bounces.test"
		cfg.Tenants[0].Tracking = "all"
	})
	kr, err := tn.cfg.Keyring()
	if err != nil {
		t.Fatal(err)
	}
	reply, err := tn.submit("news@acme.example", []string{"ann@example.test", "bob@example.test"}, newsletter)
	if err != nil || !strings.Contains(reply, "and 1 more, one per recipient") {
		t.Fatalf("submit: %q %v", reply, err)
	}
	got := tn.sink.WaitRcpts(2, 10*time.Second)
	if len(got) != 2 {
		t.Fatalf("sink got %d messages, want one per recipient", len(got))
	}
	for _, m := range got {
		rcpt := m.To[0]
		body := string(m.Data)
		if strings.Contains(body, "X-Sluice-Campaign") || strings.Contains(body, "https://acme.example/nov?x=1&amp;y=2") {
			t.Errorf("%s: control header or untracked link left:\n%s", rcpt, body)
		}
		cm := clickLink.FindStringSubmatch(body)
		if cm == nil {
			t.Fatalf("%s: no tracked link in:\n%s", rcpt, body)
		}
		c, err := kr.Open(cm[1])
		if err != nil || c.Kind != token.Click || c.URL != "https://acme.example/nov?x=1&y=2#top" || c.Tenant != "acme" {
			t.Errorf("%s: click token %+v %v", rcpt, c, err)
		}
		if !strings.Contains(body, `href="mailto:help@acme.example"`) {
			t.Errorf("%s: mailto link was rewritten", rcpt)
		}
		if pixel.FindStringSubmatch(body) == nil {
			t.Errorf("%s: no open pixel", rcpt)
		}
		hp := honeypot.FindStringSubmatch(body)
		if hp == nil {
			t.Errorf("%s: no hidden honeypot link", rcpt)
		} else if c, err := kr.Open(hp[1]); err != nil || c.Link != tracking.HoneypotLink {
			t.Errorf("%s: honeypot token %+v %v", rcpt, c, err)
		}
		um := unsubURL.FindStringSubmatch(headerValue(m.Data, "List-Unsubscribe"))
		if um == nil {
			t.Fatalf("%s: List-Unsubscribe = %q", rcpt, headerValue(m.Data, "List-Unsubscribe"))
		}
		u, err := kr.Open(um[1])
		if err != nil || u.Kind != token.Unsubscribe || u.Addr != rcpt {
			t.Errorf("%s: unsubscribe token %+v %v", rcpt, u, err)
		}
		if strings.Contains(um[1], rcpt) || strings.Contains(body, "/u/"+rcpt) {
			t.Errorf("%s: address in clear in a token", rcpt)
		}
		if v := headerValue(m.Data, "List-Unsubscribe-Post"); v != "List-Unsubscribe=One-Click" {
			t.Errorf("%s: List-Unsubscribe-Post = %q", rcpt, v)
		}
	}

	tx := strings.Replace(newsletter, "X-Sluice-Campaign: nov-2026\r\n", "X-Sluice-Stream: transactional\r\n", 1)
	if _, err := tn.submit("news@acme.example", []string{"cat@example.test"}, tx); err != nil {
		t.Fatal(err)
	}
	got = tn.sink.WaitRcpts(3, 10*time.Second)
	for _, m := range got {
		if m.To[0] == "cat@example.test" && headerValue(m.Data, "List-Unsubscribe") != "" {
			t.Errorf("transactional mail got List-Unsubscribe")
		}
	}
}

// TestTrackingEdgeEndToEnd: the node's own edge serves the pixel and the
// click redirect for a delivered message, records them, and a one-click
// unsubscribe (RFC 8058) refuses the very next marketing submission.
func TestTrackingEdgeEndToEnd(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Tracking.BaseURL = "http://edge.test"
		cfg.Tenants[0].Tracking = "all"
	})
	if _, err := tn.submit("news@acme.example", []string{"ann@example.test"}, newsletter); err != nil {
		t.Fatal(err)
	}
	m := tn.sink.WaitRcpts(1, 10*time.Second)[0]
	edge := "http://" + tn.n.edgeLn.Addr().String()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	px := pixel.FindStringSubmatch(string(m.Data))
	resp, err := client.Get(edge + "/o/" + px[1] + ".gif")
	if err != nil {
		t.Fatal(err)
	}
	gif, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(gif) != 43 || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("pixel: %d, %d bytes, cookie %q", resp.StatusCode, len(gif), resp.Header.Get("Set-Cookie"))
	}
	cl := clickLink.FindStringSubmatch(string(m.Data))
	resp, err = client.Get(edge + "/c/" + cl[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "https://acme.example/nov?x=1&y=2#top" {
		t.Fatalf("click: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := client.Get(edge + "/c/" + cl[1] + "x"); resp == nil || resp.StatusCode != 404 {
		t.Fatal("tampered click token not 404")
	}

	u := unsubHTTP.FindStringSubmatch(headerValue(m.Data, "List-Unsubscribe"))
	if code := oneClick(t, client, edge+"/u/"+u[1]); code != 200 {
		t.Fatalf("one-click unsubscribe: %d", code)
	}
	// Durable before the 200: the very next marketing submission is refused.
	if _, err := tn.submit("news@acme.example", []string{"ann@example.test"}, newsletter); mtatest.Code(err) != 550 {
		t.Fatalf("marketing mail after one-click unsubscribe: %v, want 550", err)
	}

	var out bytes.Buffer
	waitFor(t, 10*time.Second, func() bool {
		out.Reset()
		runCtl([]string{"--admin", tn.n.adminLn.Addr().String(), "--config", writeConfigFor(t, tn.cfg), "stats", "--tenant=acme", "--campaign", "nov-2026", "--json"}, &out, io.Discard)
		var s struct {
			Sent          uint64 `json:"sent"`
			Delivered     uint64 `json:"delivered"`
			Opens         uint64 `json:"opens"`
			MachineOpens  uint64 `json:"machine_opens"`
			Clicks        uint64 `json:"clicks"`
			MachineClicks uint64 `json:"machine_clicks"`
			Unsubscribes  uint64 `json:"unsubscribes"`
		}
		if json.Unmarshal(out.Bytes(), &s) != nil {
			return false
		}
		return s.Sent == 1 && s.Delivered == 1 && s.Opens+s.MachineOpens == 1 && s.Clicks+s.MachineClicks == 1 && s.Unsubscribes == 1
	})
}

var unsubHTTP = regexp.MustCompile(`<http://edge\.test/u/([A-Za-z0-9_-]+)>`)
