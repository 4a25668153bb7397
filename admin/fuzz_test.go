package admin

import (
	"testing"
	"time"

	"sluice/queue"
)

// FuzzHoldInfo: any "by" a spool holds unpacks without a panic, and an
// (actor, end, reason) of cleaned text packed the interim way comes back
// unchanged.
func FuzzHoldInfo(f *testing.F) {
	f.Add("ctl:ann", int64(3600), "disk full")
	f.Add("a\x1fb\x1fc\x1f", int64(-1), "\x1f")
	f.Fuzz(func(t *testing.T, actor string, secs int64, reason string) {
		_ = holdInfo(queue.Hold{By: actor + reason})
		actor, reason = cleanText(actor, 100), cleanText(reason, maxReason)
		var until time.Time
		if secs > 0 && secs < 1<<32 {
			until = time.Unix(secs, 0).UTC()
		}
		h := holdInfo(queue.Hold{By: packed(actor, until, reason)})
		if h.By != actor || h.Reason != reason || !h.Until.Equal(until) {
			t.Fatalf("(%q, %v, %q) came back as %+v", actor, until, reason, h)
		}
	})
}
