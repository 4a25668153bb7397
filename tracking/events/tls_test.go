package events

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// v2Batch is a batch value written by the version 2 encoder (outcome
// part, before the TLS part), frozen: a failure with its outcome and a
// bare delivery. It must decode forever.
const v2Batch = "020274028e90c9da8befde9c31c2efe0f8d59f930302066661696c65640461636d6506737072696e67000c757365725f756e6b6e6f776e00000000a6040205352e312e310c6e6f2073756368207573657216686172645f696e76616c69645f726563697069656e740e6d782e6578616d706c652e6e6574290080b89f9493efde9c31c2efe0f8d59f9303030964656c6976657265640461636d6500000000000000"

// v2Events are the events of v2Batch.
func v2Events() []Event {
	return []Event{
		{Time: time.Unix(1773500970, 7), Kind: KindFailed, Tenant: "acme", Campaign: "spring", Message: 1773500966123458, Rcpt: 2,
			Code: 550, Enhanced: "5.1.1", Reply: "no such user", Class: "hard_invalid_recipient", Reason: "user_unknown",
			MX: "mx.example.net", Attempt: 2},
		{Time: time.Unix(1773500971, 0), Kind: KindDelivered, Tenant: "acme", Message: 1773500966123458, Rcpt: 3},
	}
}

// TestV2BatchDecodes: a batch of the version 2 encoder decodes to the
// same events, without TLS, by the decoder and through a store that
// holds it next to a version 3 batch.
func TestV2BatchDecodes(t *testing.T) {
	t.Parallel()
	v, err := hex.DecodeString(v2Batch)
	if err != nil {
		t.Fatal(err)
	}
	want := v2Events()
	var got []Event
	if err := eachRecord(v, func(rec []byte) error {
		ev, err := decodeRecord(rec)
		got = append(got, ev)
		return err
	}); err != nil {
		t.Fatalf("v2 batch: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) {
			t.Errorf("event %d: time %v, want %v", i, got[i].Time, want[i].Time)
		}
		got[i].Time, want[i].Time = time.Time{}, time.Time{}
		if got[i] != want[i] {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}

	s, _ := openStore(t, Options{Retention: -1})
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return bucket(tx, bucketEv).Put(batchKey(t0.Add(-time.Hour), 1), v)
	}); err != nil {
		t.Fatal(err)
	}
	delivered := Event{Time: time.Unix(1773500972, 0), Kind: KindDelivered, Tenant: "acme", Message: 1773500966123459}
	delivered.SetTLS(TLS{Used: true, Verified: true, Version: tls.VersionTLS13, Cipher: tls.TLS_AES_128_GCM_SHA256,
		Policy: "mta-sts enforce", Result: "success"})
	s.Record(delivered)
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
	if strings.Join(kinds, ",") != "failed,delivered,delivered" {
		t.Fatalf("stored kinds %v", kinds)
	}
	if last.TLS != delivered.TLS {
		t.Fatalf("TLS not kept: %+v, want %+v", last.TLS, delivered.TLS)
	}
}

// TestTLSRecordRoundTrip: the TLS part survives encoding, alone and after
// an outcome; an event without it costs no byte more than in version 2.
func TestTLSRecordRoundTrip(t *testing.T) {
	t.Parallel()
	dane := TLS{Used: true, Verified: true, Version: tls.VersionTLS13, Cipher: tls.TLS_CHACHA20_POLY1305_SHA256,
		Policy: "dane", Result: "success"}
	tests := []struct {
		name string
		ev   Event
	}{
		{"delivered", Event{Time: time.Unix(5, 0), Kind: KindDelivered, Tenant: "acme", TLS: dane}},
		{"deferred by policy", Event{Time: time.Unix(5, 0), Kind: KindDeferred, Tenant: "acme", Attempt: 1,
			Reply: "dane: no TLSA record matches the certificate for mx1.b", MX: "mx1.b",
			TLS: TLS{Policy: "dane", Result: "tlsa-invalid"}}},
		{"in clear", Event{Time: time.Unix(5, 0), Kind: KindDelivered, Tenant: "acme", TLS: TLS{Policy: "opportunistic", Result: "success"}}},
		{"none", Event{Time: time.Unix(5, 0), Kind: KindDelivered, Tenant: "acme"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := appendRecord([]byte{batchVersion, 1}, nil, &tt.ev)
			var back Event
			if err := eachRecord(v, func(rec []byte) error {
				var err error
				back, err = decodeRecord(rec)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if back != tt.ev {
				t.Fatalf("round trip:\n got %+v\nwant %+v", back, tt.ev)
			}
			if (v[3]&flagTLS != 0) != (tt.ev.TLS != TLS{}) {
				t.Fatalf("TLS flag %v for TLS %+v", v[3]&flagTLS != 0, tt.ev.TLS)
			}
		})
	}
}

// TestTLSPartDamaged: unknown bits or numbers over 16 bits in the TLS
// part make the record corrupt rather than misread.
func TestTLSPartDamaged(t *testing.T) {
	t.Parallel()
	ev := Event{Time: time.Unix(5, 0), Kind: KindDelivered, Tenant: "acme", TLS: TLS{Used: true, Policy: "dane"}}
	v, _ := appendRecord([]byte{batchVersion, 1}, nil, &ev)
	rec := v[3:]
	i := len(rec) - len("dane") - 1 - 1 - 2 - 1 // bits | version | cipher | policy | result
	for name, edit := range map[string]func(b []byte) []byte{
		"unknown bit": func(b []byte) []byte { b[i] |= 0x80; return b },
		"version over 16 bits": func(b []byte) []byte {
			return append(append(append([]byte{}, b[:i+1]...), 0xff, 0xff, 0x04), b[i+2:]...)
		},
		"cut": func(b []byte) []byte { return b[:len(b)-1] },
	} {
		b := edit(append([]byte(nil), rec...))
		if _, err := decodeRecord(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	if back, err := decodeRecord(rec); err != nil || back.TLS != ev.TLS {
		t.Fatalf("intact record: %+v, %v", back.TLS, err)
	}
}

// TestNormalizeTLS: the TLS names are bounded and cleaned like any text
// that reaches a CRM.
func TestNormalizeTLS(t *testing.T) {
	t.Parallel()
	ev := Event{Kind: KindDelivered, Tenant: "acme", TLS: TLS{Policy: "dane\r\nX-Evil: 1", Result: strings.Repeat("x", 100)}}
	ev.normalize()
	if ev.TLS.Policy != "dane X-Evil: 1" || len(ev.TLS.Result) != maxTLSName {
		t.Errorf("normalized TLS %+v", ev.TLS)
	}
}
