package reputation

import "testing"

// FuzzDecodeScope: a saved window never panics the loader, and what
// decodes encodes back to the same bytes.
func FuzzDecodeScope(f *testing.F) {
	var s scope
	s.w.add(cFinal, 7, 500)
	s.w.add(cComplaint, 7, 500)
	f.Add(s.encode())
	f.Add([]byte{snapVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeScope(b)
		if err != nil {
			return
		}
		if got := s.encode(); string(got) != string(b) {
			// Varints have one shortest form; a longer one decodes too.
			if s2, err := decodeScope(got); err != nil || s2.w != s.w {
				t.Fatalf("re-decoding %x: %v", got, err)
			}
		}
	})
}
