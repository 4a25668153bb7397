package reencode

import (
	"errors"
	"fmt"
)

// The reasons a message cannot be made to conform; every *Error wraps one.
var (
	// ErrUnfoldableHeader: a header line over the limit has no whitespace
	// where it could be folded (RFC 5322 §2.2.3 folds only there).
	ErrUnfoldableHeader = errors.New("reencode: header line over the limit with no whitespace to fold at")
	// ErrUnencodable: an over-long line sits where no encoding may be
	// applied (a multipart without a boundary, message/partial, an unknown
	// transfer encoding, a boundary line itself).
	ErrUnencodable = errors.New("reencode: over-long line that cannot be re-encoded")
	// ErrTooDeep: the MIME tree nests deeper than maxDepth.
	ErrTooDeep = errors.New("reencode: MIME parts nested too deeply")
	// ErrLimit: the line limit given is below MinLine.
	ErrLimit = errors.New("reencode: line limit too small")
)

// Error says which part of a message could not be made to conform, and why.
type Error struct {
	// Part is the part's number as IMAP writes it (RFC 3501 §6.4.5:
	// "2.1" is the first part of the second), empty for the message's own
	// header and body.
	Part string
	// What names the offending element ("header field Subject",
	// "multipart/mixed without a boundary").
	What string
	// Err is one of the sentinel errors above.
	Err error
}

func (e *Error) Error() string {
	where := "message"
	if e.Part != "" {
		where = "part " + e.Part
	}
	return fmt.Sprintf("%v: %s: %s", e.Err, where, e.What)
}

func (e *Error) Unwrap() error { return e.Err }
