package webhook

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sluice/tracking/events"
)

// TestReroutedPayload: a receiver learns why a delivered, deferred or
// failed recipient's mail moved to another source, as "rerouted", cleaned
// of the control characters a receiver's reply may have put in it and
// bounded; an outcome that did not move and an open carry no key.
func TestReroutedPayload(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	warm := "source b warming up: today's allowance at gmail is spent"
	moved := sent(1, events.KindDelivered)
	moved.Rerouted = warm
	moved.SetTLS(events.TLS{Used: true, Version: tls.VersionTLS13, Policy: "opportunistic", Result: "success"})
	waits := sent(2, events.KindDeferred)
	waits.SetOutcome(events.Outcome{Reply: "no source of the pool may send to this site now", Attempt: 1}, nil)
	waits.Rerouted = "source a blocklisted at gmail until 2026-03-15T13:00:00Z: spamhaus: 550\r\nX-Evil: 1\x00 " + strings.Repeat("z", 400)
	f.record(moved, waits, sent(3, events.KindDelivered), sent(4, events.KindOpen))
	f.start()
	reqs := rc.waitRequests(t, 1)
	got := decode(t, reqs[0].body)
	if len(got) != 4 {
		t.Fatalf("got %d events", len(got))
	}
	if g := got[0]; g.Rerouted != warm || g.TLS == nil || !*g.TLS {
		t.Errorf("rerouted delivery %+v", g)
	}
	if g := got[1]; !strings.HasPrefix(g.Rerouted, "source a blocklisted at gmail until 2026-03-15T13:00:00Z: spamhaus: 550 X-Evil: 1 zzz") ||
		len(g.Rerouted) > events.MaxRerouted || g.Reply == "" {
		t.Errorf("rerouted deferral %q (%d bytes)", g.Rerouted, len(g.Rerouted))
	}
	if bytes.Contains(reqs[0].body, []byte(`\r`)) || bytes.Contains(reqs[0].body, []byte(`\n`)) || bytes.Contains(reqs[0].body, []byte(`\u0000`)) {
		t.Errorf("control characters reached the payload: %s", reqs[0].body)
	}
	var raw struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(reqs[0].body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{2, 3} {
		if _, ok := raw.Events[i]["rerouted"]; ok {
			t.Errorf("event %d (%v) has \"rerouted\"", i, raw.Events[i]["kind"])
		}
	}
}

// v3Value is an outbox value queued by the version 3 encoder (outcome
// and TLS parts, before the rerouted part), frozen: a deferral with its
// outcome and TLS, a DANE delivery and a bare delivery. It must still be
// sent after an upgrade.
const v3Value = "030000000300000000000000007d8e90c9da8befde9c3106c2efe0f8d59f9303020008646566657272656406737072696e670974656d706f72617279000000a5030105342e372e3009747279206c617465720e736f66745f74656d706f726172790e6d782e6578616d706c652e6e657401840681260d6f70706f7274756e697374696307737563636573733580b89f9493efde9c3104c2efe0f8d59f930303000964656c697665726564000000000003840682260464616e6507737563636573732380e0f5cd9aefde9c3100c2efe0f8d59f930304000964656c6976657265640000000000"

// TestV3ValueStillSent: a value queued before Rerouted was kept decodes
// with its outcome and TLS and without Rerouted; its records re-encode
// byte for byte (an event that did not move costs nothing more).
func TestV3ValueStillSent(t *testing.T) {
	t.Parallel()
	v, err := hex.DecodeString(v3Value)
	if err != nil {
		t.Fatal(err)
	}
	binary.BigEndian.PutUint64(v[5:13], uint64(t0.UnixNano()))
	count, _, recs, err := header(v)
	if err != nil || count != 3 {
		t.Fatalf("header: %d, %v", count, err)
	}
	var evs []events.Event
	again := newValue(t0.UnixNano(), count)
	for range count {
		rec, rest, ok := nextRecord(recs)
		if !ok {
			t.Fatal("framing")
		}
		ev, err := decodeRecord(rec)
		if err != nil {
			t.Fatalf("v3 record: %v", err)
		}
		evs, recs = append(evs, ev), rest
		again, _ = appendRecord(again, nil, &ev)
	}
	setCount(again, count)
	if !bytes.Equal(again[headerLen:], v[headerLen:]) {
		t.Errorf("records without Rerouted encode differently from version 3:\n got %x\nwant %x", again[headerLen:], v[headerLen:])
	}
	d, dane, bare := evs[0], evs[1], evs[2]
	if d.Kind != events.KindDeferred || d.Code != 421 || d.Enhanced != "4.7.0" || d.Reply != "try later" ||
		d.Class != "soft_temporary" || d.Reason != "temporary" || d.MX != "mx.example.net" || d.Attempt != 1 ||
		d.Campaign != "spring" || d.Message != 1773500966123458 || d.Rcpt != 2 ||
		d.TLS != (events.TLS{Used: true, Version: tls.VersionTLS13, Cipher: tls.TLS_AES_128_GCM_SHA256, Policy: "opportunistic", Result: "success"}) {
		t.Errorf("deferred %+v", d)
	}
	if dane.Kind != events.KindDelivered || dane.Rcpt != 3 || !dane.TLS.Verified || dane.TLS.Policy != "dane" {
		t.Errorf("dane delivery %+v", dane)
	}
	if bare.Kind != events.KindDelivered || bare.Rcpt != 4 || bare.TLS != (events.TLS{}) {
		t.Errorf("bare delivery %+v", bare)
	}
	for _, ev := range evs {
		if ev.Rerouted != "" {
			t.Errorf("v3 record has Rerouted %q", ev.Rerouted)
		}
		if out := payloadEvent([8]byte{}, &entry{ev: ev}); out.Rerouted != "" {
			t.Errorf("payload of a v3 record has rerouted: %+v", out)
		}
	}
}

// TestReroutedRecordRoundTrip: the outbox keeps Rerouted next to the
// outcome and TLS parts, and refuses a record whose rerouted part is
// longer than the events store lets through, or cut.
func TestReroutedRecordRoundTrip(t *testing.T) {
	t.Parallel()
	ev := sent(1, events.KindFailed)
	ev.SetOutcome(events.Outcome{Code: 550, Reply: "no such user", Attempt: 2}, nil)
	ev.SetTLS(events.TLS{Used: true, Policy: "opportunistic", Result: "success"})
	ev.Rerouted = "source b warming up: today's allowance at default is spent"
	ev.Time = time.Unix(0, ev.Time.UnixNano())
	rec := func(ev *events.Event) []byte {
		v, _ := appendRecord(newValue(0, 1), nil, ev)
		setCount(v, 1)
		_, _, recs, _ := header(v)
		r, _, _ := nextRecord(recs)
		return r
	}
	r := rec(&ev)
	back, err := decodeRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	back.Tenant = ev.Tenant // the queue's name, not in the record
	if back != ev {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, ev)
	}
	if _, err := decodeRecord(r[:len(r)-1]); err == nil {
		t.Error("cut record decoded")
	}
	long := ev
	long.Rerouted = strings.Repeat("x", events.MaxRerouted+1)
	if _, err := decodeRecord(rec(&long)); err == nil {
		t.Error("over-long rerouted decoded")
	}
}
