package shaping

import "testing"

// FuzzBlocklistRecognise: any reply, however hostile, is answered without
// a panic, and a recognised one always says why.
func FuzzBlocklistRecognise(f *testing.F) {
	b, err := NewBlocklist(BlocklistOptions{})
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range []string{"Mail from 192.0.2.10 refused, listed in SBL", "Connection refused: 192.0.2.10 blocked by Yahoo",
		"[TS03] All messages from 192.0.2.10 will be permanently deferred"} {
		f.Add(554, "5.7.1", r)
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
