package queue

import (
	"bytes"
	"errors"
	"hash/maphash"
	"math/bits"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// The suppression filter: a Bloom filter over every key ever written to
// the suppression bucket, so that the common answer to Suppressed — no —
// costs a few hashed bit tests instead of a bbolt read transaction (two
// per recipient: at RCPT and again before delivery; 5–7 % of sluice's CPU
// per message in bench/sitting.sh's profiles). A key in the filter may
// not be in the bucket (a false positive, ~1 % at the sized load, or a
// suppression lifted since): those fall through to bbolt as before. A key
// in the bucket is always in the filter: every write to the bucket goes
// through putSupp, which adds the key first; the filter is filled from
// the bucket at Open; and it is consulted only once that fill is complete
// and the spool's keys are canonical (no older forms to probe). Lifted
// suppressions stay in the filter until the next start.

// suppFilterK is the number of bit probes per key; with suppFilterBits
// bits per key the false-positive rate is about 1 %.
const (
	suppFilterK    = 7
	suppFilterBits = 10
	// suppFilterMin is the smallest number of keys a filter is sized for
	// (1.25 MB); a filter is sized for 1.5 times the keys it starts with,
	// and replaced by a larger one once they outgrow that.
	suppFilterMin = 1 << 20
	// suppFilterSyncMax is the number of keys Open reads into the filter
	// itself; past it the filter is filled in the background, lookups
	// using bbolt meanwhile.
	suppFilterSyncMax = 200_000
)

// suppFilter is the Bloom filter. Its bits are set atomically: writers
// add while lookups read.
type suppFilter struct {
	bits []atomic.Uint64
	n    uint64 // number of bits
	seed maphash.Seed
	// capacity is the number of keys it is sized for; keys counts those
	// found when it was built and written since (putSupp): past capacity
	// the Store builds a larger one (growSuppFilter).
	capacity int64
	keys     atomic.Int64
}

// newSuppFilter returns a filter sized for 1.5 times keys, at least
// minKeys.
func newSuppFilter(keys, minKeys int) *suppFilter {
	c := max(keys+keys/2, minKeys)
	words := (c*suppFilterBits + 63) / 64
	f := &suppFilter{bits: make([]atomic.Uint64, words), n: uint64(words) * 64, seed: maphash.MakeSeed(), capacity: int64(c)}
	f.keys.Store(int64(keys))
	return f
}

// probes calls fn with the k bit positions of key (double hashing).
func (f *suppFilter) probes(key []byte, fn func(bit uint64) bool) {
	h := maphash.Bytes(f.seed, key)
	h2 := h>>32 | h<<32 | 1
	for i := 0; i < suppFilterK; i++ {
		pos, _ := bits.Mul64(h, f.n) // h mapped onto [0, n)
		if !fn(pos) {
			return
		}
		h += h2
	}
}

func (f *suppFilter) add(key []byte) {
	f.probes(key, func(b uint64) bool {
		f.bits[b/64].Or(1 << (b % 64))
		return true
	})
}

// has reports whether key may have been added (false: it never was).
func (f *suppFilter) has(key []byte) bool {
	in := true
	f.probes(key, func(b uint64) bool {
		in = f.bits[b/64].Load()&(1<<(b%64)) != 0
		return in
	})
	return in
}

// suppFilterState is the Store's filter and whether it may be consulted.
type suppFilterState struct {
	f     atomic.Pointer[suppFilter] // set before the fill starts: writers add from then on
	next  atomic.Pointer[suppFilter] // a larger one being filled (growSuppFilter), or nil
	ready atomic.Bool                // the fill from the bucket is complete
	canon atomic.Bool                // the keys are canonical (keySuppNorm is suppNormPlain), committed
	grow  chan struct{}              // putSupp asks the keeper for a larger filter
	min   int                        // smallest capacity (suppFilterMin; tests set less)
}

// putSupp writes a suppression-bucket entry: the only way the bucket is
// written. The key goes into the filter first (before the commit: a
// rolled-back write only leaves a false positive), and into the one being
// grown, if any: next is read before f, and the keeper publishes the new f
// before clearing next, so a write that misses next adds to the new f.
func (s *Store) putSupp(tx *bolt.Tx, b *bolt.Bucket, k, v []byte) error {
	if n := s.suppF.next.Load(); n != nil {
		n.add(k)
		n.keys.Add(1)
	}
	if f := s.suppF.f.Load(); f != nil {
		f.add(k)
		f.keys.Add(1)
		s.askGrow(f)
	}
	if bytes.Equal(k, keySuppNorm) && bytes.Equal(v, suppNormPlain) {
		tx.OnCommit(func() { s.suppF.canon.Store(true) })
	}
	return b.Put(k, v)
}

// notSuppressed reports whether the filter proves that tenant's addr has
// no suppression (by address or, with hashed suppressions about, by
// hash); false means "ask bbolt".
func (s *Store) notSuppressed(tenant, addr string) bool {
	if !s.suppF.ready.Load() || !s.suppF.canon.Load() {
		return false
	}
	f := s.suppF.f.Load()
	if f.has(suppKey(tenant, addr)) {
		return false
	}
	if s.hashedAny.Load() {
		if hk := s.hashedKey(tenant, addr); hk != nil && f.has(hk) {
			return false
		}
	}
	return true
}

// fillSuppFilter fills the filter from the suppression bucket at Open. Up
// to suppFilterSyncMax keys (syncMax in tests) it does so before any
// writer runs; past that it counts the keys, sizes the filter, and fills
// it in the background: the filter is published first, then every write
// transaction begun before that is waited out (an empty bbolt update
// takes the writer lock after them), then the bucket is read — so a key
// is either written after the publication (and added by putSupp) or
// committed before the read (and read).
func (s *Store) fillSuppFilter(syncMax int) error {
	var keys [][]byte
	small := true
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSupp).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(keys) == syncMax {
				small = false
				return nil
			}
			keys = append(keys, bytes.Clone(k))
		}
		s.noteSuppCanon(tx)
		return nil
	})
	if err != nil {
		return err
	}
	s.suppF.grow = make(chan struct{}, 1)
	if small {
		f := newSuppFilter(len(keys), s.suppF.min)
		for _, k := range keys {
			f.add(k)
		}
		s.suppF.f.Store(f)
		s.suppF.ready.Store(true)
	}
	s.bg.Add(1)
	go s.keepSuppFilter(!small)
	return nil
}

// keepSuppFilter fills the filter in the background when Open did not
// (fill), then builds a larger one whenever putSupp says the keys
// outgrew it, until Close.
func (s *Store) keepSuppFilter(fill bool) {
	defer s.bg.Done()
	if fill {
		if err := s.fillSuppFilterLarge(); err != nil {
			if !errors.Is(err, ErrClosed) {
				s.log.Warn("queue: suppression filter not built: every lookup reads the spool", "err", err)
			}
			return
		}
	}
	for {
		select {
		case <-s.suppF.grow:
			if err := s.growSuppFilter(); err != nil {
				if !errors.Is(err, ErrClosed) {
					s.log.Warn("queue: suppression filter not grown: more lookups read the spool", "err", err)
				}
				return
			}
		case <-s.stopBg:
			return
		}
	}
}

// fillSuppFilterLarge is fillSuppFilter's background half.
func (s *Store) fillSuppFilterLarge() error {
	n, err := s.eachSuppKey(func([]byte) {}, false)
	if err != nil {
		return err
	}
	f := newSuppFilter(n, s.suppF.min)
	f.keys.Store(0) // counted below: writes from now on, plus the keys read
	s.suppF.f.Store(f)
	read, err := s.fillFrom(f)
	if err != nil {
		return err
	}
	f.keys.Add(int64(read))
	s.suppF.ready.Store(true)
	s.askGrow(f)
	return nil
}

// askGrow asks the keeper for a larger filter if f's keys outgrew it.
func (s *Store) askGrow(f *suppFilter) {
	if f.keys.Load() > f.capacity {
		select {
		case s.suppF.grow <- struct{}{}:
		default:
		}
	}
}

// growSuppFilter replaces the filter by one sized for today's keys. The
// new one collects writes (putSupp adds to both) before it is filled from
// the bucket, as at Open; the old one answers meanwhile.
func (s *Store) growSuppFilter() error {
	old := s.suppF.f.Load()
	if old == nil || old.keys.Load() <= old.capacity {
		return nil
	}
	n := newSuppFilter(int(old.keys.Load()), s.suppF.min)
	// Its count: the writes from its publication on (putSupp), plus the
	// keys read; the writes in between are counted twice, which only
	// makes the next growth come a little early.
	n.keys.Store(0)
	s.suppF.next.Store(n)
	read, err := s.fillFrom(n)
	if err != nil {
		s.suppF.next.Store(nil)
		return err
	}
	n.keys.Add(int64(read))
	s.suppF.f.Store(n) // before next is cleared: see putSupp
	s.suppF.next.Store(nil)
	s.askGrow(n)
	return nil
}

// fillFrom adds every key of the suppression bucket to f, which writers
// already add to: every write transaction begun before that is waited out
// first (an empty bbolt update takes the writer lock after them), so each
// key is either written after (and added by putSupp) or committed before
// the read (and read).
func (s *Store) fillFrom(f *suppFilter) (read int, err error) {
	if err := s.db.Update(func(*bolt.Tx) error { return nil }); err != nil {
		return 0, err
	}
	return s.eachSuppKey(f.add, true)
}

// suppChunk is how many keys eachSuppKey reads per read transaction.
const suppChunk = 65536

// eachSuppKey calls fn with every key of the suppression bucket (the
// slice valid during the call only) and returns how many there were. It
// reads suppChunk keys per read transaction, resuming after the last
// key read: a long read transaction holds bbolt's mmap lock, and a commit
// that must grow the file would wait it out (1–2 s at 10,000,000 keys).
// A key committed between two chunks is one putSupp added to the filter
// being filled, which is all the callers need. canon: note from the last
// chunk whether the keys are canonical. Stops with ErrClosed at Close.
func (s *Store) eachSuppKey(fn func(k []byte), canon bool) (read int, err error) {
	chunk := suppChunk
	if s.opts.suppChunk > 0 {
		chunk = s.opts.suppChunk
	}
	var last []byte
	for done := false; !done; {
		select {
		case <-s.stopBg:
			return read, ErrClosed
		default:
		}
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketSupp).Cursor()
			k, _ := c.First()
			if last != nil {
				if k, _ = c.Seek(last); k != nil && bytes.Equal(k, last) {
					k, _ = c.Next()
				}
			}
			for i := 0; k != nil && i < chunk; k, _ = c.Next() {
				fn(k)
				read++
				i++
				last = append(last[:0], k...)
			}
			if done = k == nil; done && canon {
				s.noteSuppCanon(tx)
			}
			return nil
		})
		if err != nil {
			return read, err
		}
	}
	return read, nil
}

// noteSuppCanon records, from a committed state, that the keys are
// canonical.
func (s *Store) noteSuppCanon(tx *bolt.Tx) {
	if bytes.Equal(tx.Bucket(bucketSupp).Get(keySuppNorm), suppNormPlain) {
		s.suppF.canon.Store(true)
	}
}
