package delivery

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
	"sluice/queue"
)

// TestRecipientOutcomes: one transaction with three recipients that the
// receiver answers differently settles each on its own: the accepted one
// delivered (250 and the end-of-data reply), the 5xx one failed, the 4xx
// one deferred to the retry policy's first delay, each event with its
// code, enhanced code, reply, MX host, index and source, and the spool
// agreeing.
func TestRecipientOutcomes(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Rcpt: func(to string) error {
		switch {
		case strings.HasPrefix(to, "hard@"):
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		case strings.HasPrefix(to, "soft@"):
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
		}
		return nil
	}})
	h := newHarness(t, func(_ *harness, cfg *Config) { cfg.Port = sink.Port() })
	t0 := h.clk.Now()
	id := h.enqueue([]string{"ok@example.test", "hard@example.test", "soft@example.test"}, nil)
	h.start()
	for i, want := range []struct {
		rcpt, kind string
		code       int
		enhanced   string
		reply      string
		retry      time.Time
		state      string
	}{
		{"ok@example.test", "delivered", 250, "", "250 ", time.Time{}, "delivered"},
		{"hard@example.test", "failed", 550, "5.1.1", "no such user", time.Time{}, "failed"},
		{"soft@example.test", "deferred", 451, "4.3.0", "try later", t0.Add(testRetry.First), "deferred"},
	} {
		ev := h.events.wait(t, want.rcpt, 1, want.kind)
		if ev.Code != want.code || ev.Enhanced != want.enhanced || !strings.Contains(ev.Reply, want.reply) {
			t.Errorf("%s: %d %q %q, want %d %q and a reply with %q", want.rcpt, ev.Code, ev.Enhanced, ev.Reply,
				want.code, want.enhanced, want.reply)
		}
		if ev.ID != id || ev.Index != uint32(i) || ev.Tenant != "acme" || ev.Domain != "example.test" ||
			ev.MX != "mx1.example.test" || ev.Source != "default" || ev.Attempt != 1 || !ev.Time.Equal(t0) {
			t.Errorf("%s: event %+v", want.rcpt, ev)
		}
		if !ev.Retry.Equal(want.retry) {
			t.Errorf("%s: retry at %v, want %v", want.rcpt, ev.Retry, want.retry)
		}
		r := h.rcptInfo(id, i)
		if r.State != want.state || r.LastCode != want.code || (!want.retry.IsZero() && !r.Next.Equal(want.retry)) {
			t.Errorf("%s in the spool: %s, code %d, next %v", want.rcpt, r.State, r.LastCode, r.Next)
		}
	}
	if got := sink.Messages(); len(got) != 1 || len(got[0].To) != 1 {
		t.Errorf("the receiver got %+v, want one message to the accepted recipient", got)
	}
}

// TestResolutionAndConnectionOutcomes: what DNS says for certain is
// permanent (NXDOMAIN, a null MX: RFC 7505 §3), what may change is
// temporary (SERVFAIL); a refused connection, a receiver that never greets
// (a timeout) and a 421 greeting defer; a 554 greeting fails. None of them
// names an MX, and only the greetings carry a reply code.
func TestResolutionAndConnectionOutcomes(t *testing.T) {
	t.Parallel()
	greet421 := startRawMX(t, "421 4.3.2 too busy", "")
	greet554 := startRawMX(t, "554 5.7.1 no service for you", "")
	h := newHarness(t, func(h *harness, cfg *Config) {
		h.dns.SetNullMX("null.test")
		h.dns.AddMX("servfail.test", 10, "mx.servfail.test")
		h.dns.SetRcode("servfail.test", dns.RcodeServerFailure)
		cfg.Routes = []Route{
			{Domain: "refused.test", Host: closedPort(t)},
			{Domain: "hangs.test", Host: silentMX(t)},
			{Domain: "busy.test", Host: greet421.ln.Addr().String()},
			{Domain: "closed.test", Host: greet554.ln.Addr().String()},
		}
		cfg.CommandTimeout = 500 * time.Millisecond // the greeting's wait: the timeout case, not slept out
	})
	cases := []struct {
		domain, kind string
		code         int
		reply        string
	}{
		{"nx.test", "failed", 0, "no such domain"},
		{"null.test", "failed", 0, "null MX"},
		{"servfail.test", "deferred", 0, "server failure"},
		{"refused.test", "deferred", 0, "refused"},
		{"hangs.test", "deferred", 0, "timeout"},
		{"busy.test", "deferred", 421, "too busy"},
		{"closed.test", "failed", 554, "no service"},
	}
	for _, c := range cases {
		h.enqueue([]string{"x@" + c.domain}, nil)
	}
	t0 := h.clk.Now()
	h.start()
	for _, c := range cases {
		t.Run(c.domain, func(t *testing.T) {
			ev := h.events.wait(t, "x@"+c.domain, 1, c.kind)
			if ev.Code != c.code || !strings.Contains(ev.Reply, c.reply) || ev.MX != "" {
				t.Errorf("code %d, reply %q, MX %q; want %d, a reply with %q, no MX", ev.Code, ev.Reply, ev.MX, c.code, c.reply)
			}
			if c.kind == "deferred" && !ev.Retry.Equal(t0.Add(testRetry.First)) {
				t.Errorf("retry at %v, want %v", ev.Retry, t0.Add(testRetry.First))
			}
		})
	}
}

// TestSuppressedRecipientsGetNoTransaction: a recipient suppressed after
// its message was queued fails with reason "suppressed" and is never named
// to the receiver; a message whose recipients are all suppressed opens no
// transaction at all. The check is asked with the message's tenant and
// stream.
func TestSuppressedRecipientsGetNoTransaction(t *testing.T) {
	t.Parallel()
	mx := startRawMX(t, "", "")
	var mu sync.Mutex
	asked := map[string]string{}
	h := newHarness(t, func(_ *harness, cfg *Config) {
		cfg.Port = mx.port()
		cfg.Suppressed = func(tenant, addr string, st queue.Stream) (string, bool) {
			mu.Lock()
			asked[addr] = tenant + "/" + st.String()
			mu.Unlock()
			return "unsubscribed", strings.HasPrefix(addr, "gone")
		}
	})
	mixed := h.enqueue([]string{"ok@example.test", "gone1@example.test"}, func(m *queue.Message) { m.Stream = queue.Transactional })
	allGone := h.enqueue([]string{"gone2@example.test"}, nil)
	h.start()
	h.events.wait(t, "ok@example.test", 1, "delivered")
	for _, rcpt := range []string{"gone1@example.test", "gone2@example.test"} {
		ev := h.events.wait(t, rcpt, 1, "suppressed")
		if ev.Code != 0 || ev.Reply != "suppressed: unsubscribed" {
			t.Errorf("%s: %d %q", rcpt, ev.Code, ev.Reply)
		}
	}
	if got := mx.counts(); got.mails != 1 {
		t.Errorf("%d transactions, want 1 (the message with a recipient left)", got.mails)
	}
	if got := mx.rcptsSeen(); len(got) != 1 || got[0] != "ok@example.test" {
		t.Errorf("the receiver was given %v, want only ok@example.test", got)
	}
	for _, id := range []queue.ID{mixed, allGone} {
		if _, err := h.store.Message(id); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("message %s still in the spool (%v): suppressed is final", id, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if asked["gone1@example.test"] != "acme/transactional" || asked["gone2@example.test"] != "acme/marketing" {
		t.Errorf("suppression asked with %v", asked)
	}
}

// TestOperatorHoldDefersWithoutDialling: mail for a site an operator
// suspended is deferred for a recheck a minute later without a connection
// and without counting an attempt; once the hold is lifted and the recheck
// comes, it is delivered on what is still its first attempt.
func TestOperatorHoldDefersWithoutDialling(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	var held atomic.Bool
	held.Store(true)
	var site atomic.Value
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		cfg.Shaping = newPolicy(t, h, nil)
		cfg.SiteHeld = func(s string) bool {
			site.Store(s)
			return held.Load()
		}
	})
	t0 := h.clk.Now()
	id := h.enqueue([]string{"r@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "r@example.test", 1, "deferred")
	if !strings.Contains(ev.Reply, "operator") || !ev.Retry.Equal(t0.Add(siteHoldRecheck)) {
		t.Errorf("deferred with %q until %v, want an operator hold until %v", ev.Reply, ev.Retry, t0.Add(siteHoldRecheck))
	}
	if s, _ := site.Load().(string); s != "mx1.example.test" {
		t.Errorf("hold asked for site %q, want mx1.example.test", s)
	}
	if n := h.dials.Load(); n != 0 {
		t.Errorf("%d connections to a held site", n)
	}
	if r := h.rcptInfo(id, 0); r.Attempts != 0 || r.State != "deferred" || !r.Next.Equal(t0.Add(siteHoldRecheck)) {
		t.Errorf("spool: %d attempts, %s until %v; want 0, deferred until the recheck", r.Attempts, r.State, r.Next)
	}
	held.Store(false)
	h.advance(siteHoldRecheck)
	if ev := h.events.wait(t, "r@example.test", 2, "delivered"); ev.Attempt != 1 {
		t.Errorf("delivered on attempt %d after the hold, want 1", ev.Attempt)
	}
}

// TestShapingSuspensionDefersToItsEnd: a connection failure suspends the
// site (a rule that suspends after one, for 5 minutes, shorter than the
// retry delay) and is itself an ordinary deferral, counted; mail that
// comes for the site while it is suspended is deferred to the end of the
// suspension, without dialling and without counting an attempt.
func TestShapingSuspensionDefersToItsEnd(t *testing.T) {
	t.Parallel()
	const suspendFor = 5 * time.Minute
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Routes = []Route{{Domain: "down.test", Host: closedPort(t)}}
		cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: shaping.DefaultRuleName, SuspendAfter: 1, SuspendFor: suspendFor}})
	})
	t0 := h.clk.Now()
	first := h.enqueue([]string{"a@down.test"}, nil)
	h.start()
	ev := h.events.wait(t, "a@down.test", 1, "deferred")
	if !ev.Retry.Equal(t0.Add(testRetry.First)) || h.rcptInfo(first, 0).Attempts != 1 {
		t.Errorf("the failed connection: deferred until %v with %d attempts; want %v, 1",
			ev.Retry, h.rcptInfo(first, 0).Attempts, t0.Add(testRetry.First))
	}
	h.clk.Advance(time.Minute)
	second := h.enqueue([]string{"b@down.test"}, nil)
	ev = h.events.wait(t, "b@down.test", 1, "deferred")
	if !ev.Retry.Equal(t0.Add(suspendFor)) || !strings.Contains(ev.Reply, "suspended") {
		t.Errorf("during the suspension: deferred until %v with %q; want %v, suspended", ev.Retry, ev.Reply, t0.Add(suspendFor))
	}
	if r := h.rcptInfo(second, 0); r.Attempts != 0 || !r.Next.Equal(t0.Add(suspendFor)) {
		t.Errorf("spool: %d attempts, next %v; want 0, the end of the suspension", r.Attempts, r.Next)
	}
	if n := h.dials.Load(); n != 1 {
		t.Errorf("%d connection attempts, want 1 (none while suspended)", n)
	}
}

// newPolicy returns a shaping policy on the harness's clock.
func newPolicy(t *testing.T, h *harness, rules []shaping.Rule) *shaping.Policy {
	t.Helper()
	p, err := shaping.New(rules, shaping.Options{Now: h.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
