package outbound

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
)

const testMsg = "From: a@sender.test\r\nTo: b@rcpt.test\r\nSubject: hi\r\n\r\nHello.\r\n"

// wantDelivered fails unless every recipient in res was delivered.
func wantDelivered(t *testing.T, res Result, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	for _, r := range res.Rcpts {
		if r.Err != nil {
			t.Errorf("recipient %s: %v", r.To, r.Err)
		}
	}
	if !strings.HasPrefix(res.Reply, "250 ") {
		t.Errorf("Reply = %q, want a 250 reply", res.Reply)
	}
}

func TestSendRecipients(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			s := startSink(t, sinkConfig{})
			c := connect(t, s.addr, Options{})
			var to []string
			for i := range n {
				to = append(to, fmt.Sprintf("r%d@rcpt.test", i))
			}
			res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: to}, []byte(testMsg))
			wantDelivered(t, res, err)
			if len(res.Rcpts) != n {
				t.Fatalf("%d results for %d recipients", len(res.Rcpts), n)
			}
			msgs := s.messages()
			if len(msgs) != 1 {
				t.Fatalf("sink got %d messages, want 1", len(msgs))
			}
			m := msgs[0]
			if m.from != "a@sender.test" || !slices.Equal(m.to, to) {
				t.Errorf("sink envelope = %q → %q, want a@sender.test → %q", m.from, m.to, to)
			}
			if string(m.data) != testMsg {
				t.Errorf("sink body = %q, want %q", m.data, testMsg)
			}
			if m.opts.Size != int64(len(testMsg)) {
				t.Errorf("SIZE = %d, want %d", m.opts.Size, len(testMsg))
			}
			if !c.Usable() {
				t.Error("Client not usable after a delivery")
			}
		})
	}
}

func TestSendRcptRejected(t *testing.T) {
	t.Parallel()
	s := startSink(t, sinkConfig{rcptErr: map[string]*smtp.SMTPError{
		"bad@rcpt.test":  {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"},
		"full@rcpt.test": {Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"},
	}})
	c := connect(t, s.addr, Options{})
	to := []string{"ok1@rcpt.test", "bad@rcpt.test", "full@rcpt.test", "ok2@rcpt.test"}
	res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: to}, []byte(testMsg))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	want := []struct {
		code      int
		enhanced  string
		permanent bool
	}{{}, {550, "5.1.1", true}, {452, "4.2.2", false}, {}}
	for i, w := range want {
		r := res.Rcpts[i]
		if r.To != to[i] {
			t.Errorf("result %d is for %s, want %s", i, r.To, to[i])
		}
		if w.code == 0 {
			if r.Err != nil {
				t.Errorf("%s: %v, want delivered", r.To, r.Err)
			}
			continue
		}
		e := asError(t, r.Err)
		if e.Code != w.code || e.Enhanced != w.enhanced || e.Permanent != w.permanent || e.Command != "RCPT" || IsPermanent(r.Err) != w.permanent {
			t.Errorf("%s: %+v, want RCPT %d %s permanent=%v", r.To, e, w.code, w.enhanced, w.permanent)
		}
	}
	msgs := s.messages()
	if len(msgs) != 1 || !slices.Equal(msgs[0].to, []string{"ok1@rcpt.test", "ok2@rcpt.test"}) {
		t.Errorf("sink got %+v, want one message to ok1 and ok2", msgs)
	}
}

func TestSendTransactionRejected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		cfg       sinkConfig
		cmd       string
		code      int
		permanent bool
	}{
		{"MAIL 550", sinkConfig{mailErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender blocked"}}, "MAIL", 550, true},
		{"MAIL 451", sinkConfig{mailErr: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "rate limited"}}, "MAIL", 451, false},
		{"DATA 554", sinkConfig{dataErr: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "content rejected"}}, "DATA", 554, true},
		{"DATA 451", sinkConfig{dataErr: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}}, "DATA", 451, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.cfg.rcptErr = map[string]*smtp.SMTPError{"bad@rcpt.test": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}}
			s := startSink(t, tc.cfg)
			c := connect(t, s.addr, Options{})
			to := []string{"x@rcpt.test", "bad@rcpt.test", "y@rcpt.test"}
			res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: to}, []byte(testMsg))
			e := asError(t, err)
			if e.Command != tc.cmd || e.Code != tc.code || IsPermanent(err) != tc.permanent || e.Err != nil {
				t.Fatalf("Send error %+v, want %s %d permanent=%v", e, tc.cmd, tc.code, tc.permanent)
			}
			for i, r := range res.Rcpts {
				re := asError(t, r.Err)
				// A recipient refused at RCPT keeps its own reason when
				// MAIL succeeded; after a MAIL refusal nobody was asked.
				if i == 1 && tc.cmd == "DATA" {
					if re.Command != "RCPT" || re.Code != 550 {
						t.Errorf("%s: %v, want its RCPT 550", r.To, r.Err)
					}
					continue
				}
				if re != e {
					t.Errorf("%s: %v, want the transaction's error %v", r.To, r.Err, err)
				}
			}
			if len(s.messages()) != 0 {
				t.Error("the sink accepted a message")
			}
			if !c.Usable() {
				t.Fatal("a refused transaction made the Client unusable")
			}
			// The connection carries the next transaction.
			res, err = c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"z@rcpt.test"}}, []byte(testMsg))
			if tc.cmd == "DATA" {
				if asError(t, err).Command != "DATA" {
					t.Errorf("second Send: %v, want the DATA refusal again", err)
				}
			} else if asError(t, err).Command != "MAIL" {
				t.Errorf("second Send: %v, want the MAIL refusal again", err)
			}
			if !c.Usable() {
				t.Error("Client unusable after the second transaction")
			}
		})
	}
}

func TestSendBodyIdentical(t *testing.T) {
	t.Parallel()
	var big strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&big, ".line %d with a leading dot and some text to fill it up\r\n", i)
	}
	for _, tc := range []struct{ name, msg, want string }{
		{"plain", testMsg, testMsg},
		{"dots", "Subject: x\r\n\r\n.\r\n..\r\n.hidden\r\nend.\r\n.", "Subject: x\r\n\r\n.\r\n..\r\n.hidden\r\nend.\r\n.\r\n"},
		{"no trailing CRLF", "Subject: x\r\n\r\nlast line", "Subject: x\r\n\r\nlast line\r\n"},
		{"bare LF", "Subject: x\n\nbody\n.\nend\n", "Subject: x\r\n\r\nbody\r\n.\r\nend\r\n"},
		{"smuggling", "Subject: x\r\n\r\na\n.\r\nMAIL FROM:<evil@x>\r\n", "Subject: x\r\n\r\na\r\n.\r\nMAIL FROM:<evil@x>\r\n"},
		// 8-bit in the body (a UTF-8 header needs SMTPUTF8, which this
		// sink does not offer: TestSendUTF8Header).
		{"8-bit", "Subject: x\r\n\r\n\xc3\xa9t\xc3\xa9\xff\x00\r\n", "Subject: x\r\n\r\n\xc3\xa9t\xc3\xa9\xff\x00\r\n"},
		{"empty", "", ""},
		{"larger than the write buffer", big.String(), big.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSink(t, sinkConfig{})
			c := connect(t, s.addr, Options{})
			res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"b@rcpt.test"}}, []byte(tc.msg))
			wantDelivered(t, res, err)
			msgs := s.messages()
			if len(msgs) != 1 {
				t.Fatalf("sink got %d messages, want 1", len(msgs))
			}
			if got := string(msgs[0].data); got != tc.want {
				t.Errorf("sink body differs:\n got %.200q\nwant %.200q", got, tc.want)
			}
		})
	}
}

func TestSTARTTLS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		serverTLS    bool
		opts         func(s *sink) Options
		used         bool
		verified     bool
		handshakeErr bool
	}{
		{"opportunistic", true, func(*sink) Options { return Options{} }, true, false, false},
		{"verified", true, func(s *sink) Options {
			roots := x509.NewCertPool()
			roots.AddCert(s.cert)
			return Options{TLSConfig: &tls.Config{RootCAs: roots}}
		}, true, true, false},
		{"untrusted certificate", true, func(*sink) Options {
			return Options{TLSConfig: &tls.Config{RootCAs: x509.NewCertPool()}}
		}, false, false, true},
		{"disabled", true, func(*sink) Options { return Options{DisableTLS: true} }, false, false, false},
		{"not offered", false, func(*sink) Options { return Options{} }, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSink(t, sinkConfig{tls: tc.serverTLS})
			c, err := tryConnect(t, s.addr, tc.opts(s))
			if tc.handshakeErr {
				e := asError(t, err)
				if e.Command != "STARTTLS" || IsPermanent(err) {
					t.Fatalf("Handshake: %+v, want a temporary STARTTLS error", e)
				}
				return
			}
			if err != nil {
				t.Fatalf("Handshake: %v", err)
			}
			defer c.Close()
			used, state := c.TLS()
			if used != tc.used || c.TLSVerified() != tc.verified {
				t.Errorf("TLS() used=%v verified=%v, want %v %v", used, c.TLSVerified(), tc.used, tc.verified)
			}
			if used && state.Version < tls.VersionTLS12 {
				t.Errorf("TLS version %x", state.Version)
			}
			// RFC 3207 §4.2: the extensions are those of the second EHLO,
			// and go-smtp offers STARTTLS only in plaintext.
			if _, ok := c.Extension("starttls"); ok != (tc.serverTLS && !used) {
				t.Errorf("Extension(STARTTLS) = %v with TLS used = %v", ok, used)
			}
			res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"b@rcpt.test"}}, []byte(testMsg))
			wantDelivered(t, res, err)
			if m := s.messages(); len(m) != 1 || m[0].tls != tc.used {
				t.Errorf("sink messages %+v, want one with tls=%v", m, tc.used)
			}
		})
	}
}

func TestSendReuse(t *testing.T) {
	t.Parallel()
	s := startSink(t, sinkConfig{})
	c := connect(t, s.addr, Options{})
	for i := range 3 {
		if i > 0 {
			if err := c.Reset(testCtx(t)); err != nil {
				t.Fatalf("Reset: %v", err)
			}
		}
		msg := fmt.Sprintf("Subject: %d\r\n\r\nbody %d\r\n", i, i)
		res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{fmt.Sprintf("r%d@rcpt.test", i)}}, []byte(msg))
		wantDelivered(t, res, err)
	}
	msgs := s.messages()
	if len(msgs) != 3 {
		t.Fatalf("sink got %d messages, want 3", len(msgs))
	}
	for i, m := range msgs {
		if want := fmt.Sprintf("Subject: %d\r\n\r\nbody %d\r\n", i, i); string(m.data) != want || m.to[0] != fmt.Sprintf("r%d@rcpt.test", i) {
			t.Errorf("message %d: %q to %q", i, m.data, m.to)
		}
	}
	if s.sessions != 1 {
		t.Errorf("%d sessions, want the 3 messages on 1", s.sessions)
	}
	if err := c.Quit(testCtx(t)); err != nil {
		t.Errorf("Quit: %v", err)
	}
	if c.Usable() {
		t.Error("Client usable after Quit")
	}
	if _, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"b@rcpt.test"}}, []byte(testMsg)); !errors.Is(err, ErrUnusable) || IsPermanent(err) {
		t.Errorf("Send after Quit: %v, want temporary ErrUnusable", err)
	}
}

func TestSendParameters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		utf8     bool // server offers SMTPUTF8
		env      Envelope
		wantBody smtp.BodyType
		wantUTF8 bool
		wantErr  error
	}{
		{"7bit", true, Envelope{From: "a@sender.test"}, "", false, nil},
		{"8bit", true, Envelope{From: "a@sender.test", EightBit: true}, smtp.Body8BitMIME, false, nil},
		{"smtputf8", true, Envelope{From: "a@sender.test", SMTPUTF8: true}, smtp.Body8BitMIME, true, nil},
		{"utf8 address implies it", true, Envelope{From: "élodie@sender.test"}, smtp.Body8BitMIME, true, nil},
		{"smtputf8 not offered", false, Envelope{From: "a@sender.test", SMTPUTF8: true}, "", false, ErrNeedSMTPUTF8},
		{"utf8 address, not offered", false, Envelope{From: "a@sender.test", To: []string{"zoë@rcpt.test"}}, "", false, ErrNeedSMTPUTF8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSink(t, sinkConfig{utf8: tc.utf8})
			c := connect(t, s.addr, Options{})
			if len(tc.env.To) == 0 {
				tc.env.To = []string{"b@rcpt.test"}
			}
			res, err := c.Send(testCtx(t), tc.env, []byte(testMsg))
			if tc.wantErr != nil {
				e := asError(t, err)
				if !errors.Is(err, tc.wantErr) || e.Code != 553 || e.Enhanced != "5.6.7" || !IsPermanent(res.Rcpts[0].Err) {
					t.Fatalf("Send: %+v, want a permanent local 553 5.6.7", e)
				}
				if !c.Usable() || len(s.messages()) != 0 {
					t.Error("a local refusal touched the connection")
				}
				return
			}
			wantDelivered(t, res, err)
			m := s.messages()[0]
			if m.opts.Body != tc.wantBody || m.opts.UTF8 != tc.wantUTF8 {
				t.Errorf("sink saw BODY=%q SMTPUTF8=%v, want %q %v", m.opts.Body, m.opts.UTF8, tc.wantBody, tc.wantUTF8)
			}
		})
	}
}

func TestSendSizeLimit(t *testing.T) {
	t.Parallel()
	s := startSink(t, sinkConfig{maxSize: 100})
	c := connect(t, s.addr, Options{})
	if p, ok := c.Extension("SIZE"); !ok || p != "100" {
		t.Fatalf("Extension(SIZE) = %q, %v", p, ok)
	}
	env := Envelope{From: "a@sender.test", To: []string{"b@rcpt.test", "c@rcpt.test"}}
	res, err := c.Send(testCtx(t), env, bytes.Repeat([]byte("x"), 99)) // 101 with the CRLF added
	e := asError(t, err)
	if !errors.Is(err, ErrSizeExceeded) || e.Code != 552 || e.Enhanced != "5.3.4" || !e.Permanent || e.Command != "MAIL" {
		t.Fatalf("Send: %+v, want a permanent local 552 5.3.4", e)
	}
	for _, r := range res.Rcpts {
		if r.Err != err {
			t.Errorf("%s: %v, want the size error", r.To, r.Err)
		}
	}
	if !c.Usable() {
		t.Fatal("Client unusable after a local refusal")
	}
	// 99 bytes: go-smtp refuses a message of exactly its limit.
	res, err = c.Send(testCtx(t), env, bytes.Repeat([]byte("x"), 97))
	wantDelivered(t, res, err)
}

func TestSendBadAddresses(t *testing.T) {
	t.Parallel()
	s := startSink(t, sinkConfig{})
	c := connect(t, s.addr, Options{})
	to := []string{"ok@rcpt.test", "x@rcpt.test>\r\nRCPT TO:<evil@rcpt.test"}
	res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: to}, []byte(testMsg))
	if err != nil || res.Rcpts[0].Err != nil {
		t.Fatalf("Send: %v, %v", err, res.Rcpts[0].Err)
	}
	if e := asError(t, res.Rcpts[1].Err); !errors.Is(e, ErrBadAddress) || e.Enhanced != "5.1.3" || !e.Permanent {
		t.Errorf("bad recipient: %+v", e)
	}
	if m := s.messages(); len(m) != 1 || !slices.Equal(m[0].to, to[:1]) {
		t.Errorf("sink got %+v, want one message to %s only", m, to[0])
	}

	_, err = c.Send(testCtx(t), Envelope{From: "a@sender.test\r\nDATA", To: to[:1]}, []byte(testMsg))
	if e := asError(t, err); !errors.Is(err, ErrBadAddress) || e.Enhanced != "5.1.7" || !e.Permanent {
		t.Errorf("bad sender: %+v", e)
	}

	// Only bad recipients: nothing to send, each keeps its own outcome.
	res, err = c.Send(testCtx(t), Envelope{From: "a@sender.test", To: to[1:]}, []byte(testMsg))
	if err != nil || !errors.Is(res.Rcpts[0].Err, ErrBadAddress) {
		t.Errorf("only bad recipients: %v, %v", err, res.Rcpts[0].Err)
	}
	if _, err := c.Send(testCtx(t), Envelope{From: "a@sender.test"}, []byte(testMsg)); !errors.Is(err, ErrNoRecipients) {
		t.Errorf("no recipients: %v", err)
	}
	if !c.Usable() || len(s.messages()) != 1 {
		t.Error("local refusals reached the server")
	}
}

func TestSendNoPipeliningSink(t *testing.T) {
	t.Parallel()
	s := startSink(t, sinkConfig{noPipelining: true, rcptErr: map[string]*smtp.SMTPError{
		"bad@rcpt.test": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"},
	}})
	c := connect(t, s.addr, Options{})
	if _, ok := c.Extension("PIPELINING"); ok {
		t.Fatal("the sink still advertises PIPELINING")
	}
	res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"a@rcpt.test", "bad@rcpt.test"}}, []byte(testMsg))
	if err != nil || res.Rcpts[0].Err != nil || asError(t, res.Rcpts[1].Err).Code != 550 {
		t.Fatalf("Send: %v %+v", err, res)
	}
	// All recipients refused: DATA is not sent, and the next transaction
	// starts with RSET, which go-smtp would otherwise not need.
	res, err = c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"bad@rcpt.test"}}, []byte(testMsg))
	if err != nil || asError(t, res.Rcpts[0].Err).Code != 550 {
		t.Fatalf("Send: %v %+v", err, res)
	}
	res, err = c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"c@rcpt.test"}}, []byte(testMsg))
	wantDelivered(t, res, err)
	if n := len(s.messages()); n != 2 {
		t.Errorf("sink got %d messages, want 2", n)
	}
}

// TestPipelineGroups checks the group sizes: one write for a whole small
// transaction, and groups of maxPipelineGroup commands for large ones, so
// unread replies never pile up beyond what TCP windows hold (RFC 2920 §3.1).
func TestPipelineGroups(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rcpts, writes int
	}{
		{1, 2},   // MAIL+RCPT+DATA, then the data
		{98, 2},  // 100 commands: still one group
		{99, 3},  // 101 commands
		{250, 4}, // 252 commands: 3 groups
	} {
		t.Run(fmt.Sprint(tc.rcpts), func(t *testing.T) {
			t.Parallel()
			s := startSink(t, sinkConfig{})
			conn, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			cc := &countConn{Conn: conn}
			c, err := Handshake(testCtx(t), cc, "mx.test", Options{HelloName: "client.test"})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var to []string
			for i := range tc.rcpts {
				to = append(to, fmt.Sprintf("r%d@rcpt.test", i))
			}
			cc.writes = 0
			res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: to}, []byte(testMsg))
			wantDelivered(t, res, err)
			if cc.writes != tc.writes {
				t.Errorf("%d writes, want %d", cc.writes, tc.writes)
			}
			if m := s.messages(); len(m) != 1 || !slices.Equal(m[0].to, to) {
				t.Errorf("sink got %d messages", len(m))
			}
		})
	}
}
