package outbound

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"250 ok\r\n", "250-a\r\n250 b\r\n", "220-\r\n220\r\n", "abc\r\n", "25", "550 5.1.1 x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := bufio.NewReaderSize(strings.NewReader(in), readBufferSize)
		var rep reply
		for {
			if err := readReply(r, &rep); err != nil {
				return
			}
			if rep.code < 200 || rep.code > 599 || rep.lines() == 0 || rep.lines() > maxReplyLines || len(rep.text) > maxReplyBytes+maxReplyLines {
				t.Fatalf("readReply(%q) = %d with %d lines", in, rep.code, rep.lines())
			}
			for i := range rep.lines() {
				if !strings.Contains(in, string(rep.line(i))) {
					t.Fatalf("line %d = %q not from the input", i, rep.line(i))
				}
			}
			// Whatever the text, building the error must hold together.
			e := ReplyError("RCPT", rep.code, rep.String())
			if e.Permanent != (rep.code >= 500) {
				t.Fatalf("code %d classified permanent=%v", rep.code, e.Permanent)
			}
			_ = e.Error()
		}
	})
}

var enhancedRE = regexp.MustCompile(`^[245]\.[0-9]{1,3}\.[0-9]{1,3}$`)

func FuzzEnhancedCode(f *testing.F) {
	for _, s := range []string{"5.1.1 x", "4.7.650", "5..1", "2.0.0\tok", "5.1.1234"} {
		f.Add(550, s)
	}
	f.Fuzz(func(t *testing.T, code int, text string) {
		got := enhancedCode(code, text)
		if got == "" {
			return
		}
		if !enhancedRE.MatchString(got) || !strings.HasPrefix(text, got) {
			t.Fatalf("enhancedCode(%d, %q) = %q", code, text, got)
		}
		if rest := text[len(got):]; rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			t.Fatalf("enhancedCode(%d, %q) = %q, glued to %q", code, text, got, rest)
		}
	})
}

// FuzzWriteData checks that whatever the message, the data ends exactly
// once, at its end, and that undoing the dot-stuffing gives back the
// message with its line ends made CRLF.
func FuzzWriteData(f *testing.F) {
	for _, s := range []string{"", "a\r\n", ".\r\n", "a\n.\nb", "\r\n.\r\n", "x\r", "..\r\n.", "a\r.\r\nb", "\r\r\n\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		var b bytes.Buffer
		w := bufio.NewWriterSize(&b, 16)
		writeData(w, msg)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		out := b.Bytes()
		if !bytes.HasSuffix(out, []byte("\r\n.\r\n")) && !bytes.Equal(out, []byte(".\r\n")) {
			t.Fatalf("writeData(%q) = %q: no end of data", msg, out)
		}
		body := bytes.TrimSuffix(out, []byte(".\r\n"))
		if bytes.HasPrefix(body, []byte(".\r\n")) || bytes.Contains(body, []byte("\r\n.\r\n")) {
			t.Fatalf("writeData(%q) = %q: early end of data", msg, out)
		}
		for i, c := range body {
			if c == '\n' && (i == 0 || body[i-1] != '\r') {
				t.Fatalf("writeData(%q) = %q: bare LF at %d", msg, out, i)
			}
			if c == '\r' && (i == len(body)-1 || body[i+1] != '\n') {
				t.Fatalf("writeData(%q) = %q: bare CR at %d", msg, out, i)
			}
		}
		// Undo the stuffing as a receiver does (RFC 5321 §4.5.2).
		var got []byte
		for line := range bytes.Lines(body) {
			got = append(got, bytes.TrimPrefix(line, []byte("."))...)
		}
		want := normalize(msg)
		if !bytes.Equal(got, want) {
			t.Fatalf("writeData(%q) unstuffed to %q, want %q", msg, got, want)
		}
		if int64(len(want)) < messageSize(msg) {
			t.Fatalf("messageSize(%q) = %d, more than the %d bytes sent", msg, messageSize(msg), len(want))
		}
	})
}

// normalize is the reference for what writeData delivers: every bare LF
// and bare CR made CRLF, and a CRLF after a last line without one.
func normalize(msg []byte) []byte {
	var out []byte
	for i, c := range msg {
		switch {
		case c == '\n' && (i == 0 || msg[i-1] != '\r'):
			out = append(out, '\r', '\n')
		case c == '\r' && (i == len(msg)-1 || msg[i+1] != '\n'):
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\r', '\n')
	}
	return out
}
