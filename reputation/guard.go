package reputation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sluice/internal/clock"
	"sluice/internal/event"
	"sluice/queue"
	"sluice/tracking/events"
)

// Event kinds the guard records (stored, and POSTed to the tenant's
// webhook): Reason names the rate ("complaint_rate", "hard_bounce_rate",
// "unsubscribe_rate", "block_rate"), Campaign the campaign whose window
// crossed, if it was one's.
const (
	KindPaused  = event.Paused
	KindResumed = event.Resumed
	KindWarning = event.ReputationWarning
)

// Holds is the spool's part (*queue.Store): the durable pause.
type Holds interface {
	SuspendUntil(ctx context.Context, kind, name, by, reason string, until time.Time) error
	Resume(ctx context.Context, kind, name string) (int, error)
	Holds() []queue.Hold
}

// Recorder records the guard's own events (*events.Store).
type Recorder interface {
	Record(events.Event) bool
}

// Saver keeps the windows in the event file (*events.Store).
type Saver interface {
	View(fn func(*events.Tx) error) error
	Update(fn func(*events.Tx) error) error
}

// Receiver returns the domain and shaping site a delivered recipient
// went to; ok is false when unknown (the directory entry expired).
type Receiver func(msg uint64, rcpt uint32) (domain, site string, ok bool)

// Addresser returns the address of a message's recipient; ok is false
// when unknown (the directory entry expired).
type Addresser func(msg uint64, rcpt uint32) (addr string, ok bool)

// DirectoryAddresser is an Addresser over the spool's recipient
// directory.
func DirectoryAddresser(d Directory) Addresser {
	return func(msg uint64, rcpt uint32) (string, bool) {
		r, ok := d.LookupRecipient(queue.ID(msg), rcpt)
		return r.Addr, ok && r.Addr != ""
	}
}

// Directory is the spool's recipient directory (*queue.Store).
type Directory interface {
	LookupRecipient(id queue.ID, idx uint32) (queue.Recipient, bool)
}

// DirectoryReceiver is a Receiver over the spool's recipient directory.
func DirectoryReceiver(d Directory) Receiver {
	return func(msg uint64, rcpt uint32) (string, string, bool) {
		r, ok := d.LookupRecipient(queue.ID(msg), rcpt)
		return queue.Domain(r.Addr), r.Site, ok
	}
}

// Metrics are the guard's counters (metrics.Set); nil counts nothing.
// rate is one of the Reason values above.
type Metrics interface {
	Warned(rate string)
	Paused(rate string)
	Resumed()
}

// Deps are the stores a Guard works with.
type Deps struct {
	// Holds is the spool. Required.
	Holds Holds
	// Receiver finds delivered recipients' domains. Required.
	Receiver Receiver
	// Addresses finds a returned or complained-about recipient's address,
	// so that hard bounces, complaints and unsubscribes count once per
	// (tenant, mailbox) per WindowTime (perAddress); nil counts them once
	// per recipient of a message only.
	Addresses Addresser
	// Events records pause, resume and warning events; nil records none.
	Events Recorder
	// Saver keeps the windows across restarts; nil keeps them in memory.
	Saver Saver
	// Metrics counts; nil counts nothing.
	Metrics Metrics
	// Shared makes the windows fleet-wide (fleet.ReputationCounts); nil
	// judges on this node's own windows only. SetShared sets it later.
	Shared Shared
	// Logger receives pauses, warnings and errors. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock of the time window. Default clock.Now.
	Now func() time.Time
}

// item is what the guard keeps of one event.
type item struct {
	kind          event.Kind
	tenant, camp  string
	reason, class string
	msg           uint64
	rcpt          uint32
}

// scope is one tenant's or one campaign's window and warnings.
type scope struct {
	w      window
	warned uint8 // bit per rate
	dirty  bool
}

// tenantState is one tenant's scopes.
type tenantState struct {
	name  string // as the events name it
	th    Thresholds
	all   scope
	camps map[string]*scope
}

// Guard is the reputation guard. Its methods are safe for concurrent
// use.
type Guard struct {
	cfg       Config
	d         Deps
	fbl       fblMatcher
	blockSize uint32
	// spanCount and spanTime name the windows ("last 10000 messages").
	spanCount, spanTime string

	pmu     sync.Mutex
	pending []item
	wake    chan struct{}

	mu      sync.Mutex // guards the fields below; the counting goroutine holds it per batch
	tenants map[string]*tenantState
	paused  map[string]bool // lower-cased tenants with a marketing stream hold
	shared  Shared          // Deps.Shared, or SetShared's
	removed []string        // saved keys to delete (evicted campaigns, resets)
	returns distinct        // per-recipient counts made: each recipient counts once

	dropped, counted atomic.Uint64
}

// New returns a guard; Run starts it.
func New(cfg Config, d Deps) (*Guard, error) {
	cfg.setDefaults()
	if d.Holds == nil || d.Receiver == nil {
		return nil, errors.New("reputation: the spool's holds and a receiver lookup are required")
	}
	if err := cfg.Thresholds.Validate(); err != nil {
		return nil, fmt.Errorf("reputation: %w", err)
	}
	tenants := map[string]Thresholds{}
	for name, th := range cfg.Tenants {
		if err := th.Validate(); err != nil {
			return nil, fmt.Errorf("reputation: tenant %s: %w", name, err)
		}
		tenants[strings.ToLower(name)] = th
	}
	cfg.Tenants = tenants
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = clock.Now
	}
	return &Guard{cfg: cfg, d: d, fbl: newFBLMatcher(cfg.FBLDomains),
		blockSize: uint32(max(1, cfg.WindowMessages/nBlocks)),
		spanCount: "last " + strconv.Itoa(cfg.WindowMessages) + " messages", spanTime: "last " + cfg.WindowTime.String(),
		wake: make(chan struct{}, 1), tenants: map[string]*tenantState{}, paused: map[string]bool{}, shared: d.Shared}, nil
}

// thresholds are tenant's.
func (g *Guard) thresholds(tenant string) Thresholds {
	if th, ok := g.cfg.Tenants[strings.ToLower(tenant)]; ok {
		return th
	}
	return *g.cfg.Thresholds
}

// Hook returns the events store's InTx subscriber: it copies the events
// the guard counts and hands them over once the transaction commits
// (never those of a batch that rolls back: the follower retries it), then
// calls next, the store's other subscriber (the webhook outbox), if any.
func (g *Guard) Hook(next func(*events.Tx, []events.Event) error) func(*events.Tx, []events.Event) error {
	return func(tx *events.Tx, evs []events.Event) error {
		var items []item
		for i := range evs {
			if it, ok := itemOf(&evs[i]); ok {
				items = append(items, it)
			}
		}
		if len(items) > 0 {
			tx.OnCommit(func() { g.offer(items) })
		}
		if next != nil {
			return next(tx, evs)
		}
		return nil
	}
}

// itemOf keeps what the guard counts of ev.
func itemOf(ev *events.Event) (item, bool) {
	switch ev.Kind {
	case events.KindDelivered, events.KindComplaint, events.KindUnsubscribe:
	case events.KindFailed:
		if ev.Reason == events.ReasonSuppressed || ev.Reason == events.ReasonOperatorBounce {
			return item{}, false // our own decision, not a receiver's
		}
	case events.KindBounce:
	default:
		return item{}, false
	}
	if ev.Tenant == "" || ev.Anonymous {
		return item{}, false
	}
	return item{kind: ev.Kind, tenant: ev.Tenant, camp: ev.Campaign, reason: ev.Reason, class: ev.Class,
		msg: ev.Message, rcpt: ev.Rcpt}, true
}

// Observe counts ev now, in the caller's goroutine: the path for tests
// and benchmarks that feed events without a store.
func (g *Guard) Observe(ctx context.Context, ev events.Event) {
	if it, ok := itemOf(&ev); ok {
		g.count(ctx, []item{it})
	}
}

// offer queues committed items for Run, dropping (and counting) them
// when the queue is full.
func (g *Guard) offer(items []item) {
	g.pmu.Lock()
	if len(g.pending)+len(items) > g.cfg.QueueSize {
		g.pmu.Unlock()
		g.dropped.Add(uint64(len(items)))
		return
	}
	g.pending = append(g.pending, items...)
	g.pmu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// Run loads the saved windows and the pauses, then counts what Hook hands
// over until ctx ends; it saves the windows every SaveInterval and before
// it returns.
func (g *Guard) Run(ctx context.Context) error {
	if err := g.Load(); err != nil {
		return err
	}
	t := time.NewTicker(g.cfg.SaveInterval)
	defer t.Stop()
	st := time.NewTicker(g.cfg.SyncInterval) // fleet mode's; Sync returns at once without a Shared
	defer st.Stop()
	for {
		select {
		case <-ctx.Done():
			g.drain(context.WithoutCancel(ctx))
			g.Sync(context.WithoutCancel(ctx)) // the last counts, to the fleet
			return g.Save()
		case <-g.wake:
			g.drain(ctx)
		case <-st.C:
			g.Sync(ctx)
		case <-t.C:
			g.refreshPaused()
			if err := g.Save(); err != nil {
				g.d.Logger.Error("reputation: saving windows", "err", err)
			}
		}
	}
}

// drain counts everything pending.
func (g *Guard) drain(ctx context.Context) {
	g.pmu.Lock()
	items := g.pending
	g.pending = nil
	g.pmu.Unlock()
	if len(items) > 0 {
		g.count(ctx, items)
	}
}

// count adds items to their windows and acts on what crossed.
func (g *Guard) count(ctx context.Context, items []item) {
	now := g.d.Now()
	slot := slotOf(now, g.cfg.WindowTime)
	var acts []action
	g.mu.Lock()
	for i := range items {
		it := &items[i]
		var buf [3]counter
		cs := g.counters(it, buf[:0])
		cs = g.returns.dedupe(it, cs, strings.ToLower(it.tenant), g.address(it, cs), now, g.cfg.WindowTime)
		if len(cs) == 0 {
			continue
		}
		ts := g.tenant(it.tenant)
		sc := [2]*scope{&ts.all}
		if it.camp != "" {
			sc[1] = g.campaign(ts, it.camp, now)
		}
		var delta Counts
		for _, c := range cs {
			delta[c]++
		}
		for j, s := range sc {
			if s == nil {
				break
			}
			for _, c := range cs {
				s.w.add(c, slot, g.blockSize)
			}
			s.w.seen, s.dirty = now.UnixNano(), true
			camp := ""
			if j == 1 {
				camp = it.camp
			}
			if g.shared != nil {
				g.shared.Add(Scope{Tenant: strings.ToLower(ts.name), Campaign: camp}, now, delta)
			}
			if byCount, byTime, fleet := g.sums(ts, s, camp, now, slot); !fleet { // else at the next Sync
				acts = g.judge(acts, ts, s, camp, &byCount, &byTime)
			}
		}
		g.counted.Add(1)
	}
	g.mu.Unlock()
	for _, a := range acts {
		g.act(ctx, a)
	}
}

// counters appends to cs the counts one item adds.
func (g *Guard) counters(it *item, cs []counter) []counter {
	switch it.kind {
	case events.KindDelivered:
		cs = append(cs, cFinal, cDelivered)
		if domain, site, _ := g.d.Receiver(it.msg, it.rcpt); g.fbl.covers(domain, site) {
			cs = append(cs, cFBL)
		}
	case events.KindFailed:
		cs = append(cs, cFinal)
		if c, ok := classCounter(it.class); ok {
			cs = append(cs, c)
		}
	case events.KindBounce: // the journal puts a return's class in Reason
		if c, ok := classCounter(it.reason); ok {
			cs = append(cs, c)
		}
	case events.KindComplaint:
		// The rate is complaints over deliveries to receivers that run a
		// feedback loop (cFBL): a complaint about mail to any other
		// receiver cannot have come from its loop — only a recipient can
		// have written it (the VERP address is in its copy's Return-Path)
		// — and would count in the numerator with no delivery in the
		// denominator. It still suppresses the recipient; it does not
		// count towards a pause. A receiver no longer known (the
		// directory entry purged) counts, as before.
		if domain, site, ok := g.d.Receiver(it.msg, it.rcpt); !ok || g.fbl.covers(domain, site) {
			cs = append(cs, cComplaint)
		}
	case events.KindUnsubscribe:
		cs = append(cs, cUnsub)
	}
	return cs
}

// address is the canonical address (queue.NormalizeAddr, without a
// subaddress: see mailbox) of it's recipient when cs holds a per-address
// count and Deps.Addresses knows it, else "". Deliveries, the bulk of the
// feed, look nothing up.
func (g *Guard) address(it *item, cs []counter) string {
	if g.d.Addresses == nil || it.msg == 0 {
		return ""
	}
	for _, c := range cs {
		if perAddress(c) {
			if a, ok := g.d.Addresses(it.msg, it.rcpt); ok {
				return mailbox(queue.NormalizeAddr(a))
			}
			return ""
		}
	}
	return ""
}

// mailbox is the mailbox a canonical address reaches: its local part cut
// at the first "+" (RFC 5233 subaddress; Gmail, Outlook.com, iCloud,
// Fastmail deliver x+anything@ to x@). One person subscribed as x+1@,
// x+2@ and x+3@ at a receiver with a feedback loop complained three times
// (its own VERP address in each copy) and counted three complaints:
// three are the pause threshold of a thousand messages (redteam3).
func mailbox(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if i := strings.IndexByte(addr, '+'); i > 0 && i < at {
		return addr[:i] + addr[at:]
	}
	return addr
}

// classCounter is the count a bounce class adds (mta/bounce's classes):
// only a dead address is a hard bounce; policy and spam refusals are
// blocks; the rest (full mailbox, temporary, rate limited) is neither.
func classCounter(class string) (counter, bool) {
	switch class {
	case "hard_invalid_recipient":
		return cHard, true
	case "policy_blocked", "spam_blocked":
		return cBlock, true
	}
	return 0, false
}

func (g *Guard) tenant(name string) *tenantState {
	key := strings.ToLower(name)
	ts := g.tenants[key]
	if ts == nil {
		ts = &tenantState{name: name, th: g.thresholds(name), camps: map[string]*scope{}}
		g.tenants[key] = ts
	}
	return ts
}

// campaign returns ts's scope for camp, forgetting the campaign idle
// longest when ts has MaxCampaigns already.
func (g *Guard) campaign(ts *tenantState, camp string, now time.Time) *scope {
	s := ts.camps[camp]
	if s != nil {
		return s
	}
	if len(ts.camps) >= g.cfg.MaxCampaigns {
		var oldest string
		seen := now.UnixNano() + 1
		for name, c := range ts.camps {
			if c.w.seen < seen {
				oldest, seen = name, c.w.seen
			}
		}
		delete(ts.camps, oldest)
		g.removed = append(g.removed, saveKey(ts.name, oldest))
	}
	s = &scope{}
	ts.camps[camp] = s
	return s
}
