package outbound

import (
	"errors"
	"testing"
)

// The redteam's F11: a message with raw UTF-8 in its header (RFC 6532)
// needs SMTPUTF8 end to end (RFC 6531 §3.4), however it was queued. To a
// server without the extension it fails permanently, 553 5.6.7, as a
// UTF-8 address does; to one with it, MAIL carries SMTPUTF8. An 8-bit body
// under an ASCII header needs nothing of the kind.
func TestSendUTF8Header(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, msg  string
		offered    bool
		wantUTF8   bool
		wantRefuse bool
	}{
		{"header, not offered", "From: a@sender.test\r\nSubject: café\r\n\r\nbody\r\n", false, false, true},
		{"header, bare LF, not offered", "From: a@sender.test\nSubject: café\n\nbody\n", false, false, true},
		{"folded header, not offered", "From: a@sender.test\r\nSubject: a\r\n café\r\n\r\nbody\r\n", false, false, true},
		{"header, offered", "From: a@sender.test\r\nSubject: café\r\n\r\nbody\r\n", true, true, false},
		{"8-bit body only", "From: a@sender.test\r\nSubject: cafe\r\n\r\ncafé\r\n", false, false, false},
		{"no body", "From: a@sender.test\r\nSubject: ok\r\n", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSink(t, sinkConfig{utf8: tc.offered})
			c := connect(t, s.addr, Options{})
			env := Envelope{From: "a@sender.test", To: []string{"b@rcpt.test"}}
			res, err := c.Send(testCtx(t), env, []byte(tc.msg))
			if tc.wantRefuse {
				e := asError(t, err)
				if !errors.Is(err, ErrNeedSMTPUTF8) || e.Code != 553 || e.Enhanced != "5.6.7" || !IsPermanent(res.Rcpts[0].Err) {
					t.Fatalf("Send: %+v, want a permanent local 553 5.6.7", e)
				}
				if len(s.messages()) != 0 {
					t.Fatal("the message reached the server")
				}
				return
			}
			wantDelivered(t, res, err)
			if m := s.messages()[0]; m.opts.UTF8 != tc.wantUTF8 {
				t.Errorf("sink saw SMTPUTF8=%v, want %v", m.opts.UTF8, tc.wantUTF8)
			}
		})
	}
}
