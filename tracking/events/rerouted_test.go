package events

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"sluice/queue"
)

// v3Batch is a batch value written by the version 3 encoder (outcome and
// TLS parts, before the rerouted part), frozen: a deferral with its
// outcome and TLS, a DANE delivery and a bare delivery. It must decode
// forever.
const v3Batch = "03038301068e90c9da8befde9c31c2efe0f8d59f9303020864656665727265640461636d6506737072696e67000974656d706f7261727900000000a5030105342e372e3009747279206c617465720e736f66745f74656d706f726172790e6d782e6578616d706c652e6e657401840681260d6f70706f7274756e697374696307737563636573733b0480b89f9493efde9c31c2efe0f8d59f9303030964656c6976657265640461636d650000000000000003840682260464616e650773756363657373290080e0f5cd9aefde9c31c2efe0f8d59f9303040964656c6976657265640461636d6500000000000000"

// v3Events are the events of v3Batch.
func v3Events() []Event {
	return []Event{
		{Time: time.Unix(1773500970, 7), Kind: KindDeferred, Tenant: "acme", Campaign: "spring", Message: 1773500966123458, Rcpt: 2,
			Code: 421, Enhanced: "4.7.0", Reply: "try later", Class: "soft_temporary", Reason: "temporary",
			MX: "mx.example.net", Attempt: 1, TLS: TLS{Used: true, Version: tls.VersionTLS13, Cipher: tls.TLS_AES_128_GCM_SHA256,
				Policy: "opportunistic", Result: "success"}},
		{Time: time.Unix(1773500971, 0), Kind: KindDelivered, Tenant: "acme", Message: 1773500966123458, Rcpt: 3,
			TLS: TLS{Used: true, Verified: true, Version: tls.VersionTLS13, Cipher: tls.TLS_AES_256_GCM_SHA384, Policy: "dane", Result: "success"}},
		{Time: time.Unix(1773500972, 0), Kind: KindDelivered, Tenant: "acme", Message: 1773500966123458, Rcpt: 4},
	}
}

// decodeBatch decodes every record of batch value v.
func decodeBatch(t *testing.T, v []byte) []Event {
	t.Helper()
	var got []Event
	if err := eachRecord(v, func(rec []byte) error {
		ev, err := decodeRecord(rec)
		got = append(got, ev)
		return err
	}); err != nil {
		t.Fatalf("batch: %v", err)
	}
	return got
}

// TestV3BatchDecodes: a batch of the version 3 encoder decodes to the
// same events, without Rerouted, by the decoder and through a store that
// holds it next to a version 4 batch; re-encoded, a record without
// Rerouted is byte for byte what version 3 wrote.
func TestV3BatchDecodes(t *testing.T) {
	t.Parallel()
	v, err := hex.DecodeString(v3Batch)
	if err != nil {
		t.Fatal(err)
	}
	want := v3Events()
	got := decodeBatch(t, v)
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	again := []byte{batchVersionV3, byte(len(got))}
	for i := range want {
		again, _ = appendRecord(again, nil, &got[i])
		if !got[i].Time.Equal(want[i].Time) {
			t.Errorf("event %d: time %v, want %v", i, got[i].Time, want[i].Time)
		}
		g, w := got[i], want[i]
		g.Time, w.Time = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if hex.EncodeToString(again) != v3Batch {
		t.Errorf("events without Rerouted encode differently from version 3:\n got %x\nwant %s", again, v3Batch)
	}

	s, _ := openStore(t, Options{Retention: -1})
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return bucket(tx, bucketEv).Put(batchKey(t0.Add(-time.Hour), 1), v)
	}); err != nil {
		t.Fatal(err)
	}
	moved := Event{Time: time.Unix(1773500973, 0), Kind: KindDelivered, Tenant: "acme", Message: 1773500966123459,
		Rerouted: "source b warming up: today's allowance at gmail is spent"}
	s.Record(moved)
	flush(t, s)
	var kinds []string
	var last Event
	err = s.Range(context.Background(), "acme", t0.Add(-24*time.Hour), t0.Add(24*time.Hour), func(ev Event) bool {
		kinds = append(kinds, string(ev.Kind))
		last = ev
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(kinds, ",") != "deferred,delivered,delivered,delivered" {
		t.Fatalf("stored kinds %v", kinds)
	}
	if last.Rerouted != moved.Rerouted {
		t.Fatalf("Rerouted not kept: %q, want %q", last.Rerouted, moved.Rerouted)
	}
}

// TestReroutedRecordRoundTrip: the rerouted part survives encoding,
// alone and after the outcome and TLS parts, and its flag is set exactly
// when there is one.
func TestReroutedRecordRoundTrip(t *testing.T) {
	t.Parallel()
	why := "source b blocklisted at outlook until 2026-03-15T13:00:00Z: spamhaus: 550 5.7.1 blocked using zen.spamhaus.org"
	tests := []struct {
		name string
		ev   Event
	}{
		{"delivered", Event{Time: time.Unix(5, 0), Kind: KindDelivered, Tenant: "acme", Rerouted: why}},
		{"deferred with outcome and TLS", Event{Time: time.Unix(5, 0), Kind: KindDeferred, Tenant: "acme", Attempt: 1,
			Reply: "no source of the pool may send to this site now", Rerouted: why,
			TLS: TLS{Used: true, Version: tls.VersionTLS12, Policy: "opportunistic", Result: "success"}}},
		{"failed with outcome", Event{Time: time.Unix(5, 0), Kind: KindFailed, Tenant: "acme", Code: 550, MX: "mx.b", Rerouted: "é"}},
		{"none", Event{Time: time.Unix(5, 0), Kind: KindDelivered, Tenant: "acme"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := appendRecord([]byte{batchVersion, 1}, nil, &tt.ev)
			got := decodeBatch(t, v)
			if len(got) != 1 || got[0] != tt.ev {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tt.ev)
			}
			_, l := binary.Uvarint(v[2:])
			if flags := v[2+l]; (flags&flagRerouted != 0) != (tt.ev.Rerouted != "") {
				t.Fatalf("rerouted flag %v for %q", flags&flagRerouted != 0, tt.ev.Rerouted)
			}
		})
	}
}

// TestReroutedPartDamaged: a rerouted part cut short, or longer than any
// stored text, makes the record corrupt rather than misread.
func TestReroutedPartDamaged(t *testing.T) {
	t.Parallel()
	ev := Event{Time: time.Unix(5, 0), Kind: KindDelivered, Tenant: "acme", Rerouted: "moved"}
	v, _ := appendRecord([]byte{batchVersion, 1}, nil, &ev)
	rec := v[3:]
	if _, err := decodeRecord(rec[:len(rec)-1]); err == nil {
		t.Error("cut record decoded")
	}
	long := ev
	long.Rerouted = strings.Repeat("x", MaxRerouted+1) // not normalized: as a damaged store would hold it
	v, _ = appendRecord([]byte{batchVersion, 1}, nil, &long)
	_, l := binary.Uvarint(v[2:])
	if _, err := decodeRecord(v[2+l:]); err == nil {
		t.Error("over-long rerouted decoded")
	}
	if back, err := decodeRecord(rec); err != nil || back.Rerouted != "moved" {
		t.Fatalf("intact record: %q, %v", back.Rerouted, err)
	}
}

// TestNormalizeRerouted: Rerouted quotes a receiver's reply, so it is
// cleaned like the reply: no CR, LF or other controls (no forged log or
// header line), valid UTF-8, at most MaxRerouted bytes cut at a rune
// boundary.
func TestNormalizeRerouted(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"spamhaus: 550 blocked\r\nX-Evil: 1", "spamhaus: 550 blocked X-Evil: 1"},
		{"bad \xff\xfe utf-8\x00\x7f\u0085", "bad utf-8"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		ev := Event{Kind: KindDelivered, Tenant: "acme", Rerouted: tt.in}
		ev.normalize()
		if ev.Rerouted != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, ev.Rerouted, tt.want)
		}
	}
	ev := Event{Kind: KindDelivered, Tenant: "acme", Rerouted: "a" + strings.Repeat("é", MaxRerouted)}
	ev.normalize()
	if len(ev.Rerouted) > MaxRerouted || len(ev.Rerouted) < MaxRerouted-1 || !utf8.ValidString(ev.Rerouted) {
		t.Errorf("long Rerouted normalized to %d bytes (valid UTF-8: %v)", len(ev.Rerouted), utf8.ValidString(ev.Rerouted))
	}
}

// TestFollowerRerouted: why a journaled delivered, deferred or failed
// outcome moved to another source reaches its stored event; an outcome
// that did not move, and a suppression, have none.
func TestFollowerRerouted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c := openStore(t, Options{})
	q := openSpool(t, c, queue.Options{})
	m := &queue.Message{ID: q.NewID(), Tenant: "acme", From: "n@acme.example",
		Rcpts: []string{"a@x.example", "b@x.example", "c@x.example", "d@x.example", "e@x.example"}, Created: c.Now(), Body: []byte("hi")}
	if err := q.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Claim(ctx, 10, 10); err != nil {
		t.Fatal(err)
	}
	warm := "source a warming up: today's allowance at gmail is spent"
	listed := "source a blocklisted at gmail until 2026-03-15T13:00:00Z: spamhaus: 550 5.7.1 blocked"
	err := q.Complete(ctx, []queue.Result{
		{ID: m.ID, Index: 0, Outcome: queue.OutcomeDelivered, Code: 250, MX: "mx.x.example", Rerouted: warm},
		{ID: m.ID, Index: 1, Outcome: queue.OutcomeDeferred, Reply: "no source may send", Rerouted: listed},
		{ID: m.ID, Index: 2, Outcome: queue.OutcomeFailed, Code: 550, Reply: "no such user", MX: "mx.x.example", Rerouted: warm},
		{ID: m.ID, Index: 3, Outcome: queue.OutcomeDelivered, Code: 250, MX: "mx.x.example"},
		{ID: m.ID, Index: 4, Outcome: queue.OutcomeFailed, Reply: "suppressed: unsubscribe", Suppressed: true, Rerouted: warm},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Follow(q, FollowOptions{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[uint32]Event{}
	if err := s.Range(ctx, "acme", time.Time{}, time.Time{}, func(ev Event) bool {
		if ev.Kind != KindSent {
			got[ev.Rcpt] = ev
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{warm, listed, warm, "", ""} {
		if ev := got[uint32(i)]; ev.Rerouted != want {
			t.Errorf("recipient %d (%s): Rerouted %q, want %q", i, ev.Kind, ev.Rerouted, want)
		}
	}
}
