package queue

import (
	"testing"
	"time"
)

// FuzzDecodeHold: any stored hold bytes decode without a panic, always
// naming the hold, and an encoded hold decodes to itself.
func FuzzDecodeHold(f *testing.F) {
	f.Add([]byte{1, 0, 3, 'a', 'n', 'n'}, "ctl:ann", "disk full", int64(1), int64(2))
	f.Add([]byte{2, 0, 0, 0, 2}, "", "", int64(0), int64(0))
	f.Fuzz(func(t *testing.T, raw []byte, by, reason string, since, until int64) {
		h, _ := decodeHold([]byte("domain:x.example"), raw)
		if h.Kind != "domain" || h.Name != "x.example" {
			t.Fatalf("decode lost the key: %+v", h)
		}
		want := Hold{Kind: "tenant", Name: "acme", By: by, Since: time.Unix(0, since), Reason: reason}
		if until != 0 {
			want.Until = time.Unix(0, until)
		}
		got, err := decodeHold([]byte("tenant:acme"), want.encode())
		if err != nil || !sameHold(got, want) {
			t.Fatalf("round trip of %+v: %+v, %v", want, got, err)
		}
	})
}
