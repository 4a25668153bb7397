package submit

import (
	"bytes"
	"strings"
	"testing"

	"sluice/queue"
)

// TestPriorityHeader: X-Sluice-Priority sets the queued message's
// priority (case-insensitively) up to the tenant's own (its default and
// ceiling: a tenant cannot put its mail ahead of other tenants' by header),
// is removed before the message is signed and stored, and an unknown
// value is refused with 554 5.6.0 and counted.
func TestPriorityHeader(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"sender.example"}},
		&Tenant{Name: "vip", Username: "vip", SenderDomains: []string{"vip.example"}, Priority: queue.PriorityHigh})
	for _, tc := range []struct {
		name, tenant, header string
		want                 string
		prio                 queue.Priority
	}{
		{"none", "acme", "", "250 ", queue.PriorityNormal},
		{"high above the tenant's normal", "acme", "X-Sluice-Priority: high\r\n", "250 ", queue.PriorityNormal},
		{"low, any case", "acme", "x-sluice-PRIORITY:  Low \r\n", "250 ", queue.PriorityLow},
		{"normal", "acme", "X-Sluice-Priority: normal\r\n", "250 ", queue.PriorityNormal},
		{"unknown", "acme", "X-Sluice-Priority: urgent\r\n", "554 5.6.0 X-Sluice-Priority must be high, normal or low", 0},
		{"a high tenant's default", "vip", "", "250 ", queue.PriorityHigh},
		{"a high tenant's high", "vip", "X-Sluice-Priority: high\r\n", "250 ", queue.PriorityHigh},
		{"a high tenant lowers", "vip", "X-Sluice-Priority: normal\r\n", "250 ", queue.PriorityNormal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(ts.spool.messages())
			c := dialRaw(t, ts.addr).login(tc.tenant)
			dom := map[string]string{"acme": "sender.example", "vip": "vip.example"}[tc.tenant]
			data := "From: a@" + dom + "\r\n" + tc.header + "X-Sluice-Stream: transactional\r\nSubject: s\r\n\r\nbody\r\n.\r\n"
			c.want(c.send("a@"+dom, "r@rcpt.example", data), tc.want)
			msgs := ts.spool.messages()
			if !strings.HasPrefix(tc.want, "250") {
				if len(msgs) != before {
					t.Fatalf("refused message queued")
				}
				return
			}
			m := msgs[len(msgs)-1]
			if m.Priority != tc.prio || m.Stream != queue.Transactional {
				t.Fatalf("queued %s/%s, want transactional/%s", m.Stream, m.Priority, tc.prio)
			}
			if bytes.Contains(bytes.ToLower(m.Body), []byte("x-sluice-priority")) {
				t.Fatalf("the header reached the stored message: %q", m.Body)
			}
		})
	}
	if n := ts.rejected("bad_priority"); n != 1 {
		t.Fatalf("bad_priority counted %d times, want 1", n)
	}
}

// FuzzPriorityHeader: whatever its value, the priority header never
// survives prepare, and a value is either a priority or refused.
func FuzzPriorityHeader(f *testing.F) {
	for _, v := range []string{"high", "LOW", " normal ", "", "hi\u0307gh", "high\r\n X"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		raw := []byte("From: a@b.example\r\nX-Sluice-Priority: " + v + "\r\n\r\nx\r\n")
		p := prepare(raw, fuzzInfo, 0)
		if p.bad != nil {
			return
		}
		if p.prioritySet == (p.priorityBad != "") && (p.prioritySet || p.priorityBad != "") {
			t.Fatalf("%q: both set and refused", v)
		}
		header, _ := splitHeader(p.msg)
		eachField(header, func(name string, _ []byte) {
			if strings.EqualFold(name, PriorityHeader) {
				t.Fatalf("%q: the header survived in %q", v, p.msg)
			}
		})
	})
}
