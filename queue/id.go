package queue

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"time"
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

// NodeBits is the width of the node part of the ids a fleet node mints:
// their low bits are its node number (1 to MaxNode, allocated once by the
// fleet, see fleet.Client.NodeNumber), so two nodes can never mint the
// same id. A single node has number 0 and no node part: its ids are what
// they always were. 7 bits: 127 nodes.
const NodeBits = 7

// MaxNode is the largest node number.
const MaxNode = 1<<NodeBits - 1

// Node returns the low NodeBits of id: the number of the node that minted
// it when it was minted in fleet mode. An id minted by a single node (or
// before the node joined a fleet) has arbitrary low bits, so this is a
// hint for routing, to be confirmed by a lookup, never proof.
func (id ID) Node() int { return int(id & MaxNode) }

// IDGen mints the ids of one spool. An id is the clock in microseconds,
// or the previous id plus one when that is larger (so ids stay close to
// the acceptance time and strictly increase); a fleet node then takes the
// next value whose low NodeBits are its number. Its ids are thus still
// microseconds (within 2^NodeBits µs), still monotonic, and disjoint
// from every other node's. The cost: a fleet node mints at most
// 10^6 / 2^NodeBits ≈ 7 800 ids per second before its ids run ahead of
// the clock (they catch up when the load drops).
type IDGen struct {
	last atomic.Uint64
	node uint64
}

// NewIDGen returns a generator for node (0: a single node) whose ids are
// all above floor (the spool's persisted high-water mark).
func NewIDGen(floor uint64, node int) (*IDGen, error) {
	if node < 0 || node > MaxNode {
		return nil, fmt.Errorf("queue: node number %d out of range 0..%d", node, MaxNode)
	}
	g := &IDGen{node: uint64(node)}
	g.last.Store(floor)
	return g, nil
}

// Next mints an id at now.
func (g *IDGen) Next(now time.Time) ID {
	us := uint64(max(0, now.UnixMicro()))
	for {
		last := g.last.Load()
		next := max(last+1, us)
		if g.node != 0 {
			// The least value ≥ next with the node's low bits.
			next += (g.node - next) & MaxNode
		}
		if g.last.CompareAndSwap(last, next) {
			return ID(next)
		}
	}
}

// Last returns the last id minted (or the floor): the high-water mark to
// persist.
func (g *IDGen) Last() uint64 { return g.last.Load() }
