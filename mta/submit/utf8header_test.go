package submit

import (
	"testing"

	"sluice/queue"
)

// The redteam's F11: a header in raw UTF-8 (RFC 6532) submitted without
// SMTPUTF8 was queued as plain mail and relayed to servers lacking the
// extension. It is still accepted (applications write UTF-8 subjects
// without asking), but queued as needing SMTPUTF8, so delivery sends it
// only where the extension is offered (mta/outbound fails it 5.6.7
// elsewhere). An 8-bit body under an ASCII header is not flagged.
func TestUTF8HeaderNeedsSMTPUTF8(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}})
	for _, tc := range []struct {
		name, data string
		want       bool
	}{
		{"UTF-8 Subject", "From: a@acme.example\r\nSubject: café\r\n\r\nbody\r\n.\r\n", true},
		{"UTF-8 display name", "From: Zoë <a@acme.example>\r\n\r\nbody\r\n.\r\n", true},
		{"8-bit body", "From: a@acme.example\r\nSubject: cafe\r\n\r\ncafé\r\n.\r\n", false},
		{"ASCII", "From: a@acme.example\r\nSubject: cafe\r\n\r\nbody\r\n.\r\n", false},
	} {
		c := dialRaw(t, ts.addr).login("acme")
		c.want(c.send("a@acme.example", "r@example.net", tc.data), "250 ")
		msgs := ts.spool.messages()
		m := msgs[len(msgs)-1]
		if got := m.Flags&queue.FlagSMTPUTF8 != 0; got != tc.want {
			t.Errorf("%s: SMTPUTF8 flag %v, want %v", tc.name, got, tc.want)
		}
	}
}
