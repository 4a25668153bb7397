package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/admin"
	"sluice/configs"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

// TestSourcesWarmupAndBlocklist runs a node with two sources: s1
// (127.0.0.1) warming up on the curve [3, 5], s2 (127.0.0.2) an old one.
// Of 10 messages the sink gets exactly 3 from s1 (day 1's allowance at
// the site) and 7 from s2. Then the sink answers s2 with a Spamhaus
// listing: the pair is marked, the message waits (nothing fails), and
// `ctl sources` (table and --json) shows s1's day, allowance and count
// and s2's mark. Both survive a restart of the node, and s1 still sends
// nothing over its allowance.
func TestSourcesWarmupAndBlocklist(t *testing.T) {
	var listed atomic.Bool
	sinkOpts := mtatest.SinkOptions{Data: func(r mtatest.Received) error {
		if r.Helo == "two.sluice.test" && listed.Load() {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
				Message: "Client host [127.0.0.2] blocked using zen.spamhaus.org"}
		}
		return nil
	}}
	tn := startTestNode(t, sinkOpts, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Sources = []configs.Source{
			{Name: "s1", Address: "127.0.0.1", HeloName: "one.sluice.test", Warmup: true, WarmupCurve: []int{3, 5}},
			{Name: "s2", Address: "127.0.0.2", HeloName: "two.sluice.test"},
		}
		cfg.Delivery.MaxMessagesPerConnection = 1 // a new connection per message: both sources get asked
	})
	byHelo := func() map[string]int {
		out := map[string]int{}
		for _, m := range tn.sink.Messages() {
			out[m.Helo]++
		}
		return out
	}
	const n = 10
	for i := range n {
		to := fmt.Sprintf("w%d@example.test", i)
		if _, err := tn.submit("news@acme.example", []string{to}, plainMessage(to)); err != nil {
			t.Fatal(err)
		}
	}
	if got := tn.sink.WaitRcpts(n, 15*time.Second); len(got) != n {
		t.Fatalf("sink got %d of %d", len(got), n)
	}
	if got := byHelo(); got["one.sluice.test"] != 3 || got["two.sluice.test"] != 7 {
		t.Fatalf("by source %v, want 3 from the warming s1 (day 1's allowance) and 7 from s2", got)
	}

	listed.Store(true)
	if _, err := tn.submit("news@acme.example", []string{"late@example.test"}, plainMessage("late@example.test")); err != nil {
		t.Fatal(err)
	}
	ev := tn.events.wait(t, "late@example.test", "deferred", 15*time.Second)
	if !strings.Contains(ev.Reply, "spamhaus") && !strings.Contains(ev.Reply, "blocklisted") {
		t.Errorf("deferred with %q, want the blocklist reply or the mark", ev.Reply)
	}
	if !strings.Contains(tn.logs.String(), `"msg":"source blocklisted"`) {
		t.Error("no log line for the mark")
	}
	checkSources(t, tn, "before the restart")

	tn.stop()
	listed.Store(false)
	tn.start()
	checkSources(t, tn, "after the restart")
	for i := range 2 {
		to := fmt.Sprintf("after%d@example.test", i)
		if _, err := tn.submit("news@acme.example", []string{to}, plainMessage(to)); err != nil {
			t.Fatal(err)
		}
		tn.events.wait(t, to, "deferred", 15*time.Second) // s1's day is spent, s2 is marked
	}
	if got := byHelo(); got["one.sluice.test"] != 3 {
		t.Fatalf("after the restart by source %v: s1 sent over its allowance", got)
	}
}

// checkSources runs `ctl sources` and `ctl sources --json` against tn and
// checks s1's warm-up (day 1 of 2, allowance 3, 3 sent at the default
// site) and s2's standing mark.
func checkSources(t *testing.T, tn *testNode, when string) {
	t.Helper()
	ctl := ctlFor(t, tn)
	var st admin.SourcesStatus
	if err := json.Unmarshal([]byte(ctl("sources", "--json")), &st); err != nil {
		t.Fatalf("%s: --json: %v", when, err)
	}
	if len(st.Warmup) != 1 {
		t.Fatalf("%s: warm-up %+v, want s1 alone", when, st.Warmup)
	}
	w := st.Warmup[0]
	sent := -1
	for _, s := range w.Sites {
		if s.Site == "default" {
			sent = s.Sent
		}
	}
	if w.Source != "s1" || w.Day != 1 || w.Days != 2 || w.Allowance != 3 || sent != 3 {
		t.Errorf("%s: s1's warm-up %+v, want day 1 of 2, allowance 3, 3 sent at site default", when, w)
	}
	if len(st.Blocklist) != 1 {
		t.Fatalf("%s: blocklist %+v, want s2's mark alone", when, st.Blocklist)
	}
	b := st.Blocklist[0]
	if b.Source != "s2" || !strings.Contains(b.Site, "mx1.example.test") || !b.Standing || b.Count != 1 ||
		!strings.Contains(b.Reason, "spamhaus") || b.Until.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("%s: mark %+v, want s2 at the sink's site, standing for about an hour, for the Spamhaus listing", when, b)
	}
	table := ctl("sources")
	t.Logf("%s: ctl sources:\n%s", when, table)
	for _, want := range []string{"SOURCE", "ALLOWANCE", "s1", "1/2", "default", "s2", "mx1.example.test", "blocked", "spamhaus"} {
		if !strings.Contains(table, want) {
			t.Errorf("%s: the table lacks %q:\n%s", when, want, table)
		}
	}
}
