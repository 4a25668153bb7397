package submit

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// limitClock is a settable clock for a limiter.
type limitClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *limitClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *limitClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// limitServer runs a submission server for tenants acme, beta and free
// (no limits) with a LocalLimiter of limits on clock.
func limitServer(t *testing.T, clock *limitClock, limits map[string]Limit) (*testServer, *LocalLimiter) {
	t.Helper()
	lim, err := NewLocalLimiter(LocalLimiterConfig{Limits: limits, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, Config{Limiter: lim},
		&Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}},
		&Tenant{Name: "beta", Username: "beta", SenderDomains: []string{"beta.example"}},
		&Tenant{Name: "free", Username: "free", SenderDomains: []string{"free.example"}})
	return ts, lim
}

// submit sends one message from user's domain and returns the reply to
// MAIL FROM when it is not 250, else the final reply.
func submit(c *rawClient, user string, rcpts ...string) string {
	c.t.Helper()
	from := "app@" + user + ".example"
	if r := c.cmd("MAIL FROM:<" + from + ">"); !strings.HasPrefix(r, "250") {
		return r
	}
	if len(rcpts) == 0 {
		rcpts = []string{"r@example.net"}
	}
	for _, to := range rcpts {
		c.want(c.cmd("RCPT TO:<"+to+">"), "250")
	}
	c.want(c.cmd("DATA"), "354")
	c.write("From: " + from + "\r\nSubject: hi\r\n\r\nhello\r\n.\r\n")
	return c.reply()
}

// TestTenantRateLimit: within its rate and burst a tenant is never
// refused; over it MAIL FROM gets 451 4.7.1 with the limit and the wait;
// the refill lets it send again; the other tenants never notice.
func TestTenantRateLimit(t *testing.T) {
	t.Parallel()
	clock := &limitClock{t: time.Date(2027, 5, 4, 10, 0, 0, 0, time.UTC)}
	ts, _ := limitServer(t, clock, map[string]Limit{"acme": {Rate: 2, Burst: 3}, "beta": {Rate: 100}})
	acme := dialRaw(t, ts.addr).login("acme")
	beta := dialRaw(t, ts.addr).login("beta")
	free := dialRaw(t, ts.addr).login("free")

	// Under the limit: 2 a second for 5 seconds, nothing refused.
	for i := range 10 {
		if r := submit(acme, "acme"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("message %d under the rate: %q", i, r)
		}
		clock.Add(500 * time.Millisecond)
	}
	// The burst, then a refusal that says why and for how long.
	for i := range 3 {
		if r := submit(acme, "acme"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("burst message %d: %q", i, r)
		}
	}
	r := submit(acme, "acme")
	if r != "451 4.7.1 Message rate limit exceeded for this account, try again in 1s" {
		t.Fatalf("over the rate: %q", r)
	}
	if n := ts.rejected(LimitRate); n != 1 {
		t.Fatalf("%s counted %d times", LimitRate, n)
	}
	// The others are not affected: beta under its own rate, free without one.
	for i := range 20 {
		if r := submit(beta, "beta"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("beta message %d while acme is limited: %q", i, r)
		}
		if r := submit(free, "free"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("free message %d while acme is limited: %q", i, r)
		}
	}
	// Half a second later one token is back.
	clock.Add(500 * time.Millisecond)
	if r := submit(acme, "acme"); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("after the refill: %q", r)
	}
	if r := submit(acme, "acme"); !strings.HasPrefix(r, "451 4.7.1 ") {
		t.Fatalf("second after the refill: %q", r)
	}
}

// TestTenantDailyQuota: a tenant's messages (not recipients) of the UTC
// day are counted; once its quota is used MAIL FROM gets 451 4.7.1 until
// midnight UTC, and the next day it is accepted again; another tenant's
// quota is its own.
func TestTenantDailyQuota(t *testing.T) {
	t.Parallel()
	clock := &limitClock{t: time.Date(2027, 5, 4, 23, 59, 0, 0, time.UTC)}
	ts, lim := limitServer(t, clock, map[string]Limit{"acme": {Daily: 3}, "beta": {Daily: 3}})
	acme := dialRaw(t, ts.addr).login("acme")
	beta := dialRaw(t, ts.addr).login("beta")
	for i := range 3 {
		// Three recipients each: the quota counts messages.
		if r := submit(acme, "acme", "a@example.net", "b@example.net", "c@example.net"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("message %d under the quota: %q", i, r)
		}
	}
	if n := lim.Count("acme"); n != 3 {
		t.Fatalf("counted %d, want 3 messages", n)
	}
	r := submit(acme, "acme")
	if r != "451 4.7.1 Daily message quota exceeded for this account, try again after 00:00 UTC (in 60s)" {
		t.Fatalf("over the quota: %q", r)
	}
	if n := ts.rejected(LimitDaily); n != 1 {
		t.Fatalf("%s counted %d times", LimitDaily, n)
	}
	if r := submit(beta, "beta"); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("beta while acme is over its quota: %q", r)
	}
	clock.Add(59 * time.Second) // 23:59:59: still today
	if r := submit(acme, "acme"); !strings.HasPrefix(r, "451 4.7.1 ") {
		t.Fatalf("a second before midnight: %q", r)
	}
	clock.Add(time.Second) // 00:00:00 UTC
	for i := range 3 {
		if r := submit(acme, "acme"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("next day, message %d: %q", i, r)
		}
	}
	if r := submit(acme, "acme"); !strings.HasPrefix(r, "451 4.7.1 Daily") {
		t.Fatalf("next day over the quota: %q", r)
	}
}

// TestLocalLimiterStateSurvivesRestart: the day's counts are saved and
// read back by a new limiter the same UTC day, and not on the next.
func TestLocalLimiterStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tenant-limits.json")
	clock := &limitClock{t: time.Date(2027, 5, 4, 12, 0, 0, 0, time.UTC)}
	cfg := LocalLimiterConfig{Limits: map[string]Limit{"acme": {Daily: 5}}, StatePath: path, Now: clock.Now}
	lim, err := NewLocalLimiter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lim.Accepted(ctx, "acme", 4)
	lim.Accepted(ctx, "nobody", 4) // no quota: not counted
	runCtx, cancel := context.WithCancel(ctx)
	cancel()
	if err := lim.Run(runCtx); err != nil { // saves once at the end
		t.Fatal(err)
	}
	again, err := NewLocalLimiter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := again.Count("acme"); n != 4 {
		t.Fatalf("after a restart: %d, want 4", n)
	}
	if ok, _, _ := again.Allow(ctx, "acme"); !ok {
		t.Fatal("refused under the quota")
	}
	again.Accepted(ctx, "acme", 1)
	if ok, wait, reason := again.Allow(ctx, "acme"); ok || reason != LimitDaily || wait != 12*time.Hour {
		t.Fatalf("Allow = %v, %v, %q; want refused for 12h", ok, wait, reason)
	}
	clock.Add(12 * time.Hour)
	next, err := NewLocalLimiter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := next.Count("acme"); n != 0 {
		t.Fatalf("next day after a restart: %d, want 0", n)
	}
}

func TestNewLocalLimiterRefusesBadLimits(t *testing.T) {
	t.Parallel()
	for _, l := range []Limit{{Rate: -1}, {Burst: -1}, {Daily: -1}} {
		if _, err := NewLocalLimiter(LocalLimiterConfig{Limits: map[string]Limit{"acme": l}}); err == nil {
			t.Errorf("%+v accepted", l)
		}
	}
	if _, err := NewLocalLimiter(LocalLimiterConfig{StatePath: filepath.Join(t.TempDir(), "missing", "x.json")}); err != nil {
		t.Errorf("a missing state file: %v", err)
	}
}

// TestLimitErrorTexts: the replies name the limit; a limiter's unknown
// reason gets a generic one.
func TestLimitErrorTexts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reason string
		wait   time.Duration
		want   string
	}{
		{LimitRate, 10 * time.Millisecond, "451 4.7.1 Message rate limit exceeded for this account, try again in 1s"},
		{LimitDaily, 90 * time.Minute, "451 4.7.1 Daily message quota exceeded for this account, try again after 00:00 UTC (in 5400s)"},
		{"fleet", 0, "451 4.7.1 Sending limit exceeded for this account, try again in 1s"},
	} {
		e := limitError(tc.reason, tc.wait)
		if got := fmt.Sprintf("%d %d.%d.%d %s", e.Code, e.EnhancedCode[0], e.EnhancedCode[1], e.EnhancedCode[2], e.Message); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.reason, got, tc.want)
		}
	}
}
