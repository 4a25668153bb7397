package submit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"sluice/internal/clock"
)

// Limit is one tenant's submission limits. The zero Limit is unlimited.
type Limit struct {
	// Rate is in messages per second; 0: no rate limit.
	Rate float64
	// Burst is how many messages may come at once within Rate; 0:
	// Rate rounded up, at least 1.
	Burst int
	// Daily is the messages per UTC day; 0: no quota.
	Daily int64
}

// LocalLimiterConfig configures a LocalLimiter.
type LocalLimiterConfig struct {
	// Limits by tenant name; a tenant not listed is unlimited.
	Limits map[string]Limit
	// StatePath, when set, is a file that keeps the day's counts across
	// restarts (written by Run and Save; a crash loses the counts since
	// the last write, so the quota errs towards accepting). Empty: the
	// counts start at 0 at each start.
	StatePath string
	// SaveEvery is how often Run writes the counts when they changed.
	// Default 10s.
	SaveEvery time.Duration
	// Now is the clock: the rate's refill and the UTC day. Default
	// clock.Now.
	Now func() time.Time
	// Logger receives Run's failures to save. Default slog.Default().
	Logger *slog.Logger
}

// LocalLimiter is the TenantLimiter of one node: a token bucket per
// tenant for the rate (in memory: a restart refills it, which a second's
// budget can afford) and a count per tenant for the UTC day.
type LocalLimiter struct {
	cfg LocalLimiterConfig
	// limits are the limits by tenant in force: cfg.Limits, then each
	// SetLimits' (limitreload.go).
	limits atomic.Pointer[map[string]Limit]

	mu      sync.Mutex
	buckets map[string]*bucket
	day     int64 // the UTC day of counts, in days since 1970
	counts  map[string]int64
	dirty   bool // counts changed since the last save

	shared atomic.Pointer[sharedLimiter] // SetShared: the fleet counts
}

// sharedLimiter boxes a TenantLimiter for an atomic pointer.
type sharedLimiter struct{ TenantLimiter }

var _ TenantLimiter = (*LocalLimiter)(nil)

// bucket is a token bucket: tokens refill at the tenant's rate up to its
// burst, and each message takes one.
type bucket struct {
	tokens float64
	last   time.Time
}

// NewLocalLimiter returns a limiter for cfg, with the counts of today
// read from cfg.StatePath when it holds them (a file of another day, or
// none, starts from 0; an unreadable one is an error).
func NewLocalLimiter(cfg LocalLimiterConfig) (*LocalLimiter, error) {
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SaveEvery <= 0 {
		cfg.SaveEvery = 10 * time.Second
	}
	if err := checkLimits(cfg.Limits); err != nil {
		return nil, err
	}
	l := &LocalLimiter{cfg: cfg, buckets: map[string]*bucket{}, counts: map[string]int64{}, day: utcDay(cfg.Now())}
	limits := maps.Clone(cfg.Limits)
	l.limits.Store(&limits)
	if err := l.load(); err != nil {
		return nil, err
	}
	return l, nil
}

// utcDay is t's day in UTC, counted from 1970-01-01.
func utcDay(t time.Time) int64 {
	return int64(math.Floor(float64(t.Unix()) / 86400))
}

// SetShared hands the decisions to s, a limiter that counts across the
// nodes of a fleet (fleet.TenantLimits, made from Limits): from then on
// Allow is s's answer, and Accepted counts in s as well as here (Count
// stays this node's). A node joins its fleet after its submission
// backend is built, hence a setter; nil goes back to counting alone.
func (l *LocalLimiter) SetShared(s TenantLimiter) {
	if s == nil {
		l.shared.Store(nil)
		return
	}
	l.shared.Store(&sharedLimiter{s})
}

// Limits returns a copy of the limits by tenant.
func (l *LocalLimiter) Limits() map[string]Limit {
	return maps.Clone(*l.limits.Load())
}

// Allow implements TenantLimiter: the daily quota first (a refusal then
// takes no token), then the rate. With a shared limiter set, its answer.
func (l *LocalLimiter) Allow(ctx context.Context, tenant string) (bool, time.Duration, string) {
	lim, ok := (*l.limits.Load())[tenant]
	if !ok || (lim.Rate == 0 && lim.Daily == 0) {
		return true, 0, ""
	}
	if s := l.shared.Load(); s != nil {
		return s.Allow(ctx, tenant)
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollover(now)
	if lim.Daily > 0 && l.counts[tenant] >= lim.Daily {
		next := time.Unix((l.day+1)*86400, 0)
		return false, next.Sub(now), LimitDaily
	}
	if lim.Rate > 0 {
		burst := float64(lim.Burst)
		if burst == 0 {
			burst = max(1, math.Ceil(lim.Rate))
		}
		b := l.buckets[tenant]
		if b == nil {
			b = &bucket{tokens: burst, last: now}
			l.buckets[tenant] = b
		}
		if dt := now.Sub(b.last).Seconds(); dt > 0 { // a clock going back refills nothing
			b.tokens = min(burst, b.tokens+dt*lim.Rate)
		}
		b.last = now
		if b.tokens < 1 {
			wait := time.Duration((1 - b.tokens) / lim.Rate * float64(time.Second))
			return false, wait, LimitRate
		}
		b.tokens--
	}
	return true, 0, ""
}

// Accepted implements TenantLimiter: it counts n messages of the UTC day
// for a tenant with a daily quota (and in the shared limiter, if set).
func (l *LocalLimiter) Accepted(ctx context.Context, tenant string, n int) {
	if lim, ok := (*l.limits.Load())[tenant]; !ok || lim.Daily == 0 || n <= 0 {
		return
	}
	if s := l.shared.Load(); s != nil {
		s.Accepted(ctx, tenant, n)
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollover(now)
	l.counts[tenant] += int64(n)
	l.dirty = true
}

// Count returns the messages counted today for tenant (for the admin API
// and tests).
func (l *LocalLimiter) Count(tenant string) int64 {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollover(now)
	return l.counts[tenant]
}

// rollover starts a new day's counts when now is past the counted day.
// Called with l.mu held.
func (l *LocalLimiter) rollover(now time.Time) {
	if d := utcDay(now); d > l.day {
		l.day = d
		clear(l.counts)
		l.dirty = true
	}
}

// stateFile is what StatePath holds.
type stateFile struct {
	Day    int64            `json:"day"` // UTC days since 1970
	Counts map[string]int64 `json:"counts"`
}

// load reads the counts from StatePath when they are today's.
func (l *LocalLimiter) load() error {
	if l.cfg.StatePath == "" {
		return nil
	}
	raw, err := os.ReadFile(l.cfg.StatePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("submit: tenant limit state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("submit: tenant limit state %s: %w", l.cfg.StatePath, err)
	}
	if st.Day == l.day {
		for t, n := range st.Counts {
			if n > 0 {
				l.counts[t] = n
			}
		}
	}
	return nil
}

// Save writes the day's counts to StatePath (if set and changed): a
// temporary file renamed over the old one, so a crash leaves one or the
// other whole.
func (l *LocalLimiter) Save() error {
	if l.cfg.StatePath == "" {
		return nil
	}
	l.mu.Lock()
	if !l.dirty {
		l.mu.Unlock()
		return nil
	}
	raw, err := json.Marshal(stateFile{Day: l.day, Counts: l.counts})
	l.dirty = false
	l.mu.Unlock()
	if err == nil {
		err = writeFileAtomic(l.cfg.StatePath, raw)
	}
	if err != nil {
		l.mu.Lock()
		l.dirty = true
		l.mu.Unlock()
		return fmt.Errorf("submit: save tenant limit state: %w", err)
	}
	return nil
}

// Run saves the counts every SaveEvery until ctx ends, then once more
// (that last save's error is returned). Without a StatePath it returns
// at once.
func (l *LocalLimiter) Run(ctx context.Context) error {
	if l.cfg.StatePath == "" {
		return nil
	}
	t := time.NewTicker(l.cfg.SaveEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return l.Save()
		case <-t.C:
			if err := l.Save(); err != nil {
				// Kept dirty: the next tick tries again.
				l.cfg.Logger.Warn("tenant limit state not saved", "err", err)
			}
		}
	}
}

// writeFileAtomic writes raw to path through a temporary file in the
// same directory, fsync'd, then renamed.
func writeFileAtomic(path string, raw []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(raw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
