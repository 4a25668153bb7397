package shaping

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"sluice/internal/clock"
)

// IP warm-up. A receiver judges a new sending address by what it sends in
// its first weeks: a new IP that sends a full campaign on its first day
// looks like a spammer's fresh address, and is throttled or blocked. So a
// source marked new sends each site only a growing daily allowance (a
// curve of messages per day per site, over about a month); what does not
// fit today goes from the source's pool peers, or waits for tomorrow.
//
// A site here is a shaping rule ("gmail", "outlook", "yahoo", or
// "default" for every site no rule matches: [Site.Rule]), since that is
// the level at which receivers and published warm-up schedules count.
// Days are UTC calendar days, day 1 being the source's start date. The
// counts of the current day are kept in a small JSON file (written by
// Flush), so a restart does not hand out a day's allowance twice; at most
// the messages counted since the last flush are forgotten by a crash.

// DefaultWarmupCurve returns the shipped warm-up curve: messages per day
// per site for days 1 to 30 (after the last day the source is warm and
// unlimited). It starts where the large mailbox providers' published
// guidance starts (a few dozen to a few hundred a day) and grows by about
// a third a day, reaching 300,000 a day per site on day 30.
func DefaultWarmupCurve() []int {
	return []int{
		50, 100, 150, 250, 400, 600, 900, 1300, 1800, 2500,
		3500, 5000, 7000, 9500, 13000, 17000, 22000, 28000, 35000, 43000,
		52000, 62000, 75000, 90000, 110000, 135000, 165000, 200000, 250000, 300000,
	}
}

// WarmupSource is one source on a warm-up schedule.
type WarmupSource struct {
	// Name is the egress source's name (delivery's Source.Name).
	Name string
	// Start is day 1 (its UTC date counts). Zero: the first day the
	// source is seen on a schedule, recorded in the state file so that a
	// restart keeps counting from it. Before Start the source sends
	// nothing to any site.
	Start time.Time
	// Curve is the allowance per site for day 1, 2, …; nil: the shipped
	// DefaultWarmupCurve. After its last day the source is unlimited.
	Curve []int
	// Sites replaces Curve for the sites named (a shaping rule name).
	Sites map[string][]int
}

// WarmupOptions configures a Warmup.
type WarmupOptions struct {
	// Sources are the sources on a schedule; every other source is
	// unlimited.
	Sources []WarmupSource
	// Path is the state file (JSON); "" keeps the state in memory only.
	Path string
	// Now is the clock [clock.Now].
	Now func() time.Time
}

// Warmup counts what each source on a schedule sent each site today. A
// nil *Warmup allows everything. Safe for concurrent use.
type Warmup struct {
	now  func() time.Time
	path string

	mu      sync.Mutex
	sources map[string]*warmSource
	dirty   bool
	shared  WarmupShared // nil: sources[…].sent decides (SetShared)
}

// warmSource is one source's schedule and today's counts.
type warmSource struct {
	cfg   WarmupSource
	start time.Time      // UTC midnight of day 1
	date  time.Time      // UTC midnight of the day counted in sent
	sent  map[string]int // site (rule name) → messages taken on date
}

// warmupState is the state file's layout.
type warmupState struct {
	Version int                         `json:"version"`
	Sources map[string]warmupSourceFile `json:"sources"`
}

type warmupSourceFile struct {
	Start string         `json:"start"` // 2006-01-02
	Date  string         `json:"date"`
	Sent  map[string]int `json:"sent,omitempty"`
}

const dateLayout = "2006-01-02"

// utcDay returns the UTC midnight that starts t's UTC day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// NewWarmup checks the schedules and loads the state file.
func NewWarmup(o WarmupOptions) (*Warmup, error) {
	w := &Warmup{now: o.Now, path: o.Path, sources: map[string]*warmSource{}}
	if w.now == nil {
		w.now = clock.Now
	}
	var st warmupState
	if o.Path != "" {
		if err := readJSON(o.Path, &st); err != nil {
			return nil, err
		}
	}
	today := utcDay(w.now())
	for _, s := range o.Sources {
		if s.Name == "" {
			return nil, fmt.Errorf("shaping: warm-up source without a name")
		}
		if _, dup := w.sources[s.Name]; dup {
			return nil, fmt.Errorf("shaping: warm-up source %q listed twice", s.Name)
		}
		if err := checkCurve(s.Curve); err != nil {
			return nil, fmt.Errorf("shaping: warm-up source %q: curve: %w", s.Name, err)
		}
		for site, c := range s.Sites {
			if err := checkCurve(c); err != nil || len(c) == 0 {
				if err == nil {
					err = fmt.Errorf("empty")
				}
				return nil, fmt.Errorf("shaping: warm-up source %q: site %q: curve: %w", s.Name, site, err)
			}
		}
		if s.Curve == nil {
			s.Curve = DefaultWarmupCurve()
		}
		ws := &warmSource{cfg: s, date: today, sent: map[string]int{}}
		saved, had := st.Sources[s.Name]
		switch {
		case !s.Start.IsZero():
			ws.start = utcDay(s.Start)
		case had:
			t, err := time.Parse(dateLayout, saved.Start)
			if err != nil {
				return nil, fmt.Errorf("shaping: %s: source %q: start: %w", o.Path, s.Name, err)
			}
			ws.start = t
		default:
			ws.start = today
			w.dirty = true
		}
		if had && saved.Date == today.Format(dateLayout) {
			for site, n := range saved.Sent {
				ws.sent[site] = max(n, 0)
			}
		}
		w.sources[s.Name] = ws
	}
	return w, nil
}

func checkCurve(c []int) error {
	for i, n := range c {
		if n < 0 {
			return fmt.Errorf("day %d: negative allowance %d", i+1, n)
		}
	}
	return nil
}

// Warm reports whether source is on a schedule at all.
func (w *Warmup) Warm(source string) bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.sources[source]
	return ok
}

// roll moves ws to today, forgetting yesterday's counts. The caller holds
// w.mu.
func (w *Warmup) roll(ws *warmSource, today time.Time) {
	if !ws.date.Equal(today) {
		ws.date = today
		clear(ws.sent)
		w.dirty = true
	}
}

// allowance is the day's allowance of ws at site: -1 unlimited.
func (ws *warmSource) allowance(site string, today time.Time) (day, allow int) {
	day = int(today.Sub(ws.start)/(24*time.Hour)) + 1
	if day < 1 {
		return day, 0
	}
	curve := ws.cfg.Curve
	if c, ok := ws.cfg.Sites[site]; ok {
		curve = c
	}
	if day > len(curve) {
		return day, -1
	}
	return day, curve[day-1]
}

// Take asks for n messages from source to site (a shaping rule name)
// today and returns how many it may send: n for a source on no schedule
// or past its curve, else what is left of today's allowance, at most n
// (the fleet's, when shared). What it returns is counted as sent; give
// back what was not with Give.
func (w *Warmup) Take(source, site string, n int) int {
	if w == nil || n <= 0 {
		return max(n, 0)
	}
	today := utcDay(w.now())
	w.mu.Lock()
	ws, ok := w.sources[source]
	if !ok {
		w.mu.Unlock()
		return n
	}
	w.roll(ws, today)
	_, allow := ws.allowance(site, today)
	shared := w.shared
	if allow > 0 && shared != nil {
		// The fleet counts; asked without the lock (a round trip).
		w.mu.Unlock()
		n = shared.Take(source, site, today, n, allow)
		w.mu.Lock()
		w.roll(ws, today)
	} else if allow >= 0 {
		n = min(n, max(allow-ws.sent[site], 0))
	}
	if n > 0 && ws.date.Equal(today) {
		ws.sent[site] += n
		w.dirty = true
	}
	w.mu.Unlock()
	return n
}

// Give returns n messages taken today by Take and not sent after all (the
// connection failed, the job moved elsewhere).
func (w *Warmup) Give(source, site string, n int) {
	if w == nil || n <= 0 {
		return
	}
	today := utcDay(w.now())
	w.mu.Lock()
	ws, ok := w.sources[source]
	if !ok || !ws.date.Equal(today) {
		w.mu.Unlock()
		return // taken yesterday: today's count owes it nothing
	}
	ws.sent[site] = max(ws.sent[site]-n, 0)
	w.dirty = true
	shared := w.shared
	_, allow := ws.allowance(site, today)
	w.mu.Unlock()
	if shared != nil && allow > 0 { // Take counted it in the fleet only then
		shared.Give(source, site, today, n)
	}
}

// Left returns what source may still send site today: -1 for unlimited.
// When shared, it is the fleet's count as this node last read it.
func (w *Warmup) Left(source, site string) int {
	if w == nil {
		return -1
	}
	today := utcDay(w.now())
	w.mu.Lock()
	ws, ok := w.sources[source]
	if !ok {
		w.mu.Unlock()
		return -1
	}
	w.roll(ws, today)
	_, allow := ws.allowance(site, today)
	sent, shared := ws.sent[site], w.shared
	w.mu.Unlock()
	switch {
	case allow < 0:
		return -1
	case shared != nil && allow > 0:
		return max(shared.Left(source, site, today, allow), 0)
	}
	return max(allow-sent, 0)
}

// NextDay returns when today's allowances renew: the next UTC midnight.
func (w *Warmup) NextDay() time.Time {
	if w == nil {
		return time.Time{}
	}
	return utcDay(w.now()).Add(24 * time.Hour)
}

// WarmupStatus is one source's warm-up state, for ctl.
type WarmupStatus struct {
	Source string
	// Start is day 1's date; Day is today's number (0 or less before
	// Start); Days is the curve's length (after it the source is warm).
	Start     time.Time
	Day, Days int
	// Allowance is today's allowance per site for the default curve
	// (-1 when warm); Sites lists the sites with their own curve or with
	// messages counted today.
	Allowance int
	Sites     []WarmupSite
}

// WarmupSite is one site's allowance and count today.
type WarmupSite struct {
	Site      string
	Allowance int // -1: unlimited
	Sent      int
}

// Status returns every scheduled source's state today, by name.
func (w *Warmup) Status() []WarmupStatus {
	if w == nil {
		return nil
	}
	today := utcDay(w.now())
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]WarmupStatus, 0, len(w.sources))
	for name, ws := range w.sources {
		w.roll(ws, today)
		day, allow := ws.allowance("", today)
		st := WarmupStatus{Source: name, Start: ws.start, Day: day, Days: len(ws.cfg.Curve), Allowance: allow}
		seen := map[string]bool{}
		add := func(site string) {
			if seen[site] {
				return
			}
			seen[site] = true
			_, a := ws.allowance(site, today)
			st.Sites = append(st.Sites, WarmupSite{Site: site, Allowance: a, Sent: ws.sent[site]})
		}
		for site := range ws.cfg.Sites {
			add(site)
		}
		for site := range ws.sent {
			add(site)
		}
		slices.SortFunc(st.Sites, func(a, b WarmupSite) int { return cmp.Compare(a.Site, b.Site) })
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b WarmupStatus) int { return cmp.Compare(a.Source, b.Source) })
	return out
}

// Flush writes the state file if anything changed since the last write.
func (w *Warmup) Flush() error {
	if w == nil || w.path == "" {
		return nil
	}
	w.mu.Lock()
	if !w.dirty {
		w.mu.Unlock()
		return nil
	}
	st := warmupState{Version: 1, Sources: make(map[string]warmupSourceFile, len(w.sources))}
	for name, ws := range w.sources {
		st.Sources[name] = warmupSourceFile{Start: ws.start.Format(dateLayout), Date: ws.date.Format(dateLayout),
			Sent: maps.Clone(ws.sent)}
	}
	w.dirty = false
	w.mu.Unlock()
	if err := writeJSON(w.path, &st); err != nil {
		w.mu.Lock()
		w.dirty = true
		w.mu.Unlock()
		return err
	}
	return nil
}

// Run flushes the state every interval [5s] until ctx ends, then once
// more. Errors are returned by the final flush only; the ones before are
// retried at the next tick.
func (w *Warmup) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return w.Flush()
		case <-t.C:
			_ = w.Flush()
		}
	}
}
