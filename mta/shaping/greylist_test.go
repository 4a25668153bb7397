package shaping

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/mtatest"
	"sluice/mta/outbound"
)

// greylistReplies are greylisting deferrals as servers word them. Those
// without "greylist" or "graylist" in one word were throttles before
// greylisting became its own outcome.
var greylistReplies = []string{
	"451 4.7.1 <jane@example.net>: Recipient address rejected: Greylisted",
	"451 4.7.1 Greylisted, please try again in 300 seconds",
	"450 4.2.0 Greylisted",
	"451 Try again later (greylist)",
	"450 4.2.0 <jane@example.net>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.net.html",
	"451 4.7.1 Temporarily deferred due to greylisting",
	"451 4.7.1 Greylisting in action, please come back in 00:05:00",
	"451 4.7.1 Your mail server has been greylisted; please try again later",
	"421 4.7.0 Greylisted, try again later",
	"451 4.7.1 GRAYLISTED - please retry later",
	"451 4.7.1 You are grey listed, try again later",
	"451 4.7.1 Grey-listed, try again later",
	"450 4.7.1 Client host rejected: Please try again later (gray-listing)",
	"451 4.7.1 Service unavailable, grey listing in effect, please retry",
	"451 Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451",
}

// TestGreylistExamples checks every row of the greylist table against its
// own example: the row matches it, it is a greylist, not a throttle.
func TestGreylistExamples(t *testing.T) {
	t.Parallel()
	for _, sig := range greylistSignals {
		code, enh, text := parseReply(t, sig.example)
		if !sig.matches(code, enh, text) {
			t.Errorf("row %+v does not match its example", sig)
		}
		if !IsGreylist(code, enh, text) || IsThrottle(code, enh, text) {
			t.Errorf("%q: IsGreylist %v, IsThrottle %v", sig.example, IsGreylist(code, enh, text), IsThrottle(code, enh, text))
		}
	}
}

// TestIsGreylist: the wordings of greylisting are Greylisted at every
// transaction step, never Throttled; a 5xx that says so, and rate
// limits that do not, are not greylisting.
func TestIsGreylist(t *testing.T) {
	t.Parallel()
	type want struct {
		greylist, throttle bool
	}
	cases := map[string]want{
		"451 4.7.1 Try again later":                            {false, true}, // Rspamd's default words: a rate limit's too
		"451 4.7.1 Rate limited, try again later":              {false, true},
		"421 4.7.0 Too many connections from 192.0.2.10":       {false, true},
		"550 5.7.1 Greylisted forever":                         {false, false},
		"452 4.2.2 Mailbox full":                               {false, false},
		"451 4.3.0 Temporary lookup failure (greylist daemon)": {true, false},
	}
	for _, r := range greylistReplies {
		cases[r] = want{true, false}
	}
	for reply, w := range cases {
		code, enh, text := parseReply(t, reply)
		if g, th := IsGreylist(code, enh, text), IsThrottle(code, enh, text); g != w.greylist || th != w.throttle {
			t.Errorf("%q: IsGreylist %v, IsThrottle %v; want %v, %v", reply, g, th, w.greylist, w.throttle)
		}
		if !w.greylist {
			continue
		}
		for _, cmd := range []string{"RCPT", "MAIL", "DATA", "EHLO"} {
			if got := Classify(outbound.ReplyError(cmd, code, text)); got != Greylisted {
				t.Errorf("%s %q: Classify = %v, want greylisted", cmd, reply, got)
			}
		}
	}
	if IsGreylist(0, "", "greylisted") {
		t.Error("IsGreylist without a code")
	}
}

// greylistSink is a real SMTP server (mtatest's go-smtp sink) that
// defers recipient "r<i>@…" at RCPT with the i-th of replies (modulo
// their number).
func greylistSink(t *testing.T, replies []string) *mtatest.Sink {
	t.Helper()
	return mtatest.NewSink(t, mtatest.SinkOptions{Rcpt: func(to string) error {
		i, _ := strconv.Atoi(strings.TrimPrefix(to[:strings.IndexByte(to, '@')], "r"))
		code, _, text := parseReply(t, replies[i%len(replies)])
		// text starts with the enhanced code if the reply has one.
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.NoEnhancedCode, Message: text}
	}})
}

// sendAll delivers n one-recipient transactions to sink as the delivery
// engine does (a connection slot, Reserve, send, Observe; a new connection
// when the server closed the last one, as after a 421), with the clock
// moving 100 ms per transaction, and returns what Observe was told.
func sendAll(t *testing.T, p *Policy, k Key, clock *fakeClock, sink *mtatest.Sink, n int) []Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var c *outbound.Client
	release := func() {
		if c != nil {
			c.Close()
			p.ReleaseConn(k)
			c = nil
		}
	}
	defer release()
	var outs []Outcome
	for i := range n {
		if c == nil {
			if !p.AcquireConn(k) {
				t.Fatalf("transaction %d: no connection slot: %+v", i, p.Limits(k))
			}
			raw, err := net.Dial("tcp", sink.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if c, err = outbound.Handshake(ctx, raw, "mx.example.net", outbound.Options{HelloName: "out.example.com", DisableTLS: true}); err != nil {
				t.Fatal(err)
			}
		}
		p.Reserve(k, 1) // the clock jumps past any wait
		// The recipient's own outcome, as the engine reads it.
		res, _ := c.Send(ctx, outbound.Envelope{From: "news@example.com", To: []string{fmt.Sprintf("r%d@example.net", i)}},
			[]byte("Subject: hi\r\n\r\nhello\r\n"))
		err := res.Rcpts[0].Err
		if err == nil {
			t.Fatalf("transaction %d accepted", i)
		}
		o := Classify(err)
		p.Observe(k, o, err.Error())
		outs = append(outs, o)
		if !c.Usable() {
			release()
		}
		clock.Advance(100 * time.Millisecond)
	}
	return outs
}

// TestGreylistKeepsBudget: a site that answers every recipient with a
// greylisting deferral, over real SMTP, keeps its whole connection and
// rate budget: no transition, no cut, every reply counted as greylisted.
// The control, the same site answering a rate limit, is cut at once.
func TestGreylistKeepsBudget(t *testing.T) {
	t.Parallel()
	rules := []Rule{{Name: "greylister", Domains: []string{"example.net"}, MaxConnections: 8, Rate: 20}}
	for _, tc := range []struct {
		name    string
		replies []string
		cut     bool
	}{
		{"greylisting", greylistReplies, false},
		{"rate limit (control)", []string{"451 4.7.1 Rate limited, try again later"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			p, trs := newPolicy(t, rules, clock)
			k := Key{Source: "pool-a", Site: p.Site("example.net", []string{"mx.example.net"})}
			before := p.Limits(k)
			n := 3 * len(tc.replies)
			outs := sendAll(t, p, k, clock, greylistSink(t, tc.replies), n)
			after := p.Limits(k)
			if !tc.cut {
				for i, o := range outs {
					if o != Greylisted {
						t.Errorf("reply %q observed as %v", tc.replies[i%len(tc.replies)], o)
					}
				}
				if after != before || after.MaxConnections != 8 || after.Rate != 20 || after.State != Normal {
					t.Errorf("limits after %d greylistings: %+v, want %+v", n, after, before)
				}
				if len(*trs) != 0 {
					t.Errorf("transitions %+v", *trs)
				}
				if st := p.Status(); len(st) != 1 || st[0].Counts != (Counts{Greylisted: uint64(n)}) {
					t.Errorf("status %+v", st)
				}
				return
			}
			if after.State != Backoff || after.Rate >= before.Rate {
				t.Errorf("control not cut: %+v", after)
			}
		})
	}
}
