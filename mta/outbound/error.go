package outbound

import (
	"errors"
	"strconv"
	"strings"

	"sluice/mta/mx"
)

// Sentinel errors carried in [Error.Err]. An Error whose Err is nil is a
// reply the server sent; one with Err set was produced on this side (the
// network failed, the server broke the protocol, or a local check refused the
// message before it was sent), and its Code and Enhanced, if any, were
// synthesised here. A bounce report can use that to tell the two apart.
var (
	// ErrProtocol reports a reply that is not SMTP: a malformed or overlong
	// line, or plaintext data injected after the STARTTLS reply.
	ErrProtocol = errors.New("outbound: protocol violation by server")
	// ErrUnusable is returned by a Client whose connection failed earlier.
	ErrUnusable = errors.New("outbound: connection no longer usable")
	// ErrNoRecipients is returned by Send for an envelope without recipients.
	ErrNoRecipients = errors.New("outbound: envelope has no recipients")
	// ErrBadAddress marks a sender or recipient address that cannot be put
	// on an SMTP command line, even re-quoted (controls, invalid UTF-8, a
	// domain with a space, '<', '>' or other bytes no domain has:
	// wireAddress).
	ErrBadAddress = errors.New("outbound: address cannot be sent")
	// ErrSizeExceeded marks a message larger than the server's advertised
	// SIZE limit, refused before it was sent (RFC 1870).
	ErrSizeExceeded = errors.New("outbound: message exceeds the server's SIZE limit")
	// ErrNeedSMTPUTF8 marks a message that needs SMTPUTF8 (RFC 6531) going
	// to a server that does not offer it.
	ErrNeedSMTPUTF8 = errors.New("outbound: server does not support SMTPUTF8")
)

// Error is the one error type of sluice's delivery path: connecting,
// greeting, each SMTP command, and the local checks around them all report
// through it, so the engine, the bounce generator and the submission server
// classify failures the same way.
type Error struct {
	// Permanent is true when retrying cannot help: a 5xx reply, or a local
	// check that the same message would fail again. It is set only by
	// [ReplyError] and the package's own constructors, from the reply code.
	Permanent bool
	// Code is the three-digit reply code, 0 for network and protocol errors.
	Code int
	// Enhanced is the RFC 3463 status code ("5.1.1") found at the start of
	// the reply text, or "" when there is none.
	Enhanced string
	// Command is the protocol step that failed: "connect" (set by the
	// dialler), "greeting", "EHLO", "HELO", "STARTTLS", "RSET", "MAIL",
	// "RCPT", "DATA", "QUIT", or "connection" when the ctx ended just after
	// a step completed.
	Command string
	// Line is the reply text without the reply code, the lines of a
	// multi-line reply joined with one space. For local checks it describes
	// the refusal; for network errors it is empty.
	Line string
	// Err is the underlying cause when the error did not come from a server
	// reply (see the sentinel errors); nil for server replies.
	Err error
}

// Error formats the error as "smtp CMD: 550 5.1.1 text" for replies and
// local refusals, or "smtp CMD: cause" for network errors.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("smtp ")
	b.WriteString(e.Command)
	b.WriteString(": ")
	switch {
	case e.Code != 0:
		b.WriteString(strconv.Itoa(e.Code))
		if e.Line != "" {
			b.WriteByte(' ')
			b.WriteString(e.Line)
		}
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns the underlying cause, so errors.Is sees network errors,
// context errors and the package's sentinels.
func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a permanent delivery failure: the one
// place where sluice decides between bouncing and retrying (the delivery
// engine asks it and nothing else). The rule, for every kind of error a
// delivery attempt meets:
//
//   - A server's reply ([ReplyError]): 5xx is permanent, 4xx temporary
//     (RFC 5321 §4.2.1), whatever the command.
//   - A local refusal (an [*Error] with Err set and a synthesised code:
//     [ErrSizeExceeded], [ErrNeedSMTPUTF8], [ErrBadAddress]) classifies
//     like the reply it stands for: the same message would fail again. So
//     does any [*Error] its maker marked Permanent (the delivery engine's
//     malformed static route).
//   - A DNS answer, as mta/mx reports it and wherever it is wrapped (the
//     domain's MX lookup, or an MX host's address lookup wrapped in a
//     "connect" [*Error]): NXDOMAIN ([mx.ErrNoSuchDomain], RFC 1035 §4.1.1,
//     RFC 8020), a null MX ([mx.ErrNullMX], RFC 7505 §3), a name with
//     neither MX nor address ([mx.ErrNoAddress], RFC 5321 §5.1) and a name
//     that cannot be queried ([mx.ErrInvalidDomain]) are permanent;
//     SERVFAIL, REFUSED, a bad answer, a CNAME loop, no name server and
//     timeouts are temporary ([mx.IsPermanent] tells its own errors apart).
//   - A dial error (refused, unreachable, reset), a timeout
//     (os.ErrDeadlineExceeded, context.DeadlineExceeded), cancellation, a
//     failed TLS handshake or certificate check, a protocol violation
//     ([ErrProtocol]) and a broken connection ([ErrUnusable]) are
//     temporary: the next attempt may reach another host, or the same one
//     mended.
//   - Anything else, including nil and errors of unknown origin, is
//     temporary: retrying a temporary failure costs a little, while
//     bouncing a deliverable message loses it.
func IsPermanent(err error) bool {
	var e *Error
	if errors.As(err, &e) && e.Permanent {
		return true
	}
	return mx.IsPermanent(err)
}

// ReplyError builds the Error for reply code and text received in answer to
// cmd. It parses the enhanced status code from the start of text (RFC 2034
// §4, RFC 3463 §2) and classifies the reply: 5xx is permanent, everything
// else temporary (RFC 5321 §4.2.1). The delivery engine and the submission
// server reuse it so a reply is read the same way everywhere.
func ReplyError(cmd string, code int, text string) *Error {
	return &Error{
		Permanent: permanentCode(code),
		Code:      code,
		Enhanced:  enhancedCode(code, text),
		Command:   cmd,
		Line:      text,
	}
}

// permanentCode is the classification rule itself: RFC 5321 §4.2.1, a 5yz
// reply is a permanent negative completion.
func permanentCode(code int) bool { return code >= 500 && code <= 599 }

// localError builds the Error of a local refusal: a synthesised reply (so it
// classifies like the server's own refusal would) with cause err.
func localError(cmd string, code int, text string, err error) *Error {
	e := ReplyError(cmd, code, text)
	e.Err = err
	return e
}

// netError builds the Error of a failure without a reply: always temporary.
func netError(cmd string, err error) *Error {
	return &Error{Command: cmd, Err: err}
}

// enhancedCode returns the RFC 3463 status code at the start of text, or "".
// RFC 3463 §2: status-code = class "." subject "." detail, class one of 2, 4
// and 5, subject and detail one to three digits. RFC 2034 §4 puts it first in
// the reply text. A code whose class contradicts the reply code's first
// digit is not trusted.
func enhancedCode(code int, text string) string {
	if len(text) < 5 {
		return ""
	}
	class := text[0]
	if class != '2' && class != '4' && class != '5' || text[1] != '.' {
		return ""
	}
	if code != 0 && int(class-'0') != code/100 {
		return ""
	}
	i := 2
	for part := range 2 {
		n := 0
		for i < len(text) && text[i] >= '0' && text[i] <= '9' {
			i++
			n++
		}
		if n < 1 || n > 3 {
			return ""
		}
		if part == 0 {
			if i >= len(text) || text[i] != '.' {
				return ""
			}
			i++
		}
	}
	if i < len(text) && text[i] != ' ' && text[i] != '\t' {
		return ""
	}
	return text[:i]
}
