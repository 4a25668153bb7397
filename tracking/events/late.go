package events

import (
	"encoding/binary"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Late campaigns.
//
// A message's campaign reaches the store with its "sent" event, which the
// spool journals and a Follower applies; opens, clicks and unsubscribes
// are recorded directly by the edge. Both paths are asynchronous, so an
// edge event can be applied before the "sent" of its message (a follower
// that gathers commits, a follower catching up after a restart, a
// prefetching image proxy that fetches at delivery time). Such an event
// finds no campaign and is counted for the tenant only.
//
// The writer therefore remembers, for an edge event of a message newer
// than the newest "sent" it has applied, which counters the event
// incremented (bucket "late", key message id | tenant). When the message's
// "sent" arrives with a campaign, those counters are added to the
// campaign's scope and the entry is deleted: campaign statistics end up
// as if the events had come in order. The stored event record keeps its
// empty campaign (it is written once; listings of a campaign's events may
// miss such an event, its counters do not). Entries of messages accepted
// more than lateWindow ago are purged with the retention sweep: a "sent"
// comes within seconds of acceptance, never an hour.
const (
	bucketLate = "late"
	lateWindow = time.Hour
	// lateMax bounds one message's entry: a message opened and clicked a
	// thousand times before its "sent" is applied is not a campaign
	// statistic worth a large value.
	lateMax = 1024
)

// Late entry items: a plain counter is its index (< numCounters); a link
// counter is lateLink or lateLinkU followed by the link (uint16).
const (
	lateLink  = 0xFE
	lateLinkU = 0xFF
)

// lateState is the store's part of late-campaign tracking.
type lateState struct {
	// following is set once the store follows a journal.
	following atomic.Bool
	// sentMark is the newest message id of a "sent" event committed.
	sentMark atomic.Uint64
	// any is set when the late bucket may hold an entry.
	any atomic.Bool
	// follower is the store's Follower, urged when an event is held.
	follower atomic.Pointer[Follower]
}

// lateWriter is a batch writer's part of it.
type lateWriter struct {
	lateSt    *lateState
	late      *bolt.Bucket
	direct    bool // the batch was recorded directly, not journaled
	now       time.Time
	noting    bool   // the current event's counters are being remembered
	lateItems []byte // what they are
	maxSent   uint64 // the newest "sent" of this batch
}

// lateKey is message id | tenant.
func lateKey(msg uint64, tenant string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, msg), tenant...)
}

// maybeLate reports whether ev's counters must be remembered until its
// message's "sent": ev is an edge event of the kinds counted per campaign,
// the writer found no campaign for it, the store follows a journal (a
// standalone edge never sees a "sent"), and its message is newer than the
// newest "sent" applied and recent.
func (w *batchWriter) maybeLate(ev *Event) bool {
	if !w.direct || !w.lateSt.following.Load() || ev.Campaign != "" || ev.Message == 0 {
		return false
	}
	switch ev.Kind {
	case KindOpen, KindClick, KindUnsubscribe:
	default:
		return false
	}
	if ev.Message <= w.lateSt.sentMark.Load() {
		return false // its "sent" was applied: the message has no campaign
	}
	return ev.Message >= uint64(w.now.Add(-lateWindow).UnixMicro())
}

// noteLate appends the counters recorded in w.lateItems to ev's entry.
func (w *batchWriter) noteLate(ev *Event) error {
	if len(w.lateItems) == 0 {
		return nil
	}
	k := lateKey(ev.Message, ev.Tenant)
	old := w.late.Get(k)
	if len(old)+len(w.lateItems) > lateMax {
		return nil
	}
	v := make([]byte, 0, len(old)+len(w.lateItems))
	v = append(append(v, old...), w.lateItems...)
	w.lateSt.any.Store(true)
	return w.late.Put(k, v)
}

// settleLate adds the counters remembered for a message that has just
// got its campaign (ev is its "sent") to the campaign's scope.
func (w *batchWriter) settleLate(ev *Event) error {
	if !w.lateSt.any.Load() {
		return nil
	}
	k := lateKey(ev.Message, ev.Tenant)
	v := w.late.Get(k)
	if v == nil {
		return nil
	}
	sd := w.scope(&w.campMemo, ev.Tenant, ev.Campaign)
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c < byte(numCounters):
			sd.n[c]++
		case (c == lateLink || c == lateLinkU) && i+2 < len(v):
			sd.addLink(linkKey{link: int(binary.BigEndian.Uint16(v[i+1:])), unique: c == lateLinkU})
			i += 2
		default:
			i = len(v) // corrupt: stop
		}
	}
	return w.late.Delete(k)
}

// lateCounted records, while an event is being remembered, that counter k
// was incremented for it.
func (w *batchWriter) lateCounted(k counter) {
	if w.noting {
		w.lateItems = append(w.lateItems, byte(k))
	}
}

// lateLinkCounted is lateCounted for a link counter.
func (w *batchWriter) lateLinkCounted(lk linkKey) {
	if w.noting {
		c := byte(lateLink)
		if lk.unique {
			c = lateLinkU
		}
		w.lateItems = binary.BigEndian.AppendUint16(append(w.lateItems, c), uint16(lk.link))
	}
}

// hasLate reports whether the late bucket holds any entry (read at Open;
// the writer sets it when it adds one).
func hasLate(tx *bolt.Tx) bool {
	k, _ := bucket(tx, bucketLate).Cursor().First()
	return k != nil
}
