package outbound

import (
	"bufio"
	"bytes"
)

// writeData writes msg as SMTP message data, terminated: lines beginning
// with "." get a second one (RFC 5321 §4.5.2), a bare LF becomes CRLF
// (§2.3.8 forbids bare LFs, and a receiver that reads one as a line end
// could otherwise see an end of data where we wrote none: SMTP smuggling),
// a message not ending in CRLF gets one, and ".\r\n" ends the data
// (§4.1.1.4). Everything else is copied in runs as long as possible, with
// no allocation; the writer's error is reported by its Flush.
func writeData(w *bufio.Writer, msg []byte) {
	run := 0 // start of the bytes not yet written, copied as they are
	for pos := 0; pos < len(msg); {
		if msg[pos] == '.' {
			w.Write(msg[run:pos])
			w.WriteByte('.')
			run = pos
		}
		i := bytes.IndexByte(msg[pos:], '\n')
		if i < 0 {
			break
		}
		eol := pos + i
		if eol == 0 || msg[eol-1] != '\r' {
			w.Write(msg[run:eol])
			w.WriteString("\r\n")
			run = eol + 1
		}
		pos = eol + 1
	}
	w.Write(msg[run:])
	if len(msg) > 0 && msg[len(msg)-1] != '\n' {
		w.WriteString("\r\n")
	}
	w.WriteString(".\r\n")
}

// messageSize is the size of msg as RFC 1870 counts it for SIZE=:
// octets with CRLF line ends, without dot-stuffing or the final dot, and
// with the CRLF writeData appends to a last line without one.
func messageSize(msg []byte) int64 {
	n := int64(len(msg))
	if len(msg) > 0 && msg[len(msg)-1] != '\n' {
		n += 2
	}
	return n
}
