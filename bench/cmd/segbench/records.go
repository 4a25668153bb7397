package main

import (
	"encoding/binary"
	"fmt"
)

// The buckets the spool writes when it enqueues, claims and completes a
// one-recipient message (queue/store.go, queue/spool.go, queue/priority.go).
// The values are opaque bytes of the sizes the spool's encoders produce:
// what matters here is the pages they dirty, not their meaning.
var (
	bucketMeta      = []byte("meta")     // counters, id high-water mark
	bucketMsg       = []byte("msg")      // id → meta (+ body location in design B)
	bucketBody      = []byte("body")     // id → body (design A only)
	bucketRcpt      = []byte("rcpt")     // id|idx → rcpt
	bucketSched     = []byte("sched")    // due|id|idx → nil
	bucketSchedDest = []byte("sched_d")  // class|domain|0|due|id|idx → nil
	bucketInflight  = []byte("inflight") // id|idx → nil
	bucketDir       = []byte("dir")      // id|idx → tenant, address, delivery
	bucketJournal   = []byte("journal")  // seq → event journal entry
	bucketSeg       = []byte("seg")      // segment number → live bodies (design B only)
	allBuckets      = [][]byte{bucketMeta, bucketMsg, bucketBody, bucketRcpt, bucketSched,
		bucketSchedDest, bucketInflight, bucketDir, bucketJournal, bucketSeg}

	keyHighWater = []byte("id_hwm")
	keyQueued    = []byte("n_queued")
	keyInFlight  = []byte("n_inflight")
)

// retryDelay is where a claim books the next attempt (the spool books it
// before delivery starts).
const retryDelay int64 = 60e9

// idKey is a message id, big-endian: ids grow, so bbolt appends.
func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// rcptKey is (id, recipient 0).
func rcptKey(id uint64) []byte { return binary.BigEndian.AppendUint32(idKey(id), 0) }

// due is the message's first due time: ids are microseconds, as the
// spool's are.
func due(id uint64) int64 { return int64(id) * 1000 }

func schedKey(at int64, id uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(at))
	return append(b, rcptKey(id)...)
}

func destKey(at int64, id uint64) []byte {
	b := append([]byte{0}, domain(id)...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(at))
	return append(b, rcptKey(id)...)
}

// domain spreads recipients over 100 domains.
func domain(id uint64) string { return fmt.Sprintf("d%02d.example", id%100) }

func addr(id uint64) string { return fmt.Sprintf("user%d@%s", id, domain(id)) }

// appendString is the spool's putString: a uvarint length, then the bytes.
func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// metaValue is the message record (queue's meta.encode); in design B the
// body's location follows it.
func metaValue(id uint64, size int, loc *bodyLoc) []byte {
	b := []byte{1}
	b = binary.AppendVarint(b, due(id))
	b = appendString(b, "bench")
	b = appendString(b, "bounces@shop.example")
	b = append(b, 0, 0)
	b = binary.AppendUvarint(b, 1) // recipients
	b = binary.AppendUvarint(b, 1) // pending
	b = binary.AppendUvarint(b, uint64(size))
	b = appendString(b, "")
	if loc != nil {
		b = loc.append(b)
	}
	return b
}

// rcptValue is a recipient record (queue's rcpt.encode).
func rcptValue(id uint64, state byte, attempts uint32, next int64) []byte {
	b := []byte{1, state}
	b = binary.AppendUvarint(b, uint64(attempts))
	b = binary.AppendVarint(b, next)
	b = binary.AppendVarint(b, next)
	b = appendString(b, addr(id))
	b = append(b, 0, 0, 0)
	return appendString(b, "")
}

// dirValue is the recipient directory entry; delivered adds the source
// and site the way recordDelivery does.
func dirValue(id uint64, delivered bool) []byte {
	b := []byte{1, 0}
	b = appendString(b, "bench")
	b = appendString(b, addr(id))
	if delivered {
		b = append(b, 1)
		b = appendString(b, "192.0.2.10")
		b = appendString(b, "default")
	}
	return b
}

// journalValue is an event journal entry (queue's encodeJournal) of a
// "sent" (kind 1) or "delivered" (kind 2) event.
func journalValue(id uint64, kind byte) []byte {
	b := []byte{1, kind}
	b = binary.AppendVarint(b, due(id))
	b = binary.AppendUvarint(b, id)
	b = append(b, 0, 1, 1)
	b = binary.AppendUvarint(b, 250)
	b = appendString(b, "bench")
	b = appendString(b, "")
	if kind == 2 {
		b = appendString(b, "2.0.0")
		b = appendString(b, "250 2.0.0 Ok: queued as 4F1A2B3C")
		b = appendString(b, "mx."+domain(id))
	}
	return append(b, 0, 0, 0, 0, 0)
}

// bodyLoc is where design B keeps a body: a segment file, an offset in
// it, a length.
type bodyLoc struct {
	seg uint32
	off int64
	n   uint32
}

const locLen = 16

func (l bodyLoc) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, l.seg)
	b = binary.BigEndian.AppendUint64(b, uint64(l.off))
	return binary.BigEndian.AppendUint32(b, l.n)
}

// locOf reads the location at the end of a message record.
func locOf(meta []byte) (bodyLoc, error) {
	if len(meta) < locLen {
		return bodyLoc{}, fmt.Errorf("message record of %d bytes has no body location", len(meta))
	}
	t := meta[len(meta)-locLen:]
	return bodyLoc{
		seg: binary.BigEndian.Uint32(t),
		off: int64(binary.BigEndian.Uint64(t[4:])),
		n:   binary.BigEndian.Uint32(t[12:]),
	}, nil
}
