package dkim

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"regexp"
	"testing"
)

// naiveRelaxedBody is RFC 6376 §3.4.4 written as plainly as possible, the
// reference relaxedBodyHash is checked against. Line ends follow "Line
// ends" in canon.go: bare LF is a line end, and a CR ending the body is the
// start of one.
func naiveRelaxedBody(body []byte) []byte {
	if bytes.HasSuffix(body, []byte("\r")) {
		body = append(append([]byte(nil), body...), '\n')
	}
	b := regexp.MustCompile(`\r?\n`).ReplaceAll(body, []byte("\n")) // one line end form
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // after the last line end
	}
	wsp := regexp.MustCompile(`[ \t]+`)
	for i, l := range lines {
		l = wsp.ReplaceAll(l, []byte(" "))
		lines[i] = bytes.TrimRight(l, " ")
	}
	for len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	var out []byte
	for _, l := range lines {
		out = append(append(out, l...), '\r', '\n')
	}
	return out
}

func TestRelaxedBody(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, want string }{
		// RFC 6376 §3.4.5.
		{" C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n"},
		{"", ""},
		{"\r\n", ""},
		{"\r\n\r\n \t \r\n", ""},
		{"x", "x\r\n"},
		{"x\r", "x\r\n"},
		{"x \t", "x\r\n"},
		{"a\rb\r\n", "a\rb\r\n"},
		{"a \rb\r\n", "a \rb\r\n"},
		{"a\r\r\n", "a\r\r\n"},
		{"a\nb\n", "a\r\nb\r\n"},
		{"\r\n\r\na\r\n", "\r\n\r\na\r\n"},
		{"a\r\n \r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n"},
		{"a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n"},
		{"a\r\n\n\r\nb", "a\r\n\r\n\r\nb\r\n"},
		{"\ta\t\tb  c \r\n", " a b c\r\n"},
		{"abc\r\ndef\r\n\r\n", "abc\r\ndef\r\n"},
	}
	for _, tt := range tests {
		if got := naiveRelaxedBody([]byte(tt.body)); string(got) != tt.want {
			t.Errorf("naive(%q) = %q, want %q", tt.body, got, tt.want)
		}
		if got, want := relaxedBodyHash([]byte(tt.body), nil), sha256.Sum256([]byte(tt.want)); got != want {
			t.Errorf("relaxedBodyHash(%q) differs from the hash of %q", tt.body, tt.want)
		}
	}
}

func TestRelaxedHeader(t *testing.T) {
	t.Parallel()
	// RFC 6376 §3.4.5, plus folding, case and empty values.
	msg := "A: X\r\nB : Y\t\r\n\tZ  \r\nSUBJECT:\r\n  \r\nX-Lone:a\rb\r\nX-LF:a\n b\nEnd: x\r"
	want := "a:X\r\nb:Y Z\r\nsubject:\r\nx-lone:a\rb\r\nx-lf:a b\r\nend:x\r\n"
	hdr, body, err := splitMessage([]byte(msg), nil)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		t.Errorf("body = %q, want none", body)
	}
	var got []byte
	for _, f := range hdr {
		got = appendRelaxedHeader(got, f)
	}
	if string(got) != want {
		t.Errorf("canonical header\n got %q\nwant %q", got, want)
	}
}

func TestSplitMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg    string
		fields []string // names
		body   string
		err    error
	}{
		{"A: 1\r\nB: 2\r\n\r\nbody\r\n", []string{"A", "B"}, "body\r\n", nil},
		{"A: 1\r\n b\r\n\r\n", []string{"A"}, "", nil},
		{"A: 1\n\nbody", []string{"A"}, "body", nil},
		{"A: 1\r\n\r", []string{"A"}, "", nil},
		{"A: 1", []string{"A"}, "", nil},
		{"A : 1\r\n\r\n", []string{"A"}, "", nil},
		{"", nil, "", nil},
		{"\r\nbody", nil, "body", nil},
		{" A: 1\r\n\r\n", nil, "", ErrMalformedHeader},
		{"A 1\r\n\r\n", nil, "", ErrMalformedHeader},
		{" \t: 1\r\n\r\n", nil, "", ErrMalformedHeader},
		{"A: 1\r\n\rB: 2\r\n\r\n", nil, "", ErrMalformedHeader},
	}
	for _, tt := range tests {
		hdr, body, err := splitMessage([]byte(tt.msg), nil)
		if !errors.Is(err, tt.err) {
			t.Errorf("%q: err = %v, want %v", tt.msg, err, tt.err)
			continue
		}
		var names []string
		for _, f := range hdr {
			names = append(names, string(f.name))
		}
		if len(names) != len(tt.fields) || string(body) != tt.body {
			t.Errorf("%q: fields %q body %q, want %q %q", tt.msg, names, body, tt.fields, tt.body)
			continue
		}
		for i := range names {
			if names[i] != tt.fields[i] {
				t.Errorf("%q: fields %q, want %q", tt.msg, names, tt.fields)
			}
		}
	}
}
