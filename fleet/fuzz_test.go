package fleet

import (
	"testing"

	"sluice/queue"
)

// FuzzDecodeSupp: entries read from Redis are hostile input; decoding
// never panics, and what it accepts round-trips.
func FuzzDecodeSupp(f *testing.F) {
	f.Add("acme\x00ann@x.example", encodeSupp(queue.Suppression{Scope: queue.ScopeMarketing, Reason: "unsubscribe"}))
	f.Add("acme", "1{}")
	f.Add("\x00", "3{")
	f.Fuzz(func(t *testing.T, fld, v string) {
		s, err := decodeSupp(fld, v)
		if err != nil {
			return
		}
		again, err := decodeSupp(field(s.Tenant, s.Addr), encodeSupp(s))
		if err != nil || again.Scope != s.Scope || again.Reason != s.Reason {
			t.Fatalf("round trip: %+v → %+v, %v", s, again, err)
		}
	})
}

func FuzzParseStreamID(f *testing.F) {
	f.Add("1700000000000-0")
	f.Add("18446744073709551615-18446744073709551615")
	f.Add("-")
	f.Fuzz(func(t *testing.T, id string) {
		ms, seq, ok := parseStreamID(id)
		if ok && idLess(id, id) {
			t.Fatalf("%q < itself (%d-%d)", id, ms, seq)
		}
	})
}
