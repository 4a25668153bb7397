package reputation

import "time"

// Counter indexes one count of a window.
type counter int

const (
	cFinal     counter = iota // delivered or failed (not suppressed, not operator's)
	cDelivered                // accepted by the receiver
	cFBL                      // delivered to a feedback-loop receiver
	cComplaint                // feedback-loop complaints
	cHard                     // hard_invalid_recipient failures and returns
	cUnsub                    // unsubscribes
	cBlock                    // policy_blocked or spam_blocked failures and returns
	nCounters
)

// Counts are one block's, one hour's or one window's counts, indexed by
// the Count constants (shared.go).
type Counts [nCounters]uint32

// counts is the package's own name for Counts.
type counts = Counts

func (c *counts) add(o *counts) {
	for i := range c {
		c[i] += o[i]
	}
}

// Blocks of the count window, and buckets of the time window.
const (
	nBlocks  = 20
	nBuckets = 24
)

// window is one scope's two windows.
type window struct {
	// blocks is the count window: a ring of nBlocks blocks, cur the one
	// being filled; it closes after blockSize final outcomes.
	blocks [nBlocks]counts
	cur    int
	// hours is the time window: bucket i holds the counts of the slot
	// stamp[i] (unix time / slot length); a slot older than the window is
	// stale and reused.
	hours [nBuckets]counts
	stamp [nBuckets]int64
	// seen is the time of the last event counted (campaign eviction).
	seen int64
}

// add counts c once in both windows at slot now (unix time / slot).
func (w *window) add(c counter, slot int64, blockSize uint32) {
	if c == cFinal && w.blocks[w.cur][cFinal] >= blockSize {
		w.cur = (w.cur + 1) % nBlocks
		w.blocks[w.cur] = counts{}
	}
	w.blocks[w.cur][c]++
	i := int(slot % nBuckets)
	if w.stamp[i] != slot {
		w.stamp[i], w.hours[i] = slot, counts{}
	}
	w.hours[i][c]++
}

// sums returns the counts of the count window and of the time window at
// slot now.
func (w *window) sums(slot int64) (byCount, byTime counts) {
	for i := range w.blocks {
		byCount.add(&w.blocks[i])
	}
	for i := range w.hours {
		if s := w.stamp[i]; s > slot-nBuckets && s <= slot {
			byTime.add(&w.hours[i])
		}
	}
	return byCount, byTime
}

// slotOf is the time-window slot of t for a window of length d.
func slotOf(t time.Time, d time.Duration) int64 {
	return t.UnixNano() / int64(d/nBuckets)
}
