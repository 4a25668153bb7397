package outbound

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxReplyLines bounds a multi-line reply so a hostile server cannot make
// the client buffer without end. EHLO replies, the longest legitimate ones,
// run to a few dozen lines.
const maxReplyLines = 256

// readBufferSize is the size of the reply reader's buffer, and so the
// longest reply line accepted: eight times the 512 octets RFC 5321
// §4.5.3.1.5 guarantees, as some servers write long texts.
const readBufferSize = 4096

// reply is one server reply. lines holds each line's text after the code and
// separator; the slice is reused by the next read, so callers copy what they
// keep (text() allocates only for multi-line replies).
type reply struct {
	code  int
	lines []string
}

// text joins the reply's lines with one space, as [Error.Line] wants them.
func (r reply) text() string {
	if len(r.lines) == 1 {
		return r.lines[0]
	}
	return strings.Join(r.lines, " ")
}

// readReply reads one possibly multi-line reply. RFC 5321 §4.2: every line
// is a three-digit code, then "-" on all lines but the last, which has a
// space or nothing; §4.2.1 lets the client trust the last line's code.
// lines is scratch storage reused across calls.
func readReply(r *bufio.Reader, lines []string) (reply, error) {
	rep := reply{lines: lines[:0]}
	for {
		raw, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			return rep, fmt.Errorf("%w: reply line longer than %d bytes", ErrProtocol, readBufferSize)
		case errors.Is(err, io.EOF):
			return rep, io.ErrUnexpectedEOF
		case err != nil:
			return rep, err
		}
		line := raw[:len(raw)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		code, last, err := parseReplyLine(line)
		if err != nil {
			return rep, err
		}
		if len(rep.lines) == maxReplyLines {
			return rep, fmt.Errorf("%w: reply longer than %d lines", ErrProtocol, maxReplyLines)
		}
		var text string
		if len(line) > 4 {
			text = string(line[4:])
		}
		rep.lines = append(rep.lines, text)
		if last {
			rep.code = code
			return rep, nil
		}
	}
}

// parseReplyLine checks one reply line (without its line ending) and
// returns its code and whether it is the last line of the reply. Codes run
// from 200 to 599: RFC 5321 §4.2.1 defines no 1yz replies for SMTP.
func parseReplyLine(line []byte) (code int, last bool, err error) {
	if len(line) < 3 {
		return 0, false, fmt.Errorf("%w: short reply line %q", ErrProtocol, line)
	}
	for _, c := range line[:3] {
		if c < '0' || c > '9' {
			return 0, false, fmt.Errorf("%w: reply line %.40q does not start with a code", ErrProtocol, line)
		}
	}
	code = int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	if code < 200 || code > 599 {
		return 0, false, fmt.Errorf("%w: reply code %d out of range", ErrProtocol, code)
	}
	if len(line) == 3 {
		return code, true, nil
	}
	switch line[3] {
	case ' ':
		return code, true, nil
	case '-':
		return code, false, nil
	}
	return 0, false, fmt.Errorf("%w: reply line %.40q has no separator after its code", ErrProtocol, line)
}
