package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"sluice/configs"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/queue"
	"sluice/tracking/events"
)

// TestPrivacyExportErase: ann receives a tracked newsletter (delivered to
// the sink), opens it at the edge and unsubscribes; a transactional
// message to her waits in the queue (her domain is suspended). Her export
// shows all of it; erasure (through `sluice ctl`) removes the directory
// entries, the events, the queued message and the suppression by address;
// she stays suppressed by its hash (the next newsletter is refused) while
// bob is unaffected; her export then shows only the hashed suppression;
// and all of that survives a restart.
func TestPrivacyExportErase(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, dns *dnstest.Server) {
		cfg.Tracking.BaseURL = "http://edge.test"
		cfg.Tenants[0].Tracking = "all"
		dns.AddMX("other.test", 10, "mx1.example.test")
	})
	ctl := ctlFor(t, tn)
	const ann, bob = "ann@example.test", "bob@other.test"
	if _, err := tn.submit("news@acme.example", []string{ann, bob}, newsletter); err != nil {
		t.Fatal(err)
	}
	var toAnn mtatest.Received
	for _, m := range tn.sink.WaitRcpts(2, 10*time.Second) {
		if m.To[0] == ann {
			toAnn = m
		}
	}
	if toAnn.To == nil {
		t.Fatal("no message delivered to ann")
	}
	tn.events.wait(t, bob, "delivered", 5*time.Second)
	edge := "http://" + tn.n.edgeLn.Addr().String()
	px := pixel.FindStringSubmatch(string(toAnn.Data))
	resp, err := http.Get(edge + "/o/" + px[1] + ".gif")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u := unsubHTTP.FindStringSubmatch(headerValue(toAnn.Data, "List-Unsubscribe"))
	if code := oneClick(t, nil, edge+"/u/"+u[1]); code != 200 {
		t.Fatalf("one-click unsubscribe: %d", code)
	}
	ctl("queue", "suspend", "domain", "example.test")
	reply, err := tn.submit("news@acme.example", []string{ann}, plainMessage(ann))
	if err != nil {
		t.Fatalf("transactional mail to ann (a marketing unsubscribe does not block it): %v", err)
	}
	queuedID := queuedAs.FindStringSubmatch(reply)[1]

	// Export: everything, once the delivery outcome has been recorded.
	var ex privacyExport
	waitFor(t, 10*time.Second, func() bool {
		ex = exportOf(t, ctl, ann)
		kinds := map[string]int{}
		for _, ev := range ex.Events {
			kinds[ev.Kind]++
		}
		return kinds["sent"] == 2 && kinds["delivered"] == 1 && kinds["open"] == 1 && kinds["unsubscribe"] == 1
	})
	if len(ex.Suppressions) != 1 || ex.Suppressions[0].Hashed || ex.Suppressions[0].Scope != "marketing" || ex.Suppressions[0].Reason != "unsubscribe" {
		t.Fatalf("export suppressions: %+v", ex.Suppressions)
	}
	if len(ex.Directory) != 2 || ex.Directory[0].Stream != "marketing" || ex.Directory[1].MessageID != queuedID || ex.Directory[1].Stream != "transactional" {
		t.Fatalf("export directory: %+v", ex.Directory)
	}
	if len(ex.Queued) != 1 || ex.Queued[0].MessageID != queuedID || ex.Queued[0].State != "queued" {
		t.Fatalf("export queued: %+v", ex.Queued)
	}
	annIDs := map[string]bool{ex.Directory[0].MessageID: true, queuedID: true}
	for _, ev := range ex.Events {
		if !annIDs[ev.MessageID] {
			t.Fatalf("export holds an event of another message: %+v", ev)
		}
	}
	rids := recipientIDs(t, ex)
	bobIDs := recipientIDs(t, exportOf(t, ctl, bob))

	// Without --yes nothing happens.
	var out, errb bytes.Buffer
	if code := runCtl([]string{"--admin", tn.n.adminLn.Addr().String(), "--config", writeConfigFor(t, tn.cfg),
		"privacy", "erase", "--tenant", "acme", ann}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "--yes") {
		t.Fatalf("erase without --yes: exit %d, %q", code, errb.String())
	}
	if got := exportOf(t, ctl, ann); len(got.Directory) != 2 {
		t.Fatalf("erase without --yes changed something: %+v", got)
	}

	var er privacyErasure
	if err := json.Unmarshal([]byte(ctl("privacy", "erase", "--tenant", "acme", ann, "--yes")), &er); err != nil {
		t.Fatal(err)
	}
	if er.DirectoryEntries != 2 || er.Events != len(ex.Events) || er.QueuedRemoved != 1 || er.MessagesRemoved != 1 ||
		er.SuppressionsHashed != 1 || !strings.HasPrefix(er.RcptHash, queue.HashedPrefix) {
		t.Fatalf("erasure: %+v", er)
	}

	check := func() {
		t.Helper()
		got := exportOf(t, ctl, ann)
		if len(got.Directory)+len(got.Queued)+len(got.Events)+len(got.SoftFailures) != 0 || len(got.Suppressions) != 1 {
			t.Fatalf("export after erasure: %+v", got)
		}
		if s := got.Suppressions[0]; !s.Hashed || s.Hash != er.RcptHash || s.Scope != "marketing" || s.Reason != "unsubscribe" || s.Detail != "" {
			t.Fatalf("suppression after erasure: %+v", s)
		}
		if evs := storedEvents(t, tn, rids); len(evs) != 0 {
			t.Fatalf("events left after erasure: %+v", evs)
		}
		if evs := storedEvents(t, tn, bobIDs); len(evs) == 0 {
			t.Fatal("bob's events went too")
		}
		list := ctl("--json", "suppress", "list", "--tenant", "acme")
		if strings.Contains(list, "ann") || !strings.Contains(list, er.RcptHash) {
			t.Fatalf("suppression list after erasure:\n%s", list)
		}
		if _, err := tn.submit("news@acme.example", []string{ann}, newsletter); mtatest.Code(err) != 550 {
			t.Fatalf("newsletter to ann after erasure: %v, want 550", err)
		}
		if _, err := tn.submit("news@acme.example", []string{bob}, newsletter); err != nil {
			t.Fatalf("newsletter to bob: %v", err)
		}
	}
	check()
	if _, err := tn.n.store.Body(mustID(t, queuedID)); err == nil {
		t.Fatal("the queued message to ann is still stored")
	}
	for _, line := range strings.Split(tn.logs.String(), "\n") {
		if strings.Contains(line, "admin: privacy") && (strings.Contains(line, ann) || !strings.Contains(line, `"actor":"ctl:`)) {
			t.Fatalf("audit line names the address or no actor: %s", line)
		}
	}
	if !strings.Contains(tn.logs.String(), `"msg":"admin: privacy erase"`) {
		t.Fatal("erasure not logged")
	}

	tn.stop()
	tn.start()
	ctl = ctlFor(t, tn)
	check()
}

func exportOf(t *testing.T, ctl func(...string) string, addr string) privacyExport {
	t.Helper()
	var ex privacyExport
	if err := json.Unmarshal([]byte(ctl("privacy", "export", "--tenant", "acme", addr)), &ex); err != nil {
		t.Fatal(err)
	}
	return ex
}

// recipientIDs are the events store's ids of an export's recipients.
func recipientIDs(t *testing.T, ex privacyExport) []events.RecipientID {
	t.Helper()
	var out []events.RecipientID
	for _, d := range ex.Directory {
		out = append(out, events.RecipientID{Message: uint64(mustID(t, d.MessageID)), Rcpt: d.Index})
	}
	if len(out) == 0 {
		t.Fatalf("export of %s has no directory entry", ex.Address)
	}
	return out
}

// storedEvents reads the events store directly: an export after erasure
// cannot find erased events, as the directory no longer leads to them.
func storedEvents(t *testing.T, tn *testNode, ids []events.RecipientID) []events.Event {
	t.Helper()
	ctx := context.Background()
	if err := tn.n.events.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := tn.n.events.ExportRecipient(ctx, "acme", ids)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func mustID(t *testing.T, s string) queue.ID {
	t.Helper()
	id, err := queue.ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
