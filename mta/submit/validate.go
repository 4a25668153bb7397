package submit

import (
	"bytes"
	"errors"
	"fmt"
	"sluice/mta/reencode"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
)

// refusal is a reply that refuses a command or a message, with the fixed
// reason name it is counted under (Metrics.Rejected).
type refusal struct {
	reason string
	reply  *smtp.SMTPError
}

// refuse counts r and returns its reply.
func (b *Backend) refuse(r *refusal) *smtp.SMTPError {
	b.reject(r.reason)
	return r.reply
}

// Content refusals (RFC 3463 5.6.0: other or undefined media error). The
// texts say what is wrong and never echo the offending bytes.
var (
	refuseNUL = &refusal{"nul_byte", &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "Message contains a NUL character (RFC 5322 section 2.3)"}}
	refuseHeaderBytes = &refusal{"bad_header_bytes", &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "Header contains 8-bit bytes that are not UTF-8 (RFC 6532); encode them as RFC 2047 words"}}
)

// Refusals of messages whose long lines cannot be made to conform
// (mta/reencode).
var (
	refuseLongHeader = &refusal{"long_header", &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "Header line over 998 octets with no whitespace to fold at (RFC 5322 section 2.2.3)"}}
	refuseLongLine = &refusal{"long_line", &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "Line over 998 octets in a part that cannot be re-encoded"}}
)

// conform makes a CRLF message's lines fit RFC 5322 §2.1.1's 998 octets
// by re-encoding only the MIME parts that have longer ones (quoted-
// printable or base64) and folding long header lines: what the recipient
// sees is unchanged, which hard-wrapping would not give. Clean input is
// returned as is, without copying.
func conform(msg []byte) ([]byte, bool, *refusal) {
	out, changed, err := reencode.Conform(msg, reencode.MaxLine)
	switch {
	case err == nil:
		return out, changed, nil
	case errors.Is(err, reencode.ErrUnfoldableHeader):
		return nil, false, refuseLongHeader
	default:
		return nil, false, refuseLongLine
	}
}

// checkContent validates a message whose line ends are already CRLF
// (normalizeCRLF), header being its header section:
//
//   - no NUL anywhere: RFC 5322 §2.3 forbids it in a message and RFC 5321
//     §4.5.2 on the wire; receivers truncate at it, so what a filter or a
//     signer saw would differ from what a reader sees;
//   - header bytes of 0x80 and over only as valid UTF-8 (RFC 6532 §3.2; no
//     overlong forms, no surrogates: utf8.Valid refuses both). Raw Latin-1
//     or other legacy 8-bit header bytes are refused rather than passed on:
//     no standard says how to read them, so each receiver (and the DKIM
//     verifier, and the From policy) reads them its own way, which is the
//     ground parser-differential tricks stand on. Applications that need
//     other charsets have RFC 2047 encoded words. The body's 8-bit bytes
//     are its MIME parts' business and pass unchanged.
//
// Both are single SIMD or word-at-a-time passes that allocate nothing.
func checkContent(msg, header []byte) *refusal {
	if bytes.IndexByte(msg, 0) >= 0 {
		return refuseNUL
	}
	if !utf8.Valid(header) {
		return refuseHeaderBytes
	}
	return nil
}

// Address problems, as checkAddressBytes reports them; each names a
// fixed reply text.
const (
	addrOK = iota
	addrNotUTF8
	addrControl
	addrNeedsUTF8
)

// checkAddressBytes checks the bytes of an envelope address (MAIL or
// RCPT): valid UTF-8 (RFC 6531 §3.3 allows nothing else; utf8.ValidString
// refuses overlong forms and surrogates), no control characters (C0, DEL,
// C1: RFC 5321 §4.1.2 allows none in a Mailbox), and non-ASCII only when
// the client declared SMTPUTF8 on MAIL (RFC 6531 §3.4).
func checkAddressBytes(a string, smtputf8 bool) int {
	if !utf8.ValidString(a) {
		return addrNotUTF8
	}
	ascii := true
	for _, r := range a {
		switch {
		case r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0:
			return addrControl
		case r >= 0x80:
			ascii = false
		}
	}
	if !ascii && !smtputf8 {
		return addrNeedsUTF8
	}
	return addrOK
}

// Envelope address refusals, by problem: 553 5.1.7 for MAIL (bad sender
// mailbox syntax) and 501 5.1.3 for RCPT (bad destination syntax), RFC
// 3463; a non-ASCII address without SMTPUTF8 is 553 5.6.7 on either (RFC
// 6531 §3.6.4: "address requires SMTPUTF8").
var (
	refuseSender = [...]*refusal{
		addrNotUTF8: {"bad_sender_syntax", &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 7},
			Message: "Sender address is not valid UTF-8"}},
		addrControl: {"bad_sender_syntax", &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 7},
			Message: "Sender address contains a control character"}},
		addrNeedsUTF8: {"needs_smtputf8", &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 6, 7},
			Message: "Non-ASCII sender address requires MAIL FROM with SMTPUTF8"}},
	}
	refuseRcpt = [...]*refusal{
		addrNotUTF8: {"bad_address", &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3},
			Message: "Recipient address is not valid UTF-8"}},
		addrControl: {"bad_address", &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3},
			Message: "Recipient address contains a control character"}},
		addrNeedsUTF8: {"needs_smtputf8", &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 6, 7},
			Message: "Non-ASCII recipient address requires MAIL FROM with SMTPUTF8"}},
	}
)

// lineTooLong counts and answers a line over Config.MaxLineLength: RFC
// 5321 §4.5.3.1.10 names 500 for a line too long, and the text names the
// limit so the tenant can tell what to fix.
func (b *Backend) lineTooLong() *smtp.SMTPError {
	b.reject("line_too_long")
	return &smtp.SMTPError{Code: 500, EnhancedCode: smtp.EnhancedCode{5, 5, 2},
		Message: fmt.Sprintf("Line too long: lines are limited to %d octets", b.maxLine())}
}

// lineOver reports whether data has a line longer than max octets, its
// line end included (a line ends at LF, as go-smtp counts them). One
// IndexByte per line; nothing allocated.
func lineOver(data []byte, max int) bool {
	for len(data) > 0 {
		w := data
		if len(w) > max {
			w = w[:max]
		}
		i := bytes.IndexByte(w, '\n')
		if i < 0 {
			return len(data) > max
		}
		data = data[i+1:]
	}
	return false
}
