package queue

import (
	"testing"
	"time"
)

// FuzzDecodeHoldChange: an outbox record, whatever its bytes, decodes or
// fails without a panic.
func FuzzDecodeHoldChange(f *testing.F) {
	key := []byte{0, 0, 0, 0, 0, 0, 0, 1}
	f.Add(key, HoldChange{Hold: Hold{Kind: "tenant", Name: "acme", By: "op", Since: time.Unix(5, 0), Reason: "r"}}.encode())
	f.Add(key, HoldChange{Lift: true, Hold: Hold{Kind: "domain", Name: "x.example"}}.encode())
	f.Add([]byte{1}, []byte{recVersion, 0, 200})
	f.Fuzz(func(t *testing.T, k, v []byte) {
		ch, err := decodeHoldChange(k, v)
		if err == nil && !ch.Lift {
			_ = ch.Hold.encode()
		}
	})
}
