package webhook

import (
	"encoding/binary"
	"errors"
	"time"

	"sluice/tracking/events"
	"sluice/tracking/internal/binrec"
)

// An outbox value holds the entries one events transaction queued for one
// tenant (at most maxPerValue), so that queueing costs one bbolt Put per
// tenant and batch rather than one per event:
//
//	version (1) | count (4, BE) | queued (8, BE, ns) | count × (length (uvarint) | record)
//
// and a record is
//
//	time (varint, ns) | flags (1) | message (uvarint) | rcpt (uvarint) | link (uvarint) |
//	kind | campaign | reason | proxy | ip | ua class
//	[ | code (uvarint) | attempt (uvarint) | enhanced | reply | class | mx ]
//	[ | tls bits (1) | tls version (uvarint) | cipher (uvarint) | tls policy | tls result ]
//	[ | rerouted ]
//
// with strings as uvarint length and bytes. The tenant is the queue's
// name; the raw user agent is not sent. The first bracketed part, the
// outcome of a deferred or failed event (version 2), is there exactly
// when flags has flagOutcome; the second, the TLS part of a delivery
// outcome (version 3, tls.go), exactly when flags has flagTLS; the third,
// why a delivery outcome's mail moved to another source (version 4,
// rerouted.go), exactly when flags has flagRerouted. Values of versions 1
// to 3, queued before those parts existed, have no such record and are
// still sent. An erased entry (see
// Outbox.EraseRecipients) is an empty record: it keeps its index, so the
// ids of the entries after it do not change, and is never sent.
const (
	valueVersion   = 4
	valueVersionV1 = 1
	headerLen      = 1 + 4 + 8
	maxPerValue    = 1 << 16 // an entry's index in its value fits in 2 bytes
)

const (
	flagMachine  = 1 << 0
	flagOutcome  = 1 << 1 // the record has the outcome part
	flagTLS      = 1 << 2 // the record has the TLS part
	flagRerouted = 1 << 3 // the record ends with the rerouted part
)

var errCorrupt = errors.New("webhook: corrupt outbox value")

// newValue starts a value queued at queued (ns), with room for n records.
func newValue(queued int64, n int) []byte {
	b := make([]byte, headerLen, headerLen+n*entrySizeHint)
	b[0] = valueVersion
	binary.BigEndian.PutUint64(b[5:], uint64(queued))
	return b
}

// setCount writes the number of records of value b.
func setCount(b []byte, n int) { binary.BigEndian.PutUint32(b[1:5], uint32(n)) }

// appendRecord appends ev's record, length-prefixed, to value b. scratch
// is reused between calls and returned.
func appendRecord(b, scratch []byte, ev *events.Event) (out, newScratch []byte) {
	var flags byte
	if ev.Machine {
		flags |= flagMachine
	}
	withOutcome := hasOutcome(ev)
	if withOutcome {
		flags |= flagOutcome
	}
	if ev.TLS != (events.TLS{}) {
		flags |= flagTLS
	}
	if ev.Rerouted != "" {
		flags |= flagRerouted
	}
	rec := binary.AppendVarint(scratch[:0], ev.Time.UnixNano())
	rec = append(rec, flags)
	rec = binary.AppendUvarint(rec, ev.Message)
	rec = binary.AppendUvarint(rec, uint64(ev.Rcpt))
	rec = binary.AppendUvarint(rec, uint64(max(ev.Link, 0)))
	rec = binrec.AppendString(rec, string(ev.Kind))
	rec = binrec.AppendString(rec, ev.Campaign)
	rec = binrec.AppendString(rec, ev.Reason)
	rec = binrec.AppendString(rec, ev.Proxy)
	rec = binrec.AppendString(rec, ev.IP)
	rec = binrec.AppendString(rec, ev.UAClass)
	if withOutcome {
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

// header reads a value's record count and queue time, and returns its
// records.
func header(v []byte) (count int, queued time.Time, recs []byte, err error) {
	if len(v) < headerLen || v[0] < valueVersionV1 || v[0] > valueVersion {
		return 0, time.Time{}, nil, errCorrupt
	}
	count = int(binary.BigEndian.Uint32(v[1:5]))
	queued = time.Unix(0, int64(binary.BigEndian.Uint64(v[5:13])))
	return count, queued, v[headerLen:], nil
}

// nextRecord splits the first record off recs. ok is false when the
// framing is broken: the rest of the value is unreadable.
func nextRecord(recs []byte) (rec, rest []byte, ok bool) {
	n, l := binary.Uvarint(recs)
	if l <= 0 || n > uint64(len(recs)-l) {
		return nil, nil, false
	}
	return recs[l : l+int(n)], recs[l+int(n):], true
}

// recordIDs reads the message and recipient ids of a record without
// decoding the rest.
func recordIDs(rec []byte) (events.RecipientID, bool) {
	r := binrec.Reader{B: rec}
	r.Varint()
	r.Byte()
	msg := r.Uvarint()
	rcpt := r.Uvarint()
	return events.RecipientID{Message: msg, Rcpt: uint32(rcpt)}, !r.Bad && rcpt <= 0xFFFFFFFF
}

// decodeRecord parses a record (copying its strings).
func decodeRecord(rec []byte) (events.Event, error) {
	r := binrec.Reader{B: rec}
	var ev events.Event
	ev.Time = time.Unix(0, r.Varint())
	flags := r.Byte()
	ev.Machine = flags&flagMachine != 0
	ev.Message = r.Uvarint()
	ev.Rcpt = uint32(r.Uvarint())
	ev.Link = int(r.Uvarint() & 0xFFFF)
	ev.Kind = events.Kind(r.Str())
	ev.Campaign = r.Str()
	ev.Reason = r.Str()
	ev.Proxy = r.Str()
	ev.IP = r.Str()
	ev.UAClass = r.Str()
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
		return events.Event{}, errCorrupt
	}
	return ev, nil
}

// hasOutcome reports whether ev carries a delivery outcome (see
// events.Event.SetOutcome).
func hasOutcome(ev *events.Event) bool {
	return ev.Code != 0 || ev.Attempt != 0 || ev.Enhanced != "" || ev.Reply != "" || ev.Class != "" || ev.MX != ""
}

// appendOutcome appends the outcome part of ev's record.
func appendOutcome(rec []byte, ev *events.Event) []byte {
	rec = binary.AppendUvarint(rec, uint64(max(ev.Code, 0)))
	rec = binary.AppendUvarint(rec, uint64(ev.Attempt))
	rec = binrec.AppendString(rec, ev.Enhanced)
	rec = binrec.AppendString(rec, ev.Reply)
	rec = binrec.AppendString(rec, ev.Class)
	return binrec.AppendString(rec, ev.MX)
}

// readOutcome reads the outcome part of a record into ev (the events
// store bounded it before it was queued); r.Bad reports a damaged one.
func readOutcome(r *binrec.Reader, ev *events.Event) {
	ev.Code = int(r.Uvarint() & 0x3FF)
	ev.Attempt = uint32(r.Uvarint())
	ev.Enhanced = r.Str()
	ev.Reply = r.Str()
	ev.Class = r.Str()
	ev.MX = r.Str()
}
