// Package binrec reads and writes the small binary records the tracking
// stores keep in bbolt (tracking/events, tracking/webhook): varints and
// length-prefixed strings, decoded without panics from whatever bytes a
// damaged file holds.
//
// The spool (queue) has its own reader: it reports errors rather than a
// flag and lives outside tracking, which cannot share an internal package
// with it.
package binrec

import "encoding/binary"

// AppendString appends s as a uvarint length and its bytes.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Reader reads a record. A short or malformed record sets Bad and yields
// zero values from then on; callers check Bad (and that B is empty) once,
// at the end.
type Reader struct {
	B   []byte // what is left to read
	Bad bool
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.B) < 1 {
		r.Bad = true
		return 0
	}
	c := r.B[0]
	r.B = r.B[1:]
	return c
}

// Varint reads a signed varint (encoding/binary's).
func (r *Reader) Varint() int64 {
	v, n := binary.Varint(r.B)
	if n <= 0 {
		r.Bad = true
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.B)
	if n <= 0 {
		r.Bad = true
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Str reads a string written by AppendString.
func (r *Reader) Str() string {
	n := r.Uvarint()
	if r.Bad || n > uint64(len(r.B)) {
		r.Bad = true
		return ""
	}
	s := string(r.B[:n])
	r.B = r.B[n:]
	return s
}
