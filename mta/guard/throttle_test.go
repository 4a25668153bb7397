package guard

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/internal/clock"
)

// fakeTime is one test's clock; its Sleep advances it instead of waiting
// and records each delay.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	delays []time.Duration
}

func newFakeTime() *fakeTime { return &fakeTime{now: clock.Now()} }

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeTime) Sleep(_ context.Context, d time.Duration) error {
	f.mu.Lock()
	f.delays = append(f.delays, d)
	f.mu.Unlock()
	f.advance(d)
	return nil
}

func (f *fakeTime) lastDelay() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.delays) == 0 {
		return 0
	}
	return f.delays[len(f.delays)-1]
}

func newThrottle(t *testing.T, cfg ThrottleConfig) (*Throttle, *fakeTime, *bytes.Buffer) {
	t.Helper()
	ft := newFakeTime()
	var logs bytes.Buffer
	cfg.Now, cfg.Sleep = ft.Now, ft.Sleep
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	th, err := NewThrottle(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return th, ft, &logs
}

var (
	addrA = netip.MustParseAddr("192.0.2.1")
	addrB = netip.MustParseAddr("192.0.2.2")
)

// fail runs one failed attempt in a fresh session; it returns the delay
// imposed and the Begin refusal or Failed outcome.
func fail(t *testing.T, th *Throttle, ft *fakeTime, addr netip.Addr, user string) (time.Duration, error) {
	t.Helper()
	n := len(ft.delays)
	a, err := th.Session(addr).Begin(context.Background(), user)
	if err != nil {
		return 0, err
	}
	var d time.Duration
	if len(ft.delays) > n {
		d = ft.lastDelay()
	}
	return d, a.Failed()
}

// Failures are free, then delayed (doubling, capped), then locked for
// LockFor, with one log line per lockout; the same username from another
// address is unaffected.
func TestThrottleDelaysThenLocks(t *testing.T) {
	t.Parallel()
	th, ft, logs := newThrottle(t, ThrottleConfig{MaxDelay: 4 * time.Second})
	wantDelays := []time.Duration{0, 0, 0, 1 * time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, want := range wantDelays {
		d, err := fail(t, th, ft, addrA, "tenant")
		if err != nil || d != want {
			t.Fatalf("failure %d: delay %v, err %v; want %v, nil", i+1, d, err, want)
		}
	}
	// The 10th failure locks the pair and hangs up.
	_, err := fail(t, th, ft, addrA, "tenant")
	if r, ok := IsRefusal(err); !ok || r.Reason != "locked" || !r.Hangup {
		t.Fatalf("10th failure: %v, want a locked refusal with hangup", err)
	}
	if n := strings.Count(logs.String(), "auth lockout"); n != 1 {
		t.Fatalf("%d lockout lines, want 1:\n%s", n, logs)
	}
	_, err = fail(t, th, ft, addrA, "tenant")
	if r, ok := IsRefusal(err); !ok || r.Reason != "locked" || r.SMTPError().Code != 454 {
		t.Fatalf("attempt while locked: %v, want a 454 locked refusal", err)
	}
	// Another address: the same username is not locked, not even delayed.
	a, err := th.Session(addrB).Begin(context.Background(), "tenant")
	if err != nil {
		t.Fatalf("same user from another address: %v", err)
	}
	a.Succeeded()
	// After the cooling period the pair may try again (delayed).
	ft.advance(10 * time.Minute)
	a, err = th.Session(addrA).Begin(context.Background(), "tenant")
	if err != nil {
		t.Fatalf("after LockFor: %v", err)
	}
	if ft.lastDelay() != 4*time.Second {
		t.Fatalf("delay after the lock = %v, want the maximum", ft.lastDelay())
	}
	a.Succeeded()
	if _, pairs := th.Len(); pairs != 0 {
		t.Fatalf("a success left %d pair records, want 0", pairs)
	}
}

// Many usernames from one address lock the address (a spray), and a
// success does not reset the address: other usernames stay refused (the
// pair that succeeded is only delayed: TestThrottleNATKeepsGoodPairs).
func TestThrottleLocksAddressSpray(t *testing.T) {
	t.Parallel()
	th, ft, _ := newThrottle(t, ThrottleConfig{AddrLimit: 5})
	for i := range 4 {
		if _, err := fail(t, th, ft, addrA, fmt.Sprintf("u%d", i)); err != nil {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	a, _ := th.Session(addrA).Begin(context.Background(), "tenant")
	a.Succeeded()
	_, err := fail(t, th, ft, addrA, "u9")
	if r, ok := IsRefusal(err); !ok || r.Reason != "locked" {
		t.Fatalf("5th failure from the address: %v, want locked", err)
	}
	if _, err := th.Session(addrA).Begin(context.Background(), "u10"); err == nil {
		t.Fatal("a locked address may still try")
	}
}

// One session is disconnected after SessionLimit failures.
func TestThrottleSessionLimit(t *testing.T) {
	t.Parallel()
	th, _, _ := newThrottle(t, ThrottleConfig{})
	s := th.Session(addrA)
	for i := 1; i <= 3; i++ {
		a, err := s.Begin(context.Background(), fmt.Sprintf("u%d", i))
		if err != nil {
			t.Fatal(err)
		}
		err = a.Failed()
		if i < 3 && err != nil {
			t.Fatalf("failure %d: %v", i, err)
		}
		if i == 3 {
			r, ok := IsRefusal(err)
			if !ok || r.Reason != "session_limit" || !r.Hangup || r.SMTPError().Code != 421 {
				t.Fatalf("3rd failure: %v, want a 421 session_limit hangup", err)
			}
		}
	}
	if _, err := s.Begin(context.Background(), "u4"); err == nil {
		t.Fatal("a session past its limit may still try")
	}
}

// While a delayed key has an attempt in progress, a parallel one is
// refused at once: parallel sessions do not multiply the guessing rate.
func TestThrottleRefusesParallelOnDelayedKey(t *testing.T) {
	t.Parallel()
	th, ft, _ := newThrottle(t, ThrottleConfig{})
	for range 3 {
		fail(t, th, ft, addrA, "tenant")
	}
	first, err := th.Session(addrA).Begin(context.Background(), "tenant")
	if err != nil {
		t.Fatal(err)
	}
	_, err = th.Session(addrA).Begin(context.Background(), "tenant")
	if r, ok := IsRefusal(err); !ok || r.Reason != "concurrent" || r.Hangup {
		t.Fatalf("parallel attempt: %v, want a concurrent refusal", err)
	}
	first.Failed()
	// Keys with free failures left run in parallel.
	x, err1 := th.Session(addrB).Begin(context.Background(), "tenant")
	y, err2 := th.Session(addrB).Begin(context.Background(), "tenant")
	if err1 != nil || err2 != nil {
		t.Fatalf("parallel attempts on a clean key: %v, %v", err1, err2)
	}
	x.Abandon()
	y.Abandon()
}

// The verification cap holds, suspect attempts get at most half of it, and
// a wait past VerifyWait is refused (454, the session goes on).
func TestThrottleVerifyCap(t *testing.T) {
	t.Parallel()
	th, ft, _ := newThrottle(t, ThrottleConfig{MaxVerify: 2, VerifyWait: 50 * time.Millisecond})
	fail(t, th, ft, addrA, "tenant") // addrA now suspect
	suspect1, _ := th.Session(addrA).Begin(context.Background(), "tenant")
	suspect2, _ := th.Session(addrA).Begin(context.Background(), "other")
	rel1, err := suspect1.Acquire()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := suspect2.Acquire(); err == nil {
		t.Fatal("a second suspect took the slot kept for clean clients")
	} else if r, _ := IsRefusal(err); r.Reason != "busy" || r.Hangup || r.SMTPError().Code != 454 {
		t.Fatalf("suspect over the cap: %v", err)
	}
	clean, _ := th.Session(addrB).Begin(context.Background(), "tenant")
	rel2, err := clean.Acquire()
	if err != nil {
		t.Fatalf("clean client: %v", err)
	}
	clean2, _ := th.Session(netip.MustParseAddr("192.0.2.3")).Begin(context.Background(), "x")
	if _, err := clean2.Acquire(); err == nil {
		t.Fatal("the cap of 2 let a third verification run")
	}
	rel1()
	rel1() // idempotent
	rel3, err := clean2.Acquire()
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	rel2()
	rel3()
}

// Memory is bounded: a spray from many addresses keeps at most MaxEntries
// records per table, and records are forgotten after Forget.
func TestThrottleMemoryBounded(t *testing.T) {
	t.Parallel()
	th, ft, _ := newThrottle(t, ThrottleConfig{MaxEntries: 100})
	for i := range 1000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		fail(t, th, ft, a, "tenant")
	}
	if addrs, pairs := th.Len(); addrs != 100 || pairs != 100 {
		t.Fatalf("Len() = %d, %d; want 100, 100", addrs, pairs)
	}
	ft.advance(time.Hour)
	fail(t, th, ft, addrA, "tenant")
	if addrs, pairs := th.Len(); addrs > 100-15 || pairs > 100-15 {
		t.Fatalf("expired records not swept: Len() = %d, %d", addrs, pairs)
	}
	// A clean success records nothing.
	th2, _, _ := newThrottle(t, ThrottleConfig{})
	a, _ := th2.Session(addrA).Begin(context.Background(), "tenant")
	a.Succeeded()
	if addrs, pairs := th2.Len(); addrs+pairs != 0 {
		t.Fatalf("clean success left records: %d, %d", addrs, pairs)
	}
}

// Over SMTP, as the review did: 200 wrong passwords for one username from
// 127.0.0.1 (reconnecting whenever hung up) run at most PairLimit
// verifications; the same username from 127.0.0.2 still logs in.
func TestThrottleOverSMTP(t *testing.T) {
	t.Parallel()
	th, ft, _ := newThrottle(t, ThrottleConfig{})
	l, b := serve(t, ListenerConfig{}, th)
	var c *client
	codes := map[string]int{}
	for range 200 {
		if c == nil {
			c = dialFrom(t, l, "127.0.0.1")
			c.line()
			c.cmd("EHLO attacker.test")
		}
		got := c.cmd(plain("user", "guess"))
		codes[got[:3]]++
		if strings.HasPrefix(got, "421 ") {
			if !c.closed() {
				t.Fatal("421 without closing the connection")
			}
			c.c.Close()
			c = nil
		}
	}
	if n := b.checks.Load(); n > 10 {
		t.Fatalf("%d password verifications for 200 guesses, want at most 10", n)
	}
	if codes["454"] == 0 || codes["421"] == 0 {
		t.Fatalf("replies %v: want 454 refusals and 421 hangups", codes)
	}
	if len(ft.delays) == 0 {
		t.Fatal("no delay was imposed")
	}
	if c != nil {
		c.c.Close()
	}
	good := dialFrom(t, l, "127.0.0.2")
	good.line()
	good.cmd("EHLO tenant.test")
	if got := good.cmd(plain("user", "secret")); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("same username from another address: %q", got)
	}
	waitStats(t, l, Stats{Conns: 1, Addrs: 1})
}

// The review's finding 8: 30 failures of other usernames from a shared
// NAT address locked every tenant behind it. A pair that logged in
// recently from the address is now only delayed by the address's lock,
// a credential the caller already knows right (BeginKnown) is neither
// delayed nor refused, and a username with no success stays refused.
func TestThrottleNATKeepsGoodPairs(t *testing.T) {
	t.Parallel()
	th, ft, _ := newThrottle(t, ThrottleConfig{})
	a, err := th.Session(addrA).Begin(context.Background(), "tenant")
	if err != nil {
		t.Fatal(err)
	}
	a.Succeeded()
	var locked bool
	for i := range 30 {
		_, err := fail(t, th, ft, addrA, fmt.Sprintf("guess%d", i))
		if r, ok := IsRefusal(err); ok && r.Reason == "locked" {
			locked = true
		}
	}
	if !locked {
		t.Fatal("30 failures from one address did not lock it")
	}
	if _, err := th.Session(addrA).Begin(context.Background(), "stranger"); err == nil {
		t.Fatal("a username with no success may try from the locked address")
	}
	n := len(ft.delays)
	a, err = th.Session(addrA).Begin(context.Background(), "tenant")
	if err != nil {
		t.Fatalf("the tenant that logged in from the address: %v, want a delayed attempt", err)
	}
	if len(ft.delays) == n || ft.lastDelay() != 16*time.Second {
		t.Fatalf("tenant's delay %v, want the address's 16s", ft.lastDelay())
	}
	a.Succeeded()
	n = len(ft.delays)
	k, err := th.Session(addrA).BeginKnown(context.Background(), "other-tenant")
	if err != nil || len(ft.delays) != n {
		t.Fatalf("known credentials from the locked address: %v (delays %v)", err, ft.delays[n:])
	}
	k.Succeeded()
	// The memory of a success fades: after RememberSuccess (24h) and a
	// fresh lock, the tenant is refused like anyone else.
	ft.advance(25 * time.Hour)
	for i := range 30 {
		fail(t, th, ft, addrA, fmt.Sprintf("late%d", i))
	}
	if _, err := th.Session(addrA).Begin(context.Background(), "tenant"); err == nil {
		t.Fatal("a success 25h ago still exempts the pair")
	}
}
