package shaping

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"sluice/internal/clock"
	"sluice/mta/bounce"
	"sluice/mta/outbound"
)

// Blocklist awareness. A receiver that refuses a source because its IP is
// on a DNS blocklist (Spamhaus, Barracuda, SpamCop, SORBS, UCEPROTECT, its
// own list such as Microsoft's S3150) refuses every message from that IP,
// whatever the rate: slowing down does not help, another source does. So
// such a reply, or a return that says so later, marks the (source, site)
// pair: the delivery engine moves the site's mail to the other sources of
// its pool, and tries the marked source again on a schedule (1h, 4h, 12h,
// then daily by default): a reply of the same kind after the retry time
// marks it again for the next step; a delivery clears it.
//
// What counts as such a reply is mta/bounce's verdict, the classifier's
// blocked_ip reason (its blocklist, reputation, sending-host, reverse-DNS
// and provider-code rules, Yahoo's per-IP TS01-TS03/TSS04/TSS09 among
// them), not a second parser: a wording it misses is fixed there, and an
// operator's [[bounce_rule]] with reason blocked_ip adds one here too.

// DefaultBlockRetry is the default schedule of retries of a marked
// source: after the first mark, then after each mark at a retry.
func DefaultBlockRetry() []time.Duration {
	return []time.Duration{time.Hour, 4 * time.Hour, 12 * time.Hour, 24 * time.Hour}
}

// BlocklistOptions configures a Blocklist.
type BlocklistOptions struct {
	// Path is the state file (JSON); "" keeps the marks in memory only.
	Path string
	// Now is the clock [clock.Now].
	Now func() time.Time
	// Retry is the schedule of retries: a source marked the n-th time in
	// a row waits Retry[n-1] (the last one repeats) [DefaultBlockRetry].
	Retry []time.Duration
	// Forget is how long after its retry time a mark that saw neither a
	// delivery nor a new refusal is kept [7 days].
	Forget time.Duration
	// Classifier recognises the replies [bounce.New()]; the wiring passes
	// the one with the operator's [[bounce_rule]]s.
	Classifier *bounce.Classifier
	// OnChange, when set, hears every mark and every clearing (logs,
	// metrics). It is called without the lock held and must not block.
	OnChange func(b Block, cleared bool)
}

// Block is one marked (source, site).
type Block struct {
	Source string
	Site   string // a site's name ([Site.Name])
	// Reason is why: the classifier's rule and the reply that caused it.
	Reason string
	// Since is the first mark of this run; Until the retry time; Count
	// the marks in a row (the schedule's step).
	Since, Until time.Time
	Count        int
}

// Blocklist holds the marks. A nil *Blocklist marks nothing. Safe for
// concurrent use.
type Blocklist struct {
	now      func() time.Time
	path     string
	retry    []time.Duration
	forget   time.Duration
	classify *bounce.Classifier
	onChange func(Block, bool)

	mu    sync.Mutex
	marks map[blockKey]*Block
	seq   uint64 // changes so far; the state file holds wrote
	wmu   sync.Mutex
	wrote uint64
}

type blockKey struct{ source, site string }

type blockState struct {
	Version int     `json:"version"`
	Marks   []Block `json:"marks"`
}

// NewBlocklist loads the marks from the state file.
func NewBlocklist(o BlocklistOptions) (*Blocklist, error) {
	b := &Blocklist{now: o.Now, path: o.Path, retry: o.Retry, forget: o.Forget, classify: o.Classifier,
		onChange: o.OnChange, marks: map[blockKey]*Block{}}
	if b.now == nil {
		b.now = clock.Now
	}
	if len(b.retry) == 0 {
		b.retry = DefaultBlockRetry()
	}
	for i, d := range b.retry {
		if d <= 0 {
			return nil, fmt.Errorf("shaping: blocklist retry %d: %v is not positive", i+1, d)
		}
	}
	if b.forget <= 0 {
		b.forget = 7 * 24 * time.Hour
	}
	if b.classify == nil {
		b.classify = bounce.New()
	}
	if o.Path != "" {
		var st blockState
		if err := readJSON(o.Path, &st); err != nil {
			return nil, err
		}
		for _, m := range st.Marks {
			if m.Source == "" || m.Site == "" || m.Count < 1 {
				continue
			}
			b.marks[blockKey{m.Source, m.Site}] = &m
		}
	}
	return b, nil
}

// Reply says whether err, a delivery error, is a receiver refusing the
// sending IP for a blocklist or its reputation, and why (the rule and the
// reply). Only replies from the server count: a local or network error
// never does.
func (b *Blocklist) Reply(err error) (why string, ok bool) {
	if b == nil {
		return "", false
	}
	var oe *outbound.Error
	if !errors.As(err, &oe) || oe.Err != nil || oe.Code < 400 {
		return "", false
	}
	return b.Recognise(oe.Code, oe.Enhanced, oe.Line)
}

// Recognise is Reply for a reply's parts.
func (b *Blocklist) Recognise(code int, enhanced, text string) (why string, ok bool) {
	r := b.classify.Reply(code, enhanced, text)
	if r.Reason == bounce.ReasonBlockedIP {
		return r.Rule + ": " + r.Diagnostic, true
	}
	return "", false
}

// Mark marks (source, site) as refused for why, and returns the mark. A
// mark already standing (a reply to a transaction already under way)
// changes nothing; one whose retry time passed steps the schedule up.
func (b *Blocklist) Mark(source, site, why string) Block {
	if b == nil {
		return Block{}
	}
	now := b.now()
	b.mu.Lock()
	k := blockKey{source, site}
	m := b.marks[k]
	if m != nil && now.Before(m.Until) {
		out := *m
		b.mu.Unlock()
		return out
	}
	if m == nil {
		m = &Block{Source: source, Site: site, Since: now}
		b.marks[k] = m
	}
	m.Count++
	m.Reason = why
	m.Until = now.Add(b.retry[min(m.Count, len(b.retry))-1])
	out := *m
	b.seq++
	b.mu.Unlock()
	b.save()
	if b.onChange != nil {
		b.onChange(out, false)
	}
	return out
}

// Blocked returns the mark of (source, site) while it stands (before its
// retry time).
func (b *Blocklist) Blocked(source, site string) (Block, bool) {
	if b == nil {
		return Block{}, false
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.marks) == 0 {
		return Block{}, false
	}
	m := b.marks[blockKey{source, site}]
	if m == nil || !now.Before(m.Until) {
		return Block{}, false
	}
	return *m, true
}

// Delivered tells the Blocklist that source delivered to site: a mark
// whose retry time passed is cleared (the retry worked).
func (b *Blocklist) Delivered(source, site string) {
	if b == nil {
		return
	}
	now := b.now()
	b.mu.Lock()
	if len(b.marks) == 0 {
		b.mu.Unlock()
		return
	}
	k := blockKey{source, site}
	m := b.marks[k]
	if m == nil || now.Before(m.Until) {
		b.mu.Unlock()
		return
	}
	out := *m
	delete(b.marks, k)
	b.seq++
	b.mu.Unlock()
	b.save()
	if b.onChange != nil {
		b.onChange(out, true)
	}
}

// List returns every mark (standing or waiting for its retry to show),
// by site then source; marks left alone past Forget are dropped.
func (b *Blocklist) List() []Block {
	if b == nil {
		return nil
	}
	now := b.now()
	b.mu.Lock()
	var out []Block
	dropped := false
	for k, m := range b.marks {
		if now.Sub(m.Until) > b.forget {
			delete(b.marks, k)
			dropped = true
			continue
		}
		out = append(out, *m)
	}
	if dropped {
		b.seq++
	}
	b.mu.Unlock()
	if dropped {
		b.save()
	}
	slices.SortFunc(out, func(x, y Block) int { return cmp.Or(cmp.Compare(x.Site, y.Site), cmp.Compare(x.Source, y.Source)) })
	return out
}

// save writes the marks if the file is behind; a write that fails is
// retried at the next change (the marks stay in memory meanwhile).
func (b *Blocklist) save() {
	if b.path == "" {
		return
	}
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.mu.Lock()
	seq := b.seq
	if seq == b.wrote {
		b.mu.Unlock()
		return
	}
	st := blockState{Version: 1, Marks: make([]Block, 0, len(b.marks))}
	for _, m := range b.marks {
		st.Marks = append(st.Marks, *m)
	}
	b.mu.Unlock()
	if err := writeJSON(b.path, &st); err == nil {
		b.wrote = seq
	}
}
