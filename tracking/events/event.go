package events

import (
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"sluice/internal/event"
	"sluice/tracking/internal/binrec"
)

// Kind names what happened: the kinds are defined once, in
// sluice/internal/event, and shared with delivery, configs and metrics.
// The store counts the kinds below; any other non-empty kind is stored and
// exported but not counted.
type Kind = event.Kind

// The kinds the store counts (see event.Stored).
const (
	// KindSent is a recipient accepted at submission; its event carries the
	// message's campaign.
	KindSent = event.Sent
	// KindDelivered is a recipient accepted by the receiving MX.
	KindDelivered = event.Delivered
	// KindDeferred is a temporary delivery failure (a retry is booked).
	KindDeferred = event.Deferred
	// KindFailed is a permanent delivery failure or expiry.
	KindFailed = event.Failed
	// KindBounce is an asynchronous bounce (DSN) received after delivery.
	KindBounce = event.Bounce
	// KindComplaint is an abuse report (ARF feedback loop).
	KindComplaint = event.Complaint
	// KindOpen is a fetch of the open pixel.
	KindOpen = event.Open
	// KindClick is a followed tracked link.
	KindClick = event.Click
	// KindUnsubscribe is a one-click or confirmed unsubscribe.
	KindUnsubscribe = event.Unsubscribe
)

// Limits on the strings of an event; longer values are cut.
const (
	// MaxName bounds Tenant and Campaign, in bytes.
	MaxName = 200
	// maxField bounds Reason, Proxy, IP and UAClass.
	maxField = 64
	// MaxUA bounds UA, in bytes.
	MaxUA = 512
)

// Event is one thing that happened to one recipient of one message.
type Event struct {
	// Time is when it happened; the zero time means "when written".
	Time time.Time
	// Kind is what happened.
	Kind Kind
	// Tenant is the sending tenant. Required.
	Tenant string
	// Campaign is the message's campaign. Set it on KindSent events; on others
	// the store fills it in from the KindSent event of the same message.
	Campaign string
	// Message is the spool's message id (acceptance time in µs).
	Message uint64
	// Rcpt is the recipient's index within the message.
	Rcpt uint32
	// Link is the clicked link's index (Click only).
	Link int
	// Machine marks opens and clicks made by software rather than a
	// person: security scanners, prefetching proxies.
	Machine bool
	// Reason says why (machine classification, bounce class, "one_click"…).
	Reason string
	// Proxy names the image proxy that fetched an open: "google", "yahoo",
	// "apple", or empty.
	Proxy string
	// IP is the client's address as configured: truncated ("203.0.113.0/24"),
	// full, or empty.
	IP string
	// UAClass is the user agent reduced to a class ("browser", "apple_proxy",
	// "google_proxy", "yahoo_proxy", "scanner", "unknown").
	UAClass string
	// UA is the raw user agent, empty unless the edge is configured to keep
	// it.
	UA string
	// Anonymous marks a request made with DNT or GPC: it only increments
	// tenant-wide aggregate counters (per kind, human or machine) and is
	// not stored; ids and campaign are ignored.
	Anonymous bool

	// The receiver's answer to a deferred or failed delivery attempt, so
	// that a CRM can tell a dead address (5.1.1) from a policy block
	// (5.7.1); zero on other kinds. SetOutcome fills them (outcome.go).

	// Code is the SMTP reply code (RFC 5321 §4.2), 0 when there was no
	// reply (DNS, network, expiry, suppression).
	Code int
	// Enhanced is the RFC 3463 enhanced status code ("5.1.1"), or empty.
	Enhanced string
	// Reply is the reply text, at most MaxReply bytes of valid UTF-8
	// without control characters.
	Reply string
	// Class is the bounce classifier's class of the reply
	// ("hard_invalid_recipient", "policy_blocked", …; mta/bounce); Reason
	// then holds its finer reason ("user_unknown", …).
	Class string
	// MX is the host that answered, empty if none was reached.
	MX string
	// Attempt is the delivery attempt's number, 1 for the first.
	Attempt uint32

	// TLS is how a delivery attempt's session was secured (delivered,
	// deferred, failed); zero when unknown. SetTLS fills it (tls.go).
	TLS TLS
	// Rerouted says why a delivery outcome's mail left from another
	// egress source than the one first chosen (a warm-up allowance spent,
	// a blocklisting), or why it waits for one; "" when it did not move.
	// At most MaxRerouted bytes of valid UTF-8 without control characters
	// (rerouted.go).
	Rerouted string
}

// RecipientID names one recipient of one message, as the spool's recipient
// directory does.
type RecipientID struct {
	Message uint64 // the spool's message id
	Rcpt    uint32 // the recipient's index in the message
}

// Events are stored by batch: one bbolt value holds every event a write
// transaction committed, so a batch costs one Put however many events it
// has. The value is
//
//	batchVersion (1 byte) | count (uvarint) | count × (length (uvarint) | record)
//
// and a record is
//
//	flags (1) | time (varint, ns since 1970) | message (uvarint) | rcpt (uvarint) |
//	kind | tenant | campaign | link (uvarint) | reason | proxy | ip | ua class | ua
//	[ | code (uvarint) | attempt (uvarint) | enhanced | reply | class | mx ]
//	[ | tls bits (1) | tls version (uvarint) | cipher (uvarint) | tls policy | tls result ]
//	[ | rerouted ]
//
// with strings as uvarint length and bytes. Ids come first so that a scan
// for one recipient skips the rest of other records. The first bracketed
// part, the outcome (version 2), is there exactly when flags has
// flagOutcome: only deferred and failed events pay for it. The second,
// the TLS part (version 3, tls.go), is there exactly when flags has
// flagTLS: delivery outcomes whose session is known. The third, the
// rerouted part (version 4, rerouted.go), is there exactly when flags has
// flagRerouted: outcomes whose mail moved to another source. Version 1, 2
// and 3 batches, written before those parts existed, have no record with
// the newer flags and still decode; a binary that knows an older version
// refuses newer batches whole rather than misreading them.
const (
	batchVersion   = 4
	batchVersionV3 = 3
	batchVersionV2 = 2
	batchVersionV1 = 1
)

const (
	flagMachine  = 1 << 0
	flagOutcome  = 1 << 1 // the record has the outcome part
	flagTLS      = 1 << 2 // the record has the TLS part
	flagRerouted = 1 << 3 // the record ends with the rerouted part
)

var (
	errCorrupt = errors.New("events: corrupt record")
	errStop    = errors.New("events: stop") // Range's fn said stop
)

// clean cuts s to n bytes (at a rune boundary) and removes NULs, which
// separate the parts of counter keys.
func clean(s string, n int) string {
	if len(s) > n {
		i := n
		for i > 0 && s[i]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			i--
		}
		s = s[:i]
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

// normalize bounds the strings of ev.
func (ev *Event) normalize() {
	ev.Tenant = clean(ev.Tenant, MaxName)
	ev.Campaign = clean(ev.Campaign, MaxName)
	ev.Kind = Kind(clean(string(ev.Kind), maxField))
	ev.Reason = clean(ev.Reason, maxField)
	ev.Proxy = clean(ev.Proxy, maxField)
	ev.IP = clean(ev.IP, maxField)
	ev.UAClass = clean(ev.UAClass, maxField)
	ev.UA = clean(ev.UA, MaxUA)
	if ev.Link < 0 || ev.Link > 0xFFFF {
		ev.Link = 0
	}
	ev.normalizeOutcome()
	ev.normalizeTLS()
	ev.normalizeRerouted()
}

// batchKey is the key of a batch in the ev bucket: the time it was written,
// then a sequence number that makes it unique.
func batchKey(t time.Time, seq uint64) []byte {
	k := make([]byte, 16)
	ns := t.UnixNano()
	if ns < 0 {
		ns = 0
	}
	binary.BigEndian.PutUint64(k, uint64(ns))
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

// appendRecord appends ev, length-prefixed, to a batch value. scratch is
// reused between calls; the new scratch is returned too.
func appendRecord(b, scratch []byte, ev *Event) (out, newScratch []byte) {
	var flags byte
	if ev.Machine {
		flags |= flagMachine
	}
	if ev.hasOutcome() {
		flags |= flagOutcome
	}
	if ev.TLS != (TLS{}) {
		flags |= flagTLS
	}
	if ev.Rerouted != "" {
		flags |= flagRerouted
	}
	rec := append(scratch[:0], flags)
	rec = binary.AppendVarint(rec, ev.Time.UnixNano())
	rec = binary.AppendUvarint(rec, ev.Message)
	rec = binary.AppendUvarint(rec, uint64(ev.Rcpt))
	rec = binrec.AppendString(rec, string(ev.Kind))
	rec = binrec.AppendString(rec, ev.Tenant)
	rec = binrec.AppendString(rec, ev.Campaign)
	rec = binary.AppendUvarint(rec, uint64(ev.Link))
	rec = binrec.AppendString(rec, ev.Reason)
	rec = binrec.AppendString(rec, ev.Proxy)
	rec = binrec.AppendString(rec, ev.IP)
	rec = binrec.AppendString(rec, ev.UAClass)
	rec = binrec.AppendString(rec, ev.UA)
	if flags&flagOutcome != 0 {
		rec = appendOutcome(rec, ev)
	}
	if flags&flagTLS != 0 {
		rec = appendTLS(rec, &ev.TLS)
	}
	if flags&flagRerouted != 0 {
		rec = appendRerouted(rec, ev)
	}
	b = binary.AppendUvarint(b, uint64(len(rec)))
	return append(b, rec...), rec
}

// decodeRecord parses one record.
func decodeRecord(rec []byte) (Event, error) {
	var ev Event
	r := binrec.Reader{B: rec}
	flags := r.Byte()
	ev.Machine = flags&flagMachine != 0
	ev.Time = time.Unix(0, r.Varint())
	ev.Message = r.Uvarint()
	ev.Rcpt = uint32(r.Uvarint())
	ev.Kind = Kind(r.Str())
	ev.Tenant = r.Str()
	ev.Campaign = r.Str()
	ev.Link = int(r.Uvarint() & 0xFFFF)
	ev.Reason = r.Str()
	ev.Proxy = r.Str()
	ev.IP = r.Str()
	ev.UAClass = r.Str()
	ev.UA = r.Str()
	if flags&flagOutcome != 0 {
		readOutcome(&r, &ev)
	}
	if flags&flagTLS != 0 {
		readTLS(&r, &ev.TLS)
	}
	if flags&flagRerouted != 0 {
		readRerouted(&r, &ev)
	}
	if r.Bad || len(r.B) != 0 {
		return Event{}, errCorrupt
	}
	return ev, nil
}

// recordIDs reads the message and recipient ids of a record without
// decoding the rest.
func recordIDs(rec []byte) (msg uint64, rcpt uint32, ok bool) {
	r := binrec.Reader{B: rec}
	r.Byte()
	r.Varint()
	msg = r.Uvarint()
	rcpt = uint32(r.Uvarint())
	return msg, rcpt, !r.Bad
}

// batchCount reads the number of events in a batch value.
func batchCount(v []byte) (int, bool) {
	r := binrec.Reader{B: v}
	if !knownBatch(r.Byte()) {
		return 0, false
	}
	n := r.Uvarint()
	return int(n), !r.Bad && n <= uint64(len(v))
}

// eachRecord calls fn with each record of a batch value (a sub-slice of v:
// copy what outlives the transaction).
func eachRecord(v []byte, fn func(rec []byte) error) error {
	r := binrec.Reader{B: v}
	if !knownBatch(r.Byte()) {
		return errCorrupt
	}
	n := r.Uvarint()
	for i := uint64(0); i < n && !r.Bad; i++ {
		l := r.Uvarint()
		if r.Bad || l > uint64(len(r.B)) {
			return errCorrupt
		}
		rec := r.B[:l]
		r.B = r.B[l:]
		if err := fn(rec); err != nil {
			return err
		}
	}
	if r.Bad || len(r.B) != 0 {
		return errCorrupt
	}
	return nil
}

// knownBatch reports whether a batch value of version v can be read.
func knownBatch(v byte) bool { return v >= batchVersionV1 && v <= batchVersion }

// appendIDs appends message and recipient ids, big-endian.
func appendIDs(b []byte, msg uint64, rcpt uint32) []byte {
	b = binary.BigEndian.AppendUint64(b, msg)
	return binary.BigEndian.AppendUint32(b, rcpt)
}
