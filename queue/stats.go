package queue

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// Stats summarises the spool. Queued, InFlight and Deferred are current
// recipient counts; Delivered and Failed count every recipient that ever
// reached that state (the records go when their message is done).
type Stats struct {
	Queued, InFlight, Deferred int64
	Delivered, Failed          int64
	Messages                   int64     // messages still stored
	Oldest                     time.Time // creation time of the oldest stored message (zero if none)
	NextDue                    time.Time // earliest scheduled attempt (zero if none)
}

// Counts returns the recipient counts by state without touching the
// database (cheap enough for a metrics scrape).
func (s *Store) Counts() (queued, inFlight, deferred, delivered, failed int64) {
	c := &s.counts.byState
	return c[Queued].Load(), c[InFlight].Load(), c[Deferred].Load(), c[Delivered].Load(), c[Failed].Load()
}

// Oldest returns the creation time of the oldest stored message. Ids grow
// with time, so it is the first key of the message bucket: one seek.
func (s *Store) Oldest() (time.Time, bool) {
	var t time.Time
	var ok bool
	_ = s.db.View(func(tx *bolt.Tx) error {
		_, v := tx.Bucket(bucketMsg).Cursor().First()
		if v == nil {
			return nil
		}
		if md, err := decodeMeta(v); err == nil {
			t, ok = md.Created, true
		}
		return nil
	})
	return t, ok
}

// Stats returns the summary shown by `sluice ctl queue stats`.
func (s *Store) Stats() Stats {
	var st Stats
	st.Queued, st.InFlight, st.Deferred, st.Delivered, st.Failed = s.Counts()
	st.Oldest, _ = s.Oldest()
	if t, ok := s.NextDue(); ok {
		st.NextDue = t
	}
	st.Messages = s.counts.byState[0].Load()
	return st
}
