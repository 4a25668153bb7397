package webhook

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"testing"

	"sluice/mta/bounce"
	"sluice/queue"
	"sluice/tracking/events"
)

// bounceClassify is what cmd/sluice passes to events.Event.SetOutcome: the
// real bounce classifier.
func bounceClassify(c *bounce.Classifier) events.Classify {
	return func(site string, code int, enhanced, reply string) (string, string) {
		r := c.ReplyFrom(site, code, enhanced, reply)
		return string(r.Class), r.Reason
	}
}

// TestFailureOutcomeDelivered: a receiver gets, for a 550 5.1.1 failure
// and a 421 4.7.0 deferral, the SMTP code, enhanced status, reply, the
// classifier's class and reason, the MX and the attempt; an open carries
// none of those keys.
func TestFailureOutcomeDelivered(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	cl := bounceClassify(bounce.New())
	failed := sent(1, events.KindFailed)
	failed.SetOutcome(events.Outcome{Code: 550, Enhanced: "5.1.1", Reply: "5.1.1 <bob@example.net>: Recipient address rejected: User unknown",
		MX: "mx1.example.net", Attempt: 1}, cl)
	deferred := sent(2, events.KindDeferred)
	deferred.SetOutcome(events.Outcome{Code: 421, Enhanced: "4.7.0", Reply: "4.7.0 Try again later, closing connection.\r\nX-Evil: 1",
		MX: "mx2.example.net", Attempt: 3}, cl)
	f.record(failed, deferred, sent(3, events.KindOpen))
	f.start()
	reqs := rc.waitRequests(t, 1)
	got := decode(t, reqs[0].body)
	if len(got) != 3 {
		t.Fatalf("got %d events", len(got))
	}
	want := []Event{
		{Kind: "failed", SMTPCode: 550, EnhancedStatus: "5.1.1", Reply: "5.1.1 <bob@example.net>: Recipient address rejected: User unknown",
			Class: "hard_invalid_recipient", Reason: "user_unknown", MX: "mx1.example.net", Attempt: 1},
		{Kind: "deferred", SMTPCode: 421, EnhancedStatus: "4.7.0", Reply: "4.7.0 Try again later, closing connection. X-Evil: 1",
			MX: "mx2.example.net", Attempt: 3},
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.Kind || g.SMTPCode != w.SMTPCode || g.EnhancedStatus != w.EnhancedStatus || g.Reply != w.Reply ||
			g.MX != w.MX || g.Attempt != w.Attempt {
			t.Errorf("event %d: %+v\nwant %+v", i, g, w)
		}
		if w.Class != "" && (g.Class != w.Class || g.Reason != w.Reason) {
			t.Errorf("event %d: class, reason = %q, %q; want %q, %q", i, g.Class, g.Reason, w.Class, w.Reason)
		}
	}
	// What the classifier makes of a bare 421 4.7.0 is its business; the
	// receiver must get a verdict, and never a dead address.
	if d := got[1]; d.Class == "" || d.Reason == "" || d.Class == string(bounce.HardInvalidRecipient) {
		t.Errorf("deferral class, reason = %q, %q", d.Class, d.Reason)
	}

	// The wire names, and their absence on an open.
	var raw struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(reqs[0].body, &raw); err != nil {
		t.Fatal(err)
	}
	keys := []string{"smtp_code", "enhanced_status", "reply", "class", "reason", "mx", "attempt"}
	for _, k := range keys {
		if _, ok := raw.Events[0][k]; !ok {
			t.Errorf("failed event has no %q: %v", k, raw.Events[0])
		}
	}
	for _, k := range keys[:len(keys)-2] {
		if k == "reason" {
			continue
		}
		if _, ok := raw.Events[2][k]; ok {
			t.Errorf("open has %q: %v", k, raw.Events[2])
		}
	}
}

// v1Value is an outbox value queued by the version 1 encoder (before the
// outcome part), frozen: a machine click and a suppressed failure. It
// must still be sent after an upgrade.
const v1Value = "0100000002189cbdbc220e5a003ff6f1eff3edeede9c3101c0efe0f8d59f9303030705636c69636b06737072696e67056561726c79000e3230332e302e3131332e302f3234077363616e6e6572308098c6adf5eede9c3100c0efe0f8d59f93030400066661696c656406737072696e670a73757070726573736564000000"

// TestV1ValueStillSent: a value queued before the upgrade is delivered
// with its fields.
func TestV1ValueStillSent(t *testing.T) {
	t.Parallel()
	v, err := hex.DecodeString(v1Value)
	if err != nil {
		t.Fatal(err)
	}
	// Queued now for the fixture's clock, not expired (webhooks.max_age).
	binary.BigEndian.PutUint64(v[5:13], uint64(t0.UnixNano()))
	rc := newReceiver(t, nil)
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	err = f.store.Update(func(tx *events.Tx) error {
		if err := f.out.put(tx, "acme", nil, 0); err != nil { // creates the queue
			return err
		}
		q := queueBucket(tx, "acme")
		st, _ := getState(tx, "acme")
		seq, _ := q.NextSequence()
		if err := q.Put(seqKey(seq), v); err != nil {
			return err
		}
		st.appended += 2
		return putState(tx, "acme", &st)
	})
	if err != nil {
		t.Fatal(err)
	}
	f.start()
	got := decode(t, rc.waitRequests(t, 1)[0].body)
	if len(got) != 2 {
		t.Fatalf("got %d events", len(got))
	}
	c, fl := got[0], got[1]
	if c.Kind != "click" || !c.Machine || c.Reason != "early" || c.IP != "203.0.113.0/24" || c.UAClass != "scanner" ||
		c.Link == nil || *c.Link != 7 || c.Campaign != "spring" || c.MessageID != queue.ID(1773500966123456).String() || c.Rcpt != 3 {
		t.Errorf("click %+v", c)
	}
	if fl.Kind != "failed" || fl.Reason != "suppressed" || fl.Rcpt != 4 || fl.SMTPCode != 0 || fl.Class != "" {
		t.Errorf("failed %+v", fl)
	}
}
