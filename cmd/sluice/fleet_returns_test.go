package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/mta/mtatest"
)

// TestFleetReturnAtAnotherNode sends a message from node a, bounces it to
// node c's inbound MX (its VERP address, as a receiver would after
// resolving the bounce domain's MX to any node), and proves that the
// return is attributed (node a, which holds the recipient directory,
// logs the bounce for tenant acme and the message's id, suppressed) and
// that the suppression is fleet-wide (node b refuses the next marketing
// submission to that address).
func TestFleetReturnAtAnotherNode(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process fleet test skipped in -short mode")
	}
	srv := redistest.Start(t, redistest.Config{})
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	nodes, _ := startFleet(t, fleetSpec{redisURL: srv.URL(), sink: sink.Addr(), bounceDomain: "bounces.acme.example",
		logLevel: "info"}, "a", "b", "c")
	a, b, c := nodes[0], nodes[1], nodes[2]

	const rcpt = "bounced@example.net"
	id := submitForID(t, a.submit, rcpt)
	var verp string
	waitFor(t, 10*time.Second, func() bool {
		for _, m := range sink.Messages() {
			if len(m.To) == 1 && m.To[0] == rcpt {
				verp = m.From
			}
		}
		return verp != ""
	})
	dsn := "From: MAILER-DAEMON@mx.remote.test\r\nTo: " + verp + "\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test\r\n\r\n" +
		"Final-Recipient: rfc822; " + rcpt + "\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <" + rcpt + ">: Recipient address rejected: User unknown\r\n" +
		"--B--\r\n"
	start := time.Now()
	sendReturn(t, c, verp, dsn)

	took := refusedWithin(t, []*fleetMember{b}, rcpt, 10*time.Second)
	t.Logf("a return of node a's message at node c: node b refuses %s %v later", rcpt, took)
	if code := submitCode(t, a.submit, rcpt); code != 550 {
		t.Errorf("node a answers %d for %s", code, rcpt)
	}
	var ev map[string]any
	waitFor(t, 10*time.Second, func() bool {
		ev = returnLogged(nodes, "bounce")
		return ev != nil
	})
	if ev["node"] != "a" || ev["tenant"] != "acme" || ev["msgid"] != id.String() || ev["suppressed"] != true || ev["via"] != "verp" {
		t.Fatalf("the bounce at node c was not attributed to node a's message %s for acme: %v\nnode c:\n%s", id, ev, c.child.logs.String())
	}
	t.Logf("attributed %v after the DSN", time.Since(start))
}

// returnLogged finds the first "return" log line of kind among the
// members' logs, with the member's id under "node".
func returnLogged(members []*fleetMember, kind string) map[string]any {
	for _, m := range members {
		for line := range strings.Lines(m.child.logs.String()) {
			var v map[string]any
			if json.Unmarshal([]byte(line), &v) != nil || v["msg"] != "return" || v["kind"] != kind {
				continue
			}
			v["node"] = m.id
			return v
		}
	}
	return nil
}
