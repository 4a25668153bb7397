package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// State is where one recipient stands.
type State uint8

// Recipient states. Queued and Deferred are waiting in the schedule index;
// InFlight has an attempt running (and its retry already booked); Delivered
// and Failed are final.
const (
	Queued State = iota + 1
	InFlight
	Deferred
	Delivered
	Failed
)

var stateNames = [...]string{Queued: "queued", InFlight: "in_flight", Deferred: "deferred", Delivered: "delivered", Failed: "failed"}

// String returns the state's name as used in metrics labels and the admin API.
func (s State) String() string {
	if int(s) < len(stateNames) && stateNames[s] != "" {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Stream says which kind of mail a message is: a marketing unsubscribe never
// blocks transactional mail.
type Stream uint8

// The streams. Marketing is the default.
const (
	Marketing Stream = iota
	Transactional
)

// String returns "marketing" or "transactional".
func (s Stream) String() string {
	if s == Transactional {
		return "transactional"
	}
	return "marketing"
}

// ParseStream parses the X-Sluice-Stream header value (case-insensitive).
func ParseStream(s string) (Stream, bool) {
	switch {
	case equalFold(s, "marketing"):
		return Marketing, true
	case equalFold(s, "transactional"):
		return Transactional, true
	}
	return Marketing, false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

// Message flags.
const (
	// FlagEightBit: the body has 8-bit content (BODY=8BITMIME outbound).
	FlagEightBit uint8 = 1 << iota
	// FlagSMTPUTF8: the envelope or headers need SMTPUTF8 (RFC 6531).
	FlagSMTPUTF8
	// FlagTLSReport: the message is a TLS report (RFC 8460 §5.3), sent
	// without the receiver's TLS policy (mta/delivery's FlagTLSReport
	// says how). Only the node's own TLS reporter sets it; submission
	// builds a message's flags from the envelope and never from bits a
	// tenant sends.
	FlagTLSReport
)

// meta is a message's stored metadata: everything but the body.
type meta struct {
	Created time.Time
	Tenant  string
	From    string
	Stream  Stream
	Flags   uint8
	Rcpts   uint32 // recipients in all
	Pending uint32 // recipients not yet final; the message goes when it is 0
	Size    uint32 // body bytes
	Pool    string // egress pool ("" = the default pool)
	// Priority within the stream (absent in records written before
	// priorities: normal).
	Priority Priority
}

// rcpt is one recipient's stored record.
type rcpt struct {
	Addr      string
	State     State
	Attempts  uint32
	Next      int64 // unix nanoseconds of the schedule entry; 0 when final
	LastCode  uint16
	LastReply string
	Updated   int64
	// Cls is the recipient's scheduling class plus one: which part of the
	// schedule index its entry is in (priority.go). 0, in records written
	// before priorities, means the default class's part ("sched"), which
	// is where every such record's entry is.
	Cls uint8
}

const recVersion = 1

var errCorrupt = errors.New("queue: corrupt record")

func putString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errCorrupt
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) string() string {
	n := r.uvarint()
	if r.err != nil || uint64(len(r.b)) < n {
		r.err = errCorrupt
		return ""
	}
	s := string(r.b[:n]) // copies: bbolt's bytes die with the transaction
	r.b = r.b[n:]
	return s
}

func (m *meta) encode() []byte {
	b := make([]byte, 0, 32+len(m.Tenant)+len(m.From))
	b = append(b, recVersion)
	b = binary.AppendVarint(b, m.Created.UnixNano())
	b = putString(b, m.Tenant)
	b = putString(b, m.From)
	b = append(b, byte(m.Stream), m.Flags)
	b = binary.AppendUvarint(b, uint64(m.Rcpts))
	b = binary.AppendUvarint(b, uint64(m.Pending))
	b = binary.AppendUvarint(b, uint64(m.Size))
	b = putString(b, m.Pool)
	if m.Priority != PriorityNormal {
		b = append(b, byte(m.Priority))
	}
	return b
}

func decodeMeta(b []byte) (meta, error) {
	r := reader{b: b}
	var m meta
	if r.byte() != recVersion {
		return m, errCorrupt
	}
	m.Created = time.Unix(0, r.varint())
	m.Tenant = r.string()
	m.From = r.string()
	m.Stream = Stream(r.byte())
	m.Flags = r.byte()
	m.Rcpts = uint32(r.uvarint())
	m.Pending = uint32(r.uvarint())
	m.Size = uint32(r.uvarint())
	if len(r.b) > 0 { // absent in records written before pools existed
		m.Pool = r.string()
	}
	if len(r.b) > 0 { // absent in records written before priorities
		m.Priority = Priority(r.byte())
	}
	return m, r.err
}

func (c *rcpt) encode() []byte {
	b := make([]byte, 0, 40+len(c.Addr)+len(c.LastReply))
	b = append(b, recVersion, byte(c.State))
	b = binary.AppendUvarint(b, uint64(c.Attempts))
	b = binary.AppendVarint(b, c.Next)
	b = binary.AppendUvarint(b, uint64(c.LastCode))
	b = binary.AppendVarint(b, c.Updated)
	b = putString(b, c.Addr)
	b = putString(b, c.LastReply)
	if c.Cls != 0 {
		b = append(b, c.Cls)
	}
	return b
}

func decodeRcpt(b []byte) (rcpt, error) {
	r := reader{b: b}
	var c rcpt
	if r.byte() != recVersion {
		return c, errCorrupt
	}
	c.State = State(r.byte())
	c.Attempts = uint32(r.uvarint())
	c.Next = r.varint()
	c.LastCode = uint16(r.uvarint())
	c.Updated = r.varint()
	c.Addr = r.string()
	c.LastReply = r.string()
	if len(r.b) > 0 { // absent in records written before priorities
		c.Cls = r.byte()
	}
	return c, r.err
}

func binaryAppendTime(b []byte, t time.Time) []byte { return binary.AppendVarint(b, t.UnixNano()) }

func bytesToUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
