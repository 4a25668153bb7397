package main

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// greylist remembers greylisted triplets (RFC 6647 §2.1): the first time
// one is seen it is refused with 451 4.7.1; seen again at least delay
// later it passes, and passes from then on. Only greylisted triplets are
// kept (the mix chooses them), so memory is bounded by their share.
type greylist struct {
	delay time.Duration
	now   func() time.Time

	mu    sync.Mutex
	first map[uint64]int64 // triplet -> unix ns of the first try; passed: -1
}

func newGreylist(delay time.Duration, now func() time.Time) *greylist {
	return &greylist{delay: delay, now: now, first: make(map[uint64]int64)}
}

// pass reports whether the greylisted triplet key may pass now.
func (g *greylist) pass(key uint64) bool {
	now := g.now().UnixNano()
	g.mu.Lock()
	defer g.mu.Unlock()
	t, seen := g.first[key]
	switch {
	case !seen:
		g.first[key] = now
		return false
	case t < 0:
		return true
	case now-t >= int64(g.delay):
		g.first[key] = -1
		return true
	}
	return false
}

// ledger records what the sink accepted: every (X-Sluice-ID, recipient)
// pair whose data it took, once per pair for the unique count, and every
// time in the ledger file (one "id rcpt" line each) for the soak script's
// check that each delivery sluice reports arrived.
type ledger struct {
	mu     sync.Mutex
	seen   map[uint64]struct{} // FNV-1a of "id\x00rcpt"
	w      *bufio.Writer       // nil: no file
	werr   error
	unique atomic.Int64
	total  atomic.Int64 // recipients accepted, duplicates included
	msgs   atomic.Int64 // messages whose data was taken
	noID   atomic.Int64 // messages taken without an X-Sluice-ID field
}

func newLedger(w io.Writer) *ledger {
	l := &ledger{seen: make(map[uint64]struct{})}
	if w != nil {
		l.w = bufio.NewWriterSize(w, 1<<16)
	}
	return l
}

// accept records one message's accepted recipients.
func (l *ledger) accept(id string, rcpts []string) {
	l.msgs.Add(1)
	if id == "" {
		l.noID.Add(1)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range rcpts {
		l.total.Add(1)
		h := fnv.New64a()
		h.Write([]byte(id))
		h.Write([]byte{0})
		h.Write([]byte(r))
		k := h.Sum64()
		if _, dup := l.seen[k]; !dup {
			l.seen[k] = struct{}{}
			l.unique.Add(1)
		}
		if l.w != nil && l.werr == nil {
			_, l.werr = fmt.Fprintf(l.w, "%s %s\n", id, r)
		}
	}
}

// flush writes out the ledger file's buffer.
func (l *ledger) flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return nil
	}
	if l.werr != nil {
		return l.werr
	}
	return l.w.Flush()
}
