package queue

import (
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// inboxSizeTTL is how long an InboxBytes answer is reused.
const inboxSizeTTL = time.Second

// inboxSize caches InboxBytes.
type inboxSize struct {
	mu    sync.Mutex
	at    time.Time // monotonic: when bytes was counted
	bytes int64
}

// added counts n bytes just stored in (or, negative, removed from) the
// inbox into the cached count, so that a burst within one TTL is seen at
// once; the count itself, once per TTL, corrects what other paths moved.
func (c *inboxSize) added(n int) {
	c.mu.Lock()
	c.bytes += int64(n)
	c.mu.Unlock()
}

// InboxBytes returns the bytes of the returns waiting in the inbox
// (stored by the inbound MX, not yet processed or forwarded), counted at
// most once per second: the inbound MX refuses new returns over its cap,
// so that strangers sending faster than the worker classifies cannot
// fill the disk the outgoing mail shares. The count walks the bucket's
// entries (a large return's bytes are not read: its length is in the
// leaf), which is cheap while the inbox is what it should be: small.
func (s *Store) InboxBytes() (int64, error) {
	s.inboxSize.mu.Lock()
	defer s.inboxSize.mu.Unlock()
	if !s.inboxSize.at.IsZero() && time.Since(s.inboxSize.at) < inboxSizeTTL {
		return s.inboxSize.bytes, nil
	}
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketInbox).ForEach(func(k, v []byte) error {
			n += int64(len(k) + len(v)) // as added and inboxLen count
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	s.inboxSize.at, s.inboxSize.bytes = time.Now(), n
	return n, nil
}

// inboxLen is what the inbox entry of id counts for in InboxBytes (0 if
// there is none).
func inboxLen(tx *bolt.Tx, id ID) int {
	if v := tx.Bucket(bucketInbox).Get(id.key()); v != nil {
		return len(v) + 8
	}
	return 0
}
