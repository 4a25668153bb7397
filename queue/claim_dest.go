package queue

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The per-destination schedule: the same entries as the schedule index
// (priority.go), keyed by class, then destination domain, then due time,
// so that a claim can reach the due mail of any domain directly instead of
// reading everyone's in one global order.
//
// Why a second index in the spool rather than a per-destination structure
// in memory (KumoMTA's scheduled queues): the spool is already the order
// of everything beyond the delivery engine's ready queues, and this index
// costs one small key per schedule write in the transactions that write
// the main one, so it is exact after a crash with no recovery step, needs
// no memory per queued recipient (a million due cost the same heap as ten),
// and start-up reads nothing of it. An in-memory index would have to be
// rebuilt by walking the schedule at every start (the start-up issue 19
// removed) and bounded by a budget with a spill back to the spool, which
// is this index again.
//
// How a claim uses it (claim.go): it reads the global schedule in due
// order first, as before, so that with room everywhere mail leaves in the
// order it came due; only when a class's whole skip window was due mail of
// domains without room (one busy or slow destination's backlog ahead of
// everything) does it walk this index, destination by destination,
// skipping a domain without room with one Seek and taking the due mail of
// those with room, up to their room. The walk resumes where the previous
// claim's stopped (Store.destNext), so destinations are served in turn,
// and it visits at most ClaimOptions.MaxDests domains per class per call,
// so its cost is bounded whatever the number of destinations.
//
// Key: class (1 byte) | len(domain) (1 byte) | domain | due | id | idx
// (schedKey, 20 bytes). Domains are at most 253 bytes (RFC 1035 §2.3.4);
// a longer one (no DNS name: undeliverable anyway) is cut to 255 bytes in
// the key, which only makes it share room with its prefix.
var bucketSchedDest = []byte("sched_d")

const maxDestLen = 255

// destPrefix returns the key prefix of class c's entries for domain dom.
func destPrefix(c Class, dom string) []byte {
	if len(dom) > maxDestLen {
		dom = dom[:maxDestLen]
	}
	b := make([]byte, 0, 2+len(dom)+20)
	b = append(b, byte(c), byte(len(dom)))
	return append(b, dom...)
}

// destKey returns the per-destination key of (due, id, idx) of class c
// for domain dom.
func destKey(c Class, dom string, due int64, id ID, idx uint32) []byte {
	return append(destPrefix(c, dom), schedKey(due, id, idx)...)
}

// parseDestKey splits a per-destination key.
func parseDestKey(k []byte) (e schedEntry, ok bool) {
	if len(k) < 2 || int(k[1])+2+20 != len(k) {
		return e, false
	}
	due, id, idx, ok := parseSchedKey(k[2+int(k[1]):])
	if !ok {
		return e, false
	}
	return schedEntry{class: Class(k[0]), due: due, id: id, idx: idx, dom: string(k[2 : 2+int(k[1])]), domKnown: true}, true
}

// pastPrefix returns the least key after every key starting with p
// (every key of one destination has exactly 20 bytes after its prefix).
func pastPrefix(p []byte) []byte {
	return append(bytes.Clone(p), bytes.Repeat([]byte{0xff}, 21)...)
}

// rebuildDestIndex fills the per-destination schedule from the schedule
// index: Open runs it once on a spool written before the index existed.
// Entries whose recipient is gone are left for claims to drop, as before.
func rebuildDestIndex(tx *bolt.Tx) (int, error) {
	sched, rb := scheduleOf(tx), tx.Bucket(bucketRcpt)
	n := 0
	add := func(c Class, k []byte) error {
		due, id, idx, ok := parseSchedKey(k)
		if !ok {
			return nil
		}
		raw := rb.Get(rcptKey(id, idx))
		if raw == nil {
			return nil
		}
		r, err := decodeRcpt(raw)
		if err != nil {
			return fmt.Errorf("recipient %s/%d: %w", id, idx, err)
		}
		n++
		return sched.dest.Put(destKey(c, Domain(r.Addr), due, id, idx), nil)
	}
	if err := sched.main.ForEach(func(k, _ []byte) error { return add(ClassMarketing, k) }); err != nil {
		return n, err
	}
	err := sched.prio.ForEach(func(k, _ []byte) error {
		if len(k) == 0 || k[0] >= NumClasses {
			return nil
		}
		return add(Class(k[0]), k[1:])
	})
	return n, err
}

// byDest is the per-destination walk of class c (see above): from where
// the last walk stopped, each domain with due mail and room gives up to
// its room, until the claim's limit, MaxDests domains, or the walk came
// round to where it started.
func (cr *claimRun) byDest(c Class) error {
	cur := cr.sched.dest.Cursor()
	lo := []byte{byte(c)}
	start := cr.s.destNext[c]
	if start == nil {
		start = lo
	}
	k, _ := cur.Seek(start)
	wrapped := false
	var entries []schedEntry
	for visits := 0; visits < cr.o.MaxDests && cr.claimed < cr.o.Limit; {
		if k == nil || k[0] != byte(c) {
			if wrapped || bytes.Equal(start, lo) {
				break
			}
			wrapped = true
			k, _ = cur.Seek(lo)
			continue
		}
		first, ok := parseDestKey(k)
		if !ok { // not a key this code writes: step over it
			k, _ = cur.Next()
			continue
		}
		prefix := destPrefix(c, first.dom)
		if wrapped && bytes.Compare(prefix, start) >= 0 {
			break // came round
		}
		visits++
		next := pastPrefix(prefix)
		cr.s.destNext[c] = next
		if room := cr.o.room(first.dom, c, cr.taken); first.due <= cr.nowNano && room > 0 {
			entries = scanDest(cur, entries[:0], prefix, cr.nowNano, min(room, cr.o.Limit-cr.claimed))
			before := cr.claimed
			for _, e := range entries {
				if err := cr.visit(e, c); err != nil {
					return err
				}
			}
			cr.st.ByDest += cr.claimed - before
		}
		k, _ = cur.Seek(next) // repositioned: visit wrote to the bucket
	}
	return nil
}

// scanDest appends to out up to n due entries of one destination (key
// prefix), in due order, from its first.
func scanDest(cur *bolt.Cursor, out []schedEntry, prefix []byte, now int64, n int) []schedEntry {
	for k, _ := cur.Seek(prefix); k != nil && len(out) < n && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		e, ok := parseDestKey(k)
		if !ok || len(e.dom) != int(prefix[1]) {
			continue
		}
		if e.due > now {
			break
		}
		out = append(out, e)
	}
	return out
}
