package webhook

import (
	"encoding/hex"
	"testing"
	"time"

	"sluice/tracking/events"
)

// FuzzValue checks that no stored outbox bytes make the decoders panic,
// and that what appendRecord writes decodes to the same event.
func FuzzValue(f *testing.F) {
	ev := events.Event{Time: time.Unix(1773500967, 0), Kind: events.KindFailed, Campaign: "c", Message: 9, Rcpt: 1,
		Code: 550, Enhanced: "5.1.1", Reply: "no such user", Class: "hard_invalid_recipient", Reason: "user_unknown",
		MX: "mx.b", Attempt: 2}
	v := newValue(1, 1)
	v, _ = appendRecord(v, nil, &ev)
	setCount(v, 1)
	f.Add(v)
	ev.TLS = events.TLS{Used: true, Verified: true, Version: 0x0304, Cipher: 0x1301, Policy: "dane", Result: "tlsa-invalid"}
	v3 := newValue(1, 1)
	v3, _ = appendRecord(v3, nil, &ev)
	setCount(v3, 1)
	f.Add(v3)
	ev.Rerouted = "source b warming up: today's allowance at gmail is spent"
	v4 := newValue(1, 1)
	v4, _ = appendRecord(v4, nil, &ev)
	setCount(v4, 1)
	f.Add(v4)
	for _, frozen := range []string{v1Value, v2Value, v3Value} {
		if old, err := hex.DecodeString(frozen); err == nil {
			f.Add(old)
		}
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		count, _, recs, err := header(v)
		if err != nil {
			return
		}
		for i := 0; i < count; i++ {
			rec, rest, ok := nextRecord(recs)
			if !ok {
				return
			}
			recs = rest
			recordIDs(rec)
			e, err := decodeRecord(rec)
			if err != nil {
				continue
			}
			e.Time = time.Unix(0, e.Time.UnixNano())
			b, _ := appendRecord(nil, nil, &e)
			r, _, ok := nextRecord(b)
			if !ok {
				t.Fatal("re-encoded record does not frame")
			}
			back, err := decodeRecord(r)
			if err != nil {
				t.Fatalf("re-decode: %v", err)
			}
			if back != e {
				t.Fatalf("round trip:\n%+v\n%+v", e, back)
			}
		}
	})
}
