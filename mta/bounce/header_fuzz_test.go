package bounce

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// FuzzParseHeader: any input parses without a panic within the caps, the
// body is a suffix of the input, and below the caps the result is the one
// of the plain (quadratic) reference parser, so the linear one changed no
// verdict. Seeded with many folded lines.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte("Subject: a\r\n b\r\n\tc\r\n\r\nbody"))
	f.Add([]byte("From x@y Mon\nTo: a\n \n  \nX: \n b\n\nbody"))
	f.Add([]byte(" leading\r\nSubject: x\r\n"))
	f.Add([]byte("X-Pad: a\r\n" + strings.Repeat(" b\r\n", 5000) + "Subject: s\r\n\r\nhi"))
	f.Add([]byte("A: 1\n" + strings.Repeat("\t\n", 3000) + "B: 2\nnot a field\nC: 3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, body := parseHeader(data)
		if len(h) > maxFields || !bytes.HasSuffix(data, body) {
			t.Fatalf("%d fields, body %q not a suffix", len(h), body)
		}
		kept := 0
		for _, fl := range h {
			if len(fl.value) > maxFieldValue {
				t.Fatalf("value of %d bytes", len(fl.value))
			}
			kept += len(fl.value)
		}
		if kept > maxHeaderBytes+maxFieldValue {
			t.Fatalf("kept %d bytes", kept)
		}
		if len(data) < maxFieldValue {
			rh, rbody := referenceParseHeader(data)
			if !slices.Equal(h, rh) || !bytes.Equal(body, rbody) {
				t.Fatalf("parseHeader(%q) = %q, %q; reference %q, %q", data, h, body, rh, rbody)
			}
		}
	})
}

// referenceParseHeader is the parser before the caps: plain string
// concatenation, quadratic in a field's folded lines, used only on small
// inputs.
func referenceParseHeader(b []byte) (header, []byte) {
	var h header
	rest := b
	if bytes.HasPrefix(rest, []byte("From ")) {
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[i+1:]
		}
	}
	for len(rest) > 0 && len(h) < maxFields {
		i := bytes.IndexByte(rest, '\n')
		var line []byte
		next := rest[len(rest):]
		if i < 0 {
			line = rest
		} else {
			line, next = rest[:i], rest[i+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return h, next
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) == 0 {
				return h, rest
			}
			v := strings.TrimSpace(string(line))
			if last := &h[len(h)-1]; last.value == "" {
				last.value = v
			} else {
				last.value += "\n" + v
			}
			rest = next
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isFieldName(line[:colon]) {
			return h, rest
		}
		h = append(h, field{
			name:  strings.ToLower(string(bytes.TrimSpace(line[:colon]))),
			value: strings.TrimSpace(string(line[colon+1:])),
		})
		rest = next
	}
	return h, rest
}
