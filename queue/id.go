package queue

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// ID identifies one queued message. IDs grow monotonically (they are
// allocated from a persisted high-water mark and the clock), so bbolt
// appends new messages at the end of their buckets.
type ID uint64

// String formats the id as 16 lowercase hex digits, the form used in SMTP
// replies ("250 2.0.0 queued as 0000018c2f3a4b5c"), logs and headers.
func (id ID) String() string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	return hex.EncodeToString(b[:])
}

// ParseID parses the 16-hex-digit form produced by String.
func ParseID(s string) (ID, error) {
	if len(s) != 16 {
		return 0, fmt.Errorf("queue: bad message id %q: want 16 hex digits", s)
	}
	var b [8]byte
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return 0, fmt.Errorf("queue: bad message id %q: %w", s, err)
	}
	return ID(binary.BigEndian.Uint64(b[:])), nil
}

func (id ID) key() []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	return b[:]
}

// rcptKey is message id then recipient index, big-endian, so a message's
// recipients are adjacent and ordered.
func rcptKey(id ID, idx uint32) []byte {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(id))
	binary.BigEndian.PutUint32(b[8:], idx)
	return b[:]
}

func parseRcptKey(k []byte) (ID, uint32, bool) {
	if len(k) != 12 {
		return 0, 0, false
	}
	return ID(binary.BigEndian.Uint64(k[:8])), binary.BigEndian.Uint32(k[8:]), true
}

// schedKey orders the schedule index by due time (unix nanoseconds), then
// message, then recipient.
func schedKey(due int64, id ID, idx uint32) []byte {
	var b [20]byte
	binary.BigEndian.PutUint64(b[:8], uint64(due))
	binary.BigEndian.PutUint64(b[8:16], uint64(id))
	binary.BigEndian.PutUint32(b[16:], idx)
	return b[:]
}

func parseSchedKey(k []byte) (due int64, id ID, idx uint32, ok bool) {
	if len(k) != 20 {
		return 0, 0, 0, false
	}
	return int64(binary.BigEndian.Uint64(k[:8])), ID(binary.BigEndian.Uint64(k[8:16])), binary.BigEndian.Uint32(k[16:]), true
}
