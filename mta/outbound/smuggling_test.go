package outbound

import (
	"bytes"
	"testing"
)

// smuggled is a second transaction hidden in a message: a receiver that
// ends data where it should not reads it as commands, and stores a
// message with an envelope and From of the smuggler's choosing.
const smuggled = "MAIL FROM:<boss@other.example>{}RCPT TO:<victim@rcpt.test>{}DATA{}From: boss@other.example{}{}pwned{}"

// smugglingCases are spool contents with every line-end trick that ends
// data early at some receiver. Submission never stores them; writeData
// must be safe whatever the spool holds.
var smugglingCases = []struct{ name, msg string }{
	{"bare CR", "From: a@sender.test\r\n\r\nhello\r.\r" + eol(smuggled, "\r") + ".\r"},
	{"bare LF", "From: a@sender.test\r\n\r\nhello\n.\n" + eol(smuggled, "\n") + ".\n"},
	{"CR dot CRLF", "From: a@sender.test\r\n\r\nhello\r.\r\n" + eol(smuggled, "\r\n") + ".\r\n"},
	{"CR dot LF", "From: a@sender.test\r\n\r\nhello\r.\n" + eol(smuggled, "\r\n")},
	{"LF dot CRLF", "From: a@sender.test\r\n\r\nhello\n.\r\n" + eol(smuggled, "\r\n")},
	{"CRLF dot CR at end", "From: a@sender.test\r\n\r\nhello\r\n.\r"},
	{"mixed", "From: a@sender.test\r\n\r\nhello\r.\n" + eol(smuggled, "\n") + "\n.\r\n" + eol(smuggled, "\r") + "\r\n.\r"},
	{"dot first", ".\r" + eol(smuggled, "\r\n")},
}

func eol(s, sep string) string { return string(bytes.ReplaceAll([]byte(s), []byte("{}"), []byte(sep))) }

// TestSmugglingReceivers sends each smuggling payload to the most lenient
// receiver there is: it ends data on a "." alone between any two line
// breaks (CR or LF, RFC 5321 §4.1.1.4's "<CRLF>.<CRLF>" and every
// misreading of it: "\n.\n", "\r.\r\n", "\n.\r\n", "\r.\n" …). It must
// see exactly one message, holding the payload's text (line ends made
// CRLF), and no command between the end of data and QUIT.
func TestSmugglingReceivers(t *testing.T) {
	t.Parallel()
	for _, tc := range smugglingCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan []byte, 1)
			conn := startPeer(t, func(p *peer) {
				p.greet("PIPELINING")
				p.expect("MAIL FROM:<a@sender.test>")
				p.expect("RCPT TO:<b@rcpt.test>")
				p.expect("DATA")
				p.send("250 ok", "250 ok", "354 go on")
				got <- p.lenientData()
				p.send("250 ok")
				for {
					l := p.line()
					if l == "QUIT" {
						p.send("221 bye")
						return
					}
					p.t.Errorf("receiver read %q as a command after the end of data: smuggled", l)
				}
			})
			c := handshake(t, conn, Options{})
			res, err := c.Send(testCtx(t), oneRcpt, []byte(tc.msg))
			wantDelivered(t, res, err)
			if err := c.Quit(testCtx(t)); err != nil {
				t.Fatalf("Quit: %v", err)
			}
			if data, want := <-got, normalize([]byte(tc.msg)); !bytes.Equal(data, want) {
				t.Errorf("receiver got %q, want %q", data, want)
			}
		})
	}
}

// lenientData reads message data as the most lenient receiver would: a
// line starts after CR or LF, a "." followed by CR or LF at a line start
// ends the data, another leading "." is dropped (dot-unstuffing). Line
// ends are kept as they came, so the caller sees any bare ones.
func (p *peer) lenientData() []byte {
	var data []byte
	lineStart := true
	for {
		c, err := p.r.ReadByte()
		if err != nil {
			p.t.Errorf("peer read data: %v (after %q)", err, data)
			return data
		}
		if c == '.' && lineStart {
			next, err := p.r.Peek(1)
			if err != nil {
				p.t.Errorf("peer read data: %v", err)
				return data
			}
			if next[0] == '\r' || next[0] == '\n' {
				b, _ := p.r.ReadByte()
				if b == '\r' {
					if n, err := p.r.Peek(1); err == nil && n[0] == '\n' {
						p.r.ReadByte()
					}
				}
				return data
			}
			lineStart = false
			continue // the stuffed dot
		}
		lineStart = c == '\r' || c == '\n'
		data = append(data, c)
	}
}
