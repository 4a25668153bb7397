package outbound

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// maxReplyLines bounds a multi-line reply so a hostile server cannot make
// the client buffer without end. EHLO replies, the longest legitimate ones,
// run to a few dozen lines.
const maxReplyLines = 256

// readBufferSize is the size of the reply reader's buffer, and so the
// longest reply line accepted: eight times the 512 octets RFC 5321
// §4.5.3.1.5 guarantees, as some servers write long texts.
const readBufferSize = 4096

// maxReplyBytes bounds the text of one reply, for the same reason.
const maxReplyBytes = 64 << 10

// reply is one server reply, read into storage that the next read reuses:
// callers copy what they keep, and positive replies cost no allocation.
type reply struct {
	code int
	// text holds the lines' texts (after the code and separator) joined
	// with one space, as [Error.Line] wants them.
	text []byte
	// ends holds the end offset in text of each line.
	ends []int
}

// String returns the reply text as a new string.
func (r *reply) String() string { return string(r.text) }

// lines returns the number of lines.
func (r *reply) lines() int { return len(r.ends) }

// line returns the text of line i, valid until the next read.
func (r *reply) line(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1] + 1
	}
	return r.text[start:r.ends[i]]
}

// readReply reads one possibly multi-line reply into rep. RFC 5321 §4.2:
// every line is a three-digit code, then "-" on all lines but the last,
// which has a space or nothing; §4.2.1 lets the client trust the last
// line's code.
func readReply(r *bufio.Reader, rep *reply) error {
	rep.code, rep.text, rep.ends = 0, rep.text[:0], rep.ends[:0]
	for {
		raw, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			return fmt.Errorf("%w: reply line longer than %d bytes", ErrProtocol, readBufferSize)
		case errors.Is(err, io.EOF):
			return io.ErrUnexpectedEOF
		case err != nil:
			return err
		}
		line := raw[:len(raw)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		code, last, err := parseReplyLine(line)
		if err != nil {
			return err
		}
		if len(rep.ends) == maxReplyLines || len(rep.text)+len(line) > maxReplyBytes {
			return fmt.Errorf("%w: reply longer than %d lines or %d bytes", ErrProtocol, maxReplyLines, maxReplyBytes)
		}
		if len(rep.ends) > 0 {
			rep.text = append(rep.text, ' ')
		}
		if len(line) > 4 {
			rep.text = append(rep.text, line[4:]...)
		}
		rep.ends = append(rep.ends, len(rep.text))
		if last {
			rep.code = code
			return nil
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
