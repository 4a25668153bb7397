package shaping

import "testing"

// FuzzBlocklistRecognise: any reply, however hostile, is answered without
// a panic, and a recognised one always says why.
func FuzzBlocklistRecognise(f *testing.F) {
	b, err := NewBlocklist(BlocklistOptions{})
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range blockReplies() {
		f.Add(554, "5.7.1", r.example)
	}
	f.Add(0, "", "")
	f.Add(421, "4.7.0", "[TSS04] \xff\x00 blocked by")
	f.Fuzz(func(t *testing.T, code int, enhanced, text string) {
		why, ok := b.Recognise(code, enhanced, text)
		if ok && why == "" {
			t.Errorf("recognised without a reason: %d %q %q", code, enhanced, text)
		}
	})
}
