package fleet

import (
	"testing"
	"time"

	"sluice/queue"
)

// FuzzDecodeHoldEntry: a hold field and value read from Redis (hostile
// or corrupt) never panic, and whatever decodes is a hold the spool
// accepts and encodes back to itself.
func FuzzDecodeHoldEntry(f *testing.F) {
	f.Add("tenant:acme", encodeHold(queue.Hold{Kind: "tenant", Name: "acme", By: "op", Since: time.Unix(1, 2), Reason: "r", Until: time.Unix(3, 4)}))
	f.Add("stream:acme/marketing", "00000000000000000001{}")
	f.Add("domain:x.example", encodeLift(time.Unix(5, 6)))
	f.Add("message:zz", "00000000000000000001{\"u\":-1}")
	f.Fuzz(func(t *testing.T, k, v string) {
		ch, err := decodeEntry(k, v)
		if err != nil {
			return
		}
		h := ch.Hold
		if queue.CheckFleetHold(h) != nil {
			t.Fatalf("decoded a hold the spool refuses: %+v", h)
		}
		enc := encodeHold(h)
		if ch.Lift {
			enc = encodeLift(h.Since)
		}
		ch2, err := decodeEntry(k, enc)
		h2 := ch2.Hold
		if err != nil || ch2.Lift != ch.Lift || h2.By != h.By || h2.Reason != h.Reason || !h2.Since.Equal(h.Since) || !h2.Until.Equal(h.Until) {
			t.Fatalf("round trip %+v → %+v, %v", ch, ch2, err)
		}
	})
}
