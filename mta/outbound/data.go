package outbound

import (
	"bufio"
	"bytes"
)

// writeData writes msg as SMTP message data, terminated: every line end
// becomes CRLF, lines beginning with "." get a second one (RFC 5321
// §4.5.2), a message not ending in a line end gets CRLF, and ".\r\n" ends
// the data (§4.1.1.4).
//
// A line end is CRLF, a bare LF or a bare CR. Bare ones are invalid on the
// wire (§2.3.8), and they are how SMTP smuggling works: a receiver that
// ends data on "\n.\n", "\r.\r\n" or "\n.\r\n" would see an end of data
// where we wrote none, and read what follows as new commands (a second
// message with an envelope of the sender's choosing). Submission already
// stores only CRLF; this is the defence for anything else in the spool
// (messages queued by older versions, future paths, tracking rewrites):
// whatever msg holds, the receiver sees one line structure, the one every
// reading agrees on, and exactly one end of data.
//
// Everything else is copied in runs as long as possible, with no
// allocation; the writer's error is reported by its Flush.
func writeData(w *bufio.Writer, msg []byte) {
	run := 0 // start of the bytes not yet written, copied as they are
	nl := -1 // index of the next LF at or after pos; len(msg) for none
	for pos := 0; pos < len(msg); {
		if msg[pos] == '.' {
			w.Write(msg[run:pos])
			w.WriteByte('.')
			run = pos
		}
		if nl < pos {
			nl = len(msg)
			if i := bytes.IndexByte(msg[pos:], '\n'); i >= 0 {
				nl = pos + i
			}
		}
		// The line ends at its first CR or at nl. A CR right before the
		// LF is the CRLF pair; any other CR is bare and ends the line by
		// itself. nl is remembered across bare CRs, so a line of many is
		// still one scan.
		if cr := bytes.IndexByte(msg[pos:nl], '\r'); cr >= 0 && pos+cr != nl-1 || cr >= 0 && nl == len(msg) {
			eol := pos + cr
			w.Write(msg[run:eol])
			w.WriteString("\r\n")
			run, pos = eol+1, eol+1
			continue
		}
		if nl == len(msg) {
			break
		}
		if nl == 0 || msg[nl-1] != '\r' { // bare LF
			w.Write(msg[run:nl])
			w.WriteString("\r\n")
			run = nl + 1
		}
		pos = nl + 1
	}
	w.Write(msg[run:])
	if n := len(msg); n > 0 && msg[n-1] != '\n' && msg[n-1] != '\r' {
		w.WriteString("\r\n")
	}
	w.WriteString(".\r\n")
}

// messageSize is the size of msg as RFC 1870 counts it for SIZE=:
// octets with CRLF line ends, without dot-stuffing or the final dot, and
// with the CRLF writeData appends to a last line without one. Bare CRs
// and LFs inside are not counted (that would take a scan; they cannot be
// in what submission stores), so it may be a little less than what
// writeData sends, never more.
func messageSize(msg []byte) int64 {
	n := int64(len(msg))
	switch {
	case len(msg) == 0:
	case msg[len(msg)-1] == '\r':
		n++ // the bare CR becomes CRLF
	case msg[len(msg)-1] != '\n':
		n += 2
	}
	return n
}
