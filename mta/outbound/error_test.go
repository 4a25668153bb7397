package outbound

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestReplyError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code      int
		text      string
		enhanced  string
		permanent bool
		str       string
	}{
		{550, "5.1.1 no such user", "5.1.1", true, "smtp RCPT: 550 5.1.1 no such user"},
		{451, "4.7.650 rate limited", "4.7.650", false, "smtp RCPT: 451 4.7.650 rate limited"},
		{421, "4.7.0", "4.7.0", false, "smtp RCPT: 421 4.7.0"},
		{554, "5.7.1\tpolicy", "5.7.1", true, "smtp RCPT: 554 5.7.1\tpolicy"},
		{550, "4.1.1 class differs from the code", "", true, "smtp RCPT: 550 4.1.1 class differs from the code"},
		{550, "5.1234.1 subject too long", "", true, ""},
		{550, "5.1.1234 detail too long", "", true, ""},
		{550, "5.1.1x glued", "", true, ""},
		{550, "5..1 empty subject", "", true, ""},
		{550, "3.1.1 bad class", "", true, ""},
		{550, "no such user", "", true, "smtp RCPT: 550 no such user"},
		{550, "", "", true, "smtp RCPT: 550"},
		{452, "4.5.3 too many recipients", "4.5.3", false, ""},
		{250, "2.1.5 ok", "2.1.5", false, ""},
		{599, "", "", true, ""},
		{600, "", "", false, ""},
	} {
		t.Run(fmt.Sprint(tc.code, " ", tc.text), func(t *testing.T) {
			t.Parallel()
			e := ReplyError("RCPT", tc.code, tc.text)
			if e.Code != tc.code || e.Line != tc.text || e.Command != "RCPT" || e.Err != nil {
				t.Errorf("ReplyError = %+v", e)
			}
			if e.Enhanced != tc.enhanced {
				t.Errorf("Enhanced = %q, want %q", e.Enhanced, tc.enhanced)
			}
			if e.Permanent != tc.permanent || IsPermanent(e) != tc.permanent {
				t.Errorf("permanent = %v, want %v", e.Permanent, tc.permanent)
			}
			if tc.str != "" && e.Error() != tc.str {
				t.Errorf("Error() = %q, want %q", e.Error(), tc.str)
			}
		})
	}
}

func TestIsPermanent(t *testing.T) {
	t.Parallel()
	perm := ReplyError("MAIL", 550, "5.7.1 no")
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"5xx", perm, true},
		{"wrapped 5xx", fmt.Errorf("deliver: %w", perm), true},
		{"4xx", ReplyError("MAIL", 451, "4.3.0 later"), false},
		{"network", netError("DATA", io.ErrUnexpectedEOF), false},
		{"timeout", netError("DATA", os.ErrDeadlineExceeded), false},
		{"plain error", errors.New("something"), false},
		{"context", context.DeadlineExceeded, false},
		{"local size", localError("MAIL", 552, "5.3.4 too big", ErrSizeExceeded), true},
	} {
		if got := IsPermanent(tc.err); got != tc.want {
			t.Errorf("%s: IsPermanent = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	e := netError("DATA", io.ErrUnexpectedEOF)
	if got := e.Error(); got != "smtp DATA: unexpected EOF" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(e, io.ErrUnexpectedEOF) {
		t.Error("Unwrap lost the cause")
	}
	if got := (&Error{Command: "connect"}).Error(); got != "smtp connect: unknown error" {
		t.Errorf("Error() = %q", got)
	}
	l := localError("MAIL", 552, "5.3.4 too big", ErrSizeExceeded)
	if got := l.Error(); got != "smtp MAIL: 552 5.3.4 too big" || !errors.Is(l, ErrSizeExceeded) {
		t.Errorf("local error %q", got)
	}
}

func TestReadReply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		in    string
		code  int
		lines []string
		err   error
	}{
		{"single", "250 ok\r\n", 250, []string{"ok"}, nil},
		{"bare code", "250\r\n", 250, []string{""}, nil},
		{"bare LF", "250 ok\n", 250, []string{"ok"}, nil},
		{"multi", "250-a\r\n250-b\r\n250 c\r\n", 250, []string{"a", "b", "c"}, nil},
		{"last code wins", "250-a\r\n251 b\r\n", 251, []string{"a", "b"}, nil},
		{"bare code continuation", "220-\r\n220 x\r\n", 220, []string{"", "x"}, nil},
		{"no separator", "250ok\r\n", 0, nil, ErrProtocol},
		{"letters", "abc def\r\n", 0, nil, ErrProtocol},
		{"short", "25\r\n", 0, nil, ErrProtocol},
		{"1yz", "100 continue\r\n", 0, nil, ErrProtocol},
		{"6yz", "600 what\r\n", 0, nil, ErrProtocol},
		{"cut", "250-a\r\n", 0, nil, io.ErrUnexpectedEOF},
		{"no line end", "250 ok", 0, nil, io.ErrUnexpectedEOF},
		{"empty", "", 0, nil, io.ErrUnexpectedEOF},
		{"long line", "250 " + strings.Repeat("x", readBufferSize) + "\r\n", 0, nil, ErrProtocol},
		{"too many bytes", strings.Repeat("250-"+strings.Repeat("x", 1000)+"\r\n", 70) + "250 x\r\n", 0, nil, ErrProtocol},
		{"too many lines", strings.Repeat("250-x\r\n", maxReplyLines) + "250 x\r\n", 0, nil, ErrProtocol},
		{"most lines", strings.Repeat("250-x\r\n", maxReplyLines-1) + "250 x\r\n", 250, slices.Repeat([]string{"x"}, maxReplyLines), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rep reply
			err := readReply(bufio.NewReaderSize(strings.NewReader(tc.in), readBufferSize), &rep)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Errorf("err = %v, want %v", err, tc.err)
				}
				return
			}
			var lines []string
			for i := range rep.lines() {
				lines = append(lines, string(rep.line(i)))
			}
			if err != nil || rep.code != tc.code || !slices.Equal(lines, tc.lines) || rep.String() != strings.Join(tc.lines, " ") {
				t.Errorf("readReply = %d %q %v, want %d %q", rep.code, lines, err, tc.code, tc.lines)
			}
		})
	}
}

func TestWriteData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", ".\r\n"},
		{"a\r\n", "a\r\n.\r\n"},
		{"a", "a\r\n.\r\n"},
		{".", "..\r\n.\r\n"},
		{".\r\n", "..\r\n.\r\n"},
		{"a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
		{"..x\r\n", "...x\r\n.\r\n"},
		{"a.\r\nb .\r\n", "a.\r\nb .\r\n.\r\n"},
		{"a\nb\n", "a\r\nb\r\n.\r\n"},
		{"\n.\n", "\r\n..\r\n.\r\n"},
		{"a\r\n\n.", "a\r\n\r\n..\r\n.\r\n"},
		// Bare CRs end lines too (SMTP smuggling: TestSmugglingReceivers).
		{"a\r", "a\r\n.\r\n"},
		{"a\r\n.\rb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
		{"a\r.\r\nb", "a\r\n..\r\nb\r\n.\r\n"},
		{"a\r.\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
		{"a\n.\r\n", "a\r\n..\r\n.\r\n"},
		{"a\r\n.\r", "a\r\n..\r\n.\r\n"},
		{"\r\r\n\n\r", "\r\n\r\n\r\n\r\n.\r\n"},
		{"x\r\r\r.y", "x\r\n\r\n\r\n..y\r\n.\r\n"},
	} {
		var b bytes.Buffer
		w := bufio.NewWriterSize(&b, 16)
		writeData(w, []byte(tc.in))
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("writeData(%q) = %q, want %q", tc.in, b.String(), tc.want)
		}
	}
}

func TestMessageSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
	}{{"", 0}, {"a\r\n", 3}, {"a", 3}, {"a\n", 2}} {
		if got := messageSize([]byte(tc.in)); got != tc.want {
			t.Errorf("messageSize(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestHelloNameChecked(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "a b", "a\r\nMAIL FROM:<x>"} {
		conn := startPeer(t, func(p *peer) { p.drain() })
		_, err := Handshake(testCtx(t), conn, "peer.test", Options{HelloName: name})
		if e := asError(t, err); e.Command != "EHLO" {
			t.Errorf("HelloName %q: %v", name, err)
		}
		// Handshake closed the connection.
		if _, err := conn.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("HelloName %q: connection not closed: %v", name, err)
		}
	}
}
