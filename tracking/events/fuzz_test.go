package events

import (
	"encoding/hex"
	"testing"
	"time"
)

// FuzzBatch checks that no stored bytes make the batch decoders panic, and
// that what appendRecord writes decodes to the same event.
func FuzzBatch(f *testing.F) {
	ev := Event{Time: time.Unix(1773500966, 123), Kind: KindClick, Tenant: "acme", Campaign: "spring",
		Message: 1773500966123456, Rcpt: 3, Link: 7, Machine: true, Reason: "early", IP: "203.0.113.0/24", UAClass: "scanner"}
	one, _ := appendRecord([]byte{batchVersion, 1}, nil, &ev)
	f.Add(one)
	failed := Event{Time: time.Unix(1773500967, 0), Kind: KindFailed, Tenant: "acme", Message: 1773500966123456, Code: 550,
		Enhanced: "5.1.1", Reply: "no such user", Class: "hard_invalid_recipient", Reason: "user_unknown", MX: "mx.b", Attempt: 2}
	two, _ := appendRecord([]byte{batchVersion, 1}, nil, &failed)
	f.Add(two)
	delivered := Event{Time: time.Unix(1773500968, 0), Kind: KindDelivered, Tenant: "acme", Message: 1773500966123456,
		TLS: TLS{Used: true, Verified: true, Version: 0x0304, Cipher: 0x1301, Policy: "dane", Result: "success"}}
	three, _ := appendRecord([]byte{batchVersion, 1}, nil, &delivered)
	f.Add(three)
	delivered.Rerouted = "source b warming up: today's allowance at gmail is spent"
	four, _ := appendRecord([]byte{batchVersion, 1}, nil, &delivered)
	f.Add(four)
	if v1, err := hex.DecodeString(v1Batch); err == nil {
		f.Add(v1)
	}
	if v2, err := hex.DecodeString(v2Batch); err == nil {
		f.Add(v2)
	}
	if v3, err := hex.DecodeString(v3Batch); err == nil {
		f.Add(v3)
	}
	f.Add([]byte{batchVersion, 0})
	f.Add([]byte{batchVersion, 2, 1, 0})
	f.Add([]byte{batchVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, v []byte) {
		batchCount(v)
		eachRecord(v, func(rec []byte) error {
			recordIDs(rec)
			e, err := decodeRecord(rec)
			if err != nil {
				return nil
			}
			e.normalize()
			e.Time = time.Unix(0, e.Time.UnixNano())
			b, _ := appendRecord([]byte{batchVersion, 1}, nil, &e)
			var back Event
			if err := eachRecord(b, func(r []byte) error {
				var err error
				back, err = decodeRecord(r)
				return err
			}); err != nil {
				t.Fatalf("re-decode: %v", err)
			}
			if back != e {
				t.Fatalf("round trip:\n%+v\n%+v", e, back)
			}
			return nil
		})
	})
}
