package reencode

import "bytes"

// hasLongLine reports whether b has a line of more than max octets, CRLF
// excluded. Lines end at LF; one CR before the LF is the line end's, any
// other CR is content. It is one IndexByte per line over a window of
// max+2 bytes, so a line never costs more than max+2 bytes of scanning,
// and it allocates nothing.
func hasLongLine(b []byte, max int) bool {
	for len(b) > 0 {
		w := b
		if len(w) > max+2 {
			w = w[:max+2]
		}
		i := bytes.IndexByte(w, '\n')
		if i < 0 {
			// No LF within max+2 octets: at least max+1 before any line
			// end. A last line without LF is measured whole.
			return len(w) == max+2 || len(b) > max
		}
		if i > max && b[i-1] != '\r' {
			return true
		}
		b = b[i+1:]
	}
	return false
}

// lineLen is the length of line (which may end in LF) without its line end.
func lineLen(line []byte) int {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	return n
}

// nextLine splits b after its first LF (or at its end).
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1], b[i+1:]
	}
	return b, nil
}
