package outbound

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/miekg/dns"

	"sluice/mta/mx"
	"sluice/mta/mx/dnstest"
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

// TestIsPermanent: the one rule, over every kind of error a delivery
// attempt meets (see IsPermanent's doc): replies, local refusals, DNS
// answers bare or wrapped as the delivery engine wraps them, dial errors,
// timeouts, TLS, protocol violations, unknown errors.
func TestIsPermanent(t *testing.T) {
	t.Parallel()
	perm := ReplyError("MAIL", 550, "5.7.1 no")
	connect := func(err error) error { return &Error{Command: "connect", Line: "resolve mx.example", Err: err} }
	lookup := func(err error) error { return fmt.Errorf("mx: lookup MX example.test: %w", err) }
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		// SMTP replies: RFC 5321 §4.2.1.
		{"5xx", perm, true},
		{"wrapped 5xx", fmt.Errorf("deliver: %w", perm), true},
		{"5xx greeting", ReplyError("greeting", 554, "5.7.1 go away"), true},
		{"4xx", ReplyError("MAIL", 451, "4.3.0 later"), false},
		{"421 throttle", ReplyError("RCPT", 421, "4.7.0 try again later"), false},
		// Local refusals classify like the reply they stand for.
		{"local size", localError("MAIL", 552, "5.3.4 too big", ErrSizeExceeded), true},
		{"local smtputf8", localError("MAIL", 553, "5.6.7 no SMTPUTF8", ErrNeedSMTPUTF8), true},
		{"marked permanent", &Error{Permanent: true, Command: "connect", Line: "bad route"}, true},
		// DNS answers, from the MX lookup or an MX host's address lookup.
		{"NXDOMAIN", lookup(mx.ErrNoSuchDomain), true},
		{"null MX", lookup(mx.ErrNullMX), true},
		{"no address", lookup(mx.ErrNoAddress), true},
		{"invalid name", mx.ErrInvalidDomain, true},
		{"MX host NXDOMAIN", connect(mx.ErrNoSuchDomain), true},
		{"MX host without address", connect(mx.ErrNoAddress), true},
		{"SERVFAIL", lookup(mx.ErrServerFailure), false},
		{"bad response", lookup(mx.ErrBadResponse), false},
		{"CNAME loop", lookup(mx.ErrCNAMEChain), false},
		{"no name servers", mx.ErrNoServers, false},
		{"MX host SERVFAIL", connect(mx.ErrServerFailure), false},
		{"DNS timeout", lookup(os.ErrDeadlineExceeded), false},
		// Dialling and the network.
		{"refused", &Error{Command: "connect", Line: "192.0.2.1:25", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}, false},
		{"unreachable", &Error{Command: "connect", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ENETUNREACH}}, false},
		{"no address to connect to", &Error{Command: "connect", Line: "no address to connect to"}, false},
		{"network", netError("DATA", io.ErrUnexpectedEOF), false},
		{"reset", netError("RCPT", syscall.ECONNRESET), false},
		{"timeout", netError("DATA", os.ErrDeadlineExceeded), false},
		{"context deadline", context.DeadlineExceeded, false},
		{"cancelled", netError("connection", context.Canceled), false},
		// TLS: the handshake or the certificate check failed.
		{"TLS handshake", netError("STARTTLS", fmt.Errorf("tls handshake with mx.example: %w", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"})), false},
		{"TLS alert", netError("STARTTLS", tls.AlertError(40)), false},
		{"certificate", netError("STARTTLS", x509.UnknownAuthorityError{}), false},
		// The protocol and the connection.
		{"protocol", netError("greeting", ErrProtocol), false},
		{"unusable", netError("MAIL", ErrUnusable), false},
		{"plain error", errors.New("something"), false},
	} {
		if got := IsPermanent(tc.err); got != tc.want {
			t.Errorf("%s: IsPermanent(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestIsPermanentRealAnswers: the errors a real resolver returns for a
// real DNS server's answers, and a real refused dial, classify by the
// rule.
func TestIsPermanentRealAnswers(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.SetNullMX("null.test")
	srv.AddMX("dangling.test", 10, "nowhere.dangling.test")
	srv.SetRcode("servfail.test", dns.RcodeServerFailure)
	srv.SetRcode("refused.test", dns.RcodeRefused)
	r, err := mx.New(mx.Config{Servers: []string{srv.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for _, tc := range []struct {
		domain string
		want   bool
	}{
		{"nosuch.test", true},
		{"null.test", true},
		{"servfail.test", false},
		{"refused.test", false},
	} {
		_, err := r.LookupMX(ctx, tc.domain)
		if err == nil || IsPermanent(err) != tc.want {
			t.Errorf("LookupMX(%s) = %v: IsPermanent %v, want %v", tc.domain, err, IsPermanent(err), tc.want)
		}
	}
	// The MX host's name does not exist: the engine wraps the address
	// lookup's error in a connect Error.
	_, err = r.LookupHost(ctx, "nowhere.dangling.test")
	if err == nil || !IsPermanent(&Error{Command: "connect", Line: "resolve nowhere.dangling.test", Err: err}) {
		t.Errorf("LookupHost(nowhere.dangling.test) = %v: want permanent", err)
	}
	// A refused connection on loopback.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr); err == nil || IsPermanent(&Error{Command: "connect", Line: addr, Err: err}) {
		t.Errorf("dial %s: %v: want a temporary error", addr, err)
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
