package webhook

import (
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"testing"

	"sluice/tracking/events"
)

// TestTLSOutcomeDelivered: a receiver learns how each delivery attempt's
// session was secured: a DANE-verified delivery with its TLS version,
// cipher, policy and result; a delivery in clear as "tls": false; a
// deferral by an enforced policy with the policy's verdict. An open, and
// an outcome whose session is unknown, carry no TLS key.
func TestTLSOutcomeDelivered(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	dane := sent(1, events.KindDelivered)
	dane.SetTLS(events.TLS{Used: true, Verified: true, Version: tls.VersionTLS13, Cipher: tls.TLS_AES_256_GCM_SHA384,
		Policy: "dane", Result: "success"})
	clear := sent(2, events.KindDelivered)
	clear.SetTLS(events.TLS{Policy: "opportunistic", Result: "success"})
	refused := sent(3, events.KindDeferred)
	refused.SetOutcome(events.Outcome{Reply: "mta-sts enforce: STARTTLS not offered by mx1.example.net", MX: "mx1.example.net", Attempt: 1}, nil)
	refused.SetTLS(events.TLS{Policy: "mta-sts enforce", Result: "starttls-not-supported"})
	f.record(dane, clear, refused, sent(4, events.KindOpen), sent(5, events.KindDelivered))
	f.start()
	reqs := rc.waitRequests(t, 1)
	got := decode(t, reqs[0].body)
	if len(got) != 5 {
		t.Fatalf("got %d events", len(got))
	}
	if g := got[0]; g.TLS == nil || !*g.TLS || !g.TLSVerified || g.TLSVersion != "TLS 1.3" ||
		g.TLSCipher != "TLS_AES_256_GCM_SHA384" || g.TLSPolicy != "dane" || g.TLSResult != "success" {
		t.Errorf("dane delivery %+v", g)
	}
	if g := got[1]; g.TLS == nil || *g.TLS || g.TLSVerified || g.TLSVersion != "" || g.TLSPolicy != "opportunistic" {
		t.Errorf("delivery in clear %+v", g)
	}
	if g := got[2]; g.TLS == nil || *g.TLS || g.TLSPolicy != "mta-sts enforce" || g.TLSResult != "starttls-not-supported" ||
		g.Reply == "" {
		t.Errorf("deferral by policy %+v", g)
	}
	var raw struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(reqs[0].body, &raw); err != nil {
		t.Fatal(err)
	}
	if v, ok := raw.Events[1]["tls"]; !ok || v != false {
		t.Errorf("delivery in clear: \"tls\" = %v (present %v), want false", v, ok)
	}
	for _, i := range []int{3, 4} {
		for _, k := range []string{"tls", "tls_verified", "tls_version", "tls_cipher", "tls_policy", "tls_result"} {
			if _, ok := raw.Events[i][k]; ok {
				t.Errorf("event %d (%v) has %q", i, raw.Events[i]["kind"], k)
			}
		}
	}
}

// v2Value is an outbox value queued by the version 2 encoder (outcome
// part, before the TLS part), frozen: a failure with its outcome and a
// bare delivery. It must still be sent after an upgrade.
const v2Value = "020000000200000000000000006e8e90c9da8befde9c3102c2efe0f8d59f93030200066661696c656406737072696e670c757365725f756e6b6e6f776e000000a6040205352e312e310c6e6f2073756368207573657216686172645f696e76616c69645f726563697069656e740e6d782e6578616d706c652e6e65742380b89f9493efde9c3100c2efe0f8d59f930303000964656c6976657265640000000000"

// TestV2ValueStillSent: a value queued before TLS was kept is delivered
// with its outcome and without TLS keys.
func TestV2ValueStillSent(t *testing.T) {
	t.Parallel()
	v, err := hex.DecodeString(v2Value)
	if err != nil {
		t.Fatal(err)
	}
	binary.BigEndian.PutUint64(v[5:13], uint64(t0.UnixNano())) // queued now for the fixture's clock
	count, _, recs, err := header(v)
	if err != nil || count != 2 {
		t.Fatalf("header: %d, %v", count, err)
	}
	var evs []events.Event
	for range count {
		rec, rest, ok := nextRecord(recs)
		if !ok {
			t.Fatal("framing")
		}
		ev, err := decodeRecord(rec)
		if err != nil {
			t.Fatalf("v2 record: %v", err)
		}
		evs, recs = append(evs, ev), rest
	}
	f, d := evs[0], evs[1]
	if f.Kind != events.KindFailed || f.Code != 550 || f.Enhanced != "5.1.1" || f.Reply != "no such user" ||
		f.Class != "hard_invalid_recipient" || f.Reason != "user_unknown" || f.MX != "mx.example.net" || f.Attempt != 2 ||
		f.Campaign != "spring" || f.Message != 1773500966123458 || f.Rcpt != 2 || f.TLS != (events.TLS{}) {
		t.Errorf("failed %+v", f)
	}
	if d.Kind != events.KindDelivered || d.Rcpt != 3 || d.TLS != (events.TLS{}) {
		t.Errorf("delivered %+v", d)
	}
	out := payloadEvent([8]byte{}, &entry{ev: d})
	if out.TLS != nil || out.TLSPolicy != "" {
		t.Errorf("payload of a v2 delivery has TLS: %+v", out)
	}
}

// TestTLSRecordRoundTrip: the outbox keeps every TLS field.
func TestTLSRecordRoundTrip(t *testing.T) {
	t.Parallel()
	ev := sent(1, events.KindDeferred)
	ev.SetOutcome(events.Outcome{Code: 421, Reply: "later", Attempt: 2}, nil)
	ev.SetTLS(events.TLS{Used: true, Version: tls.VersionTLS12, Cipher: tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		Policy: "mta-sts testing", Result: "certificate-host-mismatch"})
	v, _ := appendRecord(newValue(0, 1), nil, &ev)
	setCount(v, 1)
	_, _, recs, _ := header(v)
	rec, _, _ := nextRecord(recs)
	back, err := decodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	if back.TLS != ev.TLS || back.Code != 421 || back.Attempt != 2 {
		t.Fatalf("round trip: %+v, want %+v", back, ev)
	}
}
