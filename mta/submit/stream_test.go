package submit

import (
	"strings"
	"testing"
)

// The redteam's F7: any tenant could mark mail transactional, which
// marketing unsubscribes and the reputation guard's pause do not hold
// back. The transactional stream is now a permission: a tenant without it
// gets 550 5.7.1 for such mail, whatever form the header takes, and
// nothing is queued; its marketing mail and an allowed tenant's
// transactional mail go through.
func TestTransactionalPermission(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{},
		&Tenant{Name: "shop", Username: "shop", SenderDomains: []string{"shop.example"}, NoTransactional: true},
		&Tenant{Name: "bank", Username: "bank", SenderDomains: []string{"bank.example"}})
	msg := func(from, fields string) string {
		return "From: a@" + from + "\r\n" + fields + "Subject: hi\r\n\r\nbody\r\n.\r\n"
	}
	for _, tc := range []struct {
		user, fields, want string
	}{
		{"shop", "X-Sluice-Stream: transactional\r\n", "550 5.7.1"},
		{"shop", "x-sluice-stream: TRANSACTIONAL\r\n", "550 5.7.1"},
		{"shop", "X-Sluice-Stream:\r\n transactional\r\n", "550 5.7.1"},
		{"shop", "X-Sluice-Stream: marketing\r\nX-Sluice-Stream: transactional\r\n", "550 5.7.1"},
		{"shop", "X-\u017Fluice-Stream: transactional\r\n", "550 5.7.1"},
		{"shop", "X-Sluice-Stream: marketing\r\n", "250 "},
		{"shop", "", "250 "},
		{"bank", "X-Sluice-Stream: transactional\r\n", "250 "},
	} {
		c := dialRaw(t, ts.addr).login(tc.user)
		queued := len(ts.spool.messages())
		got := c.send("a@"+tc.user+".example", "r@example.net", msg(tc.user+".example", tc.fields))
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s with %q: %q, want %s", tc.user, tc.fields, got, tc.want)
		}
		n := len(ts.spool.messages()) - queued
		if (n == 1) != strings.HasPrefix(tc.want, "250") {
			t.Errorf("%s with %q: %d messages queued", tc.user, tc.fields, n)
		}
	}
	if n := ts.rejected("stream_not_allowed"); n != 5 {
		t.Errorf("stream_not_allowed counted %d times, want 5", n)
	}
}
