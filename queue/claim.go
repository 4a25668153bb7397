package queue

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ClaimOptions shape a claim.
//
// The caller holds what it claims in memory, in bounded ready queues per
// destination (mta/delivery); the spool's schedule stays the order of
// everything beyond them. A claim therefore takes only what the caller
// has room for: due recipients of a domain without room are left due and
// untouched (Skipped), so becoming due at once never rewrites the spool;
// the next claim, once room frees, finds them where they were.
//
// It reads the schedule in due order first. When a whole skip window
// (MaxSkip) of a class was due mail of domains without room, one busy or
// slow destination's backlog stands ahead of everything else: the claim
// then walks the per-destination schedule (claim_dest.go), taking the due
// mail of every domain that has room, so fresh mail to another domain is
// claimed at once however deep the backlog ahead of it.
//
// The schedule is read class by class (priority.go): all due mail of a
// transactional class before any of marketing, high before normal before
// low, each class in due order with its own skip window and its own
// per-destination walk. A transactional message due after 100,000
// marketing ones is therefore the first thing the next claim takes.
type ClaimOptions struct {
	Limit    int // recipients at most
	MaxRcpts int // recipients per Work at most [100]
	// Room, when set, says how many more recipients of a domain the caller
	// can take now (it must not change during the call). Due recipients of
	// a domain without room are skipped: left due, in place, not written.
	// Room is where per-stream priorities and fleet-wide leases plug in:
	// a caller that answers from a lease (connections or rate granted to
	// this node for a site) or from a stream's share bounds each domain's
	// claims by it, and the spool's order decides only among what fits.
	Room func(domain string) int
	// RoomClass, when set, replaces Room: the room of a domain for one
	// scheduling class, so a class has room of its own and a domain full
	// of marketing still takes a password reset.
	RoomClass func(domain string, c Class) int
	// LowFirst visits the classes lowest first: the caller sets it on one
	// claim in StarveEvery so lower classes advance under a sustained
	// higher-class load that would otherwise take every claim's Limit.
	LowFirst bool
	// MaxSkip bounds the skipped recipients looked at per class in due
	// order by one call [256]: beyond them the class's scan stops, so a
	// claim's cost does not grow with a blocked domain's backlog, and the
	// per-destination walk takes over (a window of 1,000 before the walk
	// existed; the walk reaches everything beyond it, so a claim need not
	// read that much of a blocked backlog each time).
	MaxSkip int
	// MaxDests bounds the destinations the per-destination walk visits
	// per class in one call [1000]; the next call goes on from there.
	MaxDests int
	// Stats, when set, receives what the call did.
	Stats *ClaimStats
}

// defaultMaxSkip is ClaimOptions.MaxSkip's default.
const defaultMaxSkip = 256

// ClaimStats says what one claim did.
type ClaimStats struct {
	Claimed int // recipients claimed
	Skipped int // due recipients left due: their domain had no room
	ByDest  int // of Claimed, those found by the per-destination walk
}

// room answers how many more recipients of dom in class c o lets a claim
// take, given what it took already; -1 when o sets no bound.
func (o *ClaimOptions) room(dom string, c Class, taken map[roomKey]int) int {
	switch {
	case o.RoomClass != nil:
		return o.RoomClass(dom, c) - taken[roomKey{dom, c}]
	case o.Room != nil:
		return o.Room(dom) - taken[roomKey{dom, 0}]
	}
	return -1
}

// roomKey counts a claim's admissions per domain (and class, with
// RoomClass; class 0 otherwise).
type roomKey struct {
	domain string
	class  Class
}

// ClaimWith is Claim with options.
func (s *Store) ClaimWith(ctx context.Context, o ClaimOptions) ([]Work, error) {
	if o.Limit <= 0 {
		return nil, nil
	}
	if o.MaxRcpts <= 0 {
		o.MaxRcpts = 100
	}
	if o.MaxSkip <= 0 {
		o.MaxSkip = defaultMaxSkip
	}
	if o.MaxDests <= 0 {
		o.MaxDests = 1000
	}
	var cr *claimRun
	err := s.write(ctx, func(tx *bolt.Tx) error {
		cr = s.newClaimRun(tx, &o)
		return cr.run()
	}, func() { s.counts.apply(&cr.d) })
	if err != nil {
		return nil, fmt.Errorf("queue: claim: %w", err)
	}
	if o.Stats != nil {
		*o.Stats = cr.st
	}
	return cr.works, nil
}

// claimRun is one claim's transaction: what it read and took so far.
type claimRun struct {
	s          *Store
	o          *ClaimOptions
	tx         *bolt.Tx
	sched      schedule
	rb, ib, mb *bolt.Bucket
	now        time.Time
	nowNano    int64
	bounded    bool // o sets room: domains without it are skipped

	claimed int
	taken   map[roomKey]int // admissions per domain (and class)
	metas   map[ID]meta
	index   map[[2]string]int // (id, domain) → index in works of the open group
	works   []Work
	d       delta
	st      ClaimStats
	// txHolds are the holds as this transaction sees them, read once the
	// first time the published mirror says a recipient is held (see
	// setAsideIfHeld); nil until then.
	txHolds *holds
}

func (s *Store) newClaimRun(tx *bolt.Tx, o *ClaimOptions) *claimRun {
	now := s.opts.Now()
	return &claimRun{
		s: s, o: o, tx: tx, sched: scheduleOf(tx),
		rb: tx.Bucket(bucketRcpt), ib: tx.Bucket(bucketInflight), mb: tx.Bucket(bucketMsg),
		now: now, nowNano: now.UnixNano(), bounded: o.Room != nil || o.RoomClass != nil,
		taken: map[roomKey]int{}, metas: map[ID]meta{}, index: map[[2]string]int{},
	}
}

// run claims class by class: due order first, then, when the skip window
// was all blocked, destination by destination.
func (cr *claimRun) run() error {
	var entries []schedEntry
	for i := 0; i < NumClasses && cr.claimed < cr.o.Limit; i++ {
		c := Class(i)
		if cr.o.LowFirst {
			c = NumClasses - 1 - Class(i)
		}
		want := cr.o.Limit - cr.claimed + cr.o.MaxSkip
		entries = cr.sched.scanDue(entries[:0], c, cr.nowNano, want)
		skipped := cr.st.Skipped
		cut := len(entries) == want
		for _, e := range entries {
			if cr.claimed >= cr.o.Limit {
				break
			}
			if cr.st.Skipped-skipped >= cr.o.MaxSkip {
				cut = true
				break
			}
			if err := cr.visit(e, c); err != nil {
				return err
			}
		}
		if cr.bounded && cut && cr.claimed < cr.o.Limit {
			// The window was cut with room left in the claim: what is
			// beyond it is reached per destination.
			if err := cr.byDest(c); err != nil {
				return err
			}
		}
	}
	cr.st.Claimed = cr.claimed
	return cr.d.persist(cr.tx)
}

// visit decides one due entry of class c: dropped if stale, set aside if
// held, skipped if its domain has no room, else claimed.
func (cr *claimRun) visit(e schedEntry, c Class) error {
	r, live, err := cr.load(&e)
	if err != nil || !live {
		return err
	}
	if r.State != InFlight && cr.s.holds.any() {
		if held, err := cr.setAsideIfHeld(e, &r); err != nil || held {
			return err
		}
	}
	if cr.bounded && r.State != InFlight && !cr.admit(e.dom, c) {
		cr.st.Skipped++ // stays due, untouched; looked at again next time
		return nil
	}
	return cr.take(e, r)
}

// load reads e's recipient and fills e's domain; live false means the
// entry was stale (the recipient is gone, was rescheduled, or finished by
// code that wrote its entry in another class's part) and is now dropped.
func (cr *claimRun) load(e *schedEntry) (rcpt, bool, error) {
	raw := cr.rb.Get(rcptKey(e.id, e.idx))
	if raw == nil {
		return rcpt{}, false, cr.sched.drop(*e)
	}
	r, err := decodeRcpt(raw)
	if err != nil {
		return r, false, fmt.Errorf("recipient %s/%d: %w", e.id, e.idx, err)
	}
	e.dom, e.domKnown = Domain(r.Addr), true
	if r.Next != e.due || r.State == Delivered || r.State == Failed {
		return r, false, cr.sched.drop(*e)
	}
	return r, true, nil
}

// setAsideIfHeld moves a suspended recipient out of the schedule, durably,
// with its due time so Resume puts it back in order.
//
// The published mirror of the holds (Store.holds) changes only after the
// commit that changed the bucket, so a claim that shares a group commit
// with a Resume, later in the batch, would still see the lifted hold and
// set the just-released recipients aside again, where nothing would ever
// release them. So a recipient the mirror calls held is set aside only if
// this transaction's own holds bucket still holds it.
func (cr *claimRun) setAsideIfHeld(e schedEntry, r *rcpt) (bool, error) {
	md, _, _ := cr.message(e.id) // unreadable: judged on the recipient alone
	if !cr.s.held(md, *r, e.id) {
		return false, nil
	}
	if cr.txHolds == nil {
		cr.txHolds = &holds{}
		cr.txHolds.load(cr.tx)
	}
	if !cr.txHolds.covers(e.id, md, *r, cr.nowNano) {
		return false, nil // lifted earlier in this transaction
	}
	if err := cr.sched.drop(e); err != nil {
		return true, err
	}
	return true, cr.tx.Bucket(bucketHeld).Put(rcptKey(e.id, e.idx), dueBytes(r.Next))
}

// admit counts one recipient of dom in class c against its room; false
// when there is none left.
func (cr *claimRun) admit(dom string, c Class) bool {
	if cr.o.room(dom, c, cr.taken) <= 0 {
		return false
	}
	rk := roomKey{dom, 0}
	if cr.o.RoomClass != nil {
		rk.class = c
	}
	cr.taken[rk]++
	return true
}

// message returns message id's metadata (cached for the claim); false if
// the message is gone.
func (cr *claimRun) message(id ID) (meta, bool, error) {
	if md, ok := cr.metas[id]; ok {
		return md, true, nil
	}
	mv := cr.mb.Get(id.key())
	if mv == nil {
		return meta{}, false, nil
	}
	md, err := decodeMeta(mv)
	if err != nil {
		return meta{}, false, fmt.Errorf("message %s: %w", id, err)
	}
	cr.metas[id] = md
	return md, true, nil
}

// take claims recipient r of entry e: books its next attempt (so a crash
// mid-delivery retries at the normal pace), marks it in flight and adds
// it to its Work.
func (cr *claimRun) take(e schedEntry, r rcpt) error {
	cr.claimed++
	if err := cr.sched.drop(e); err != nil {
		return err
	}
	rk := rcptKey(e.id, e.idx)
	md, ok, err := cr.message(e.id)
	if err != nil {
		return err
	}
	if !ok {
		// An orphan recipient (its message is gone): drop it rather than
		// leave it unreachable.
		cr.d.move(r.State, 0)
		return cr.rb.Delete(rk)
	}
	// A record written before priorities gets its class now: its retry is
	// booked in that class's part.
	class := cr.s.classOf(md.Stream, md.Priority)
	r.setClass(class)
	wasInflight := r.State == InFlight
	if !wasInflight {
		// Still running in this process when in flight (an attempt
		// outlived its retry delay): re-booked without claiming it twice.
		r.Attempts++
		cr.d.move(r.State, InFlight)
		r.State = InFlight
	}
	r.Next = cr.now.Add(cr.s.opts.Retry.Delay(int(r.Attempts) + b2i(wasInflight))).UnixNano()
	r.Updated = cr.nowNano
	if err := cr.rb.Put(rk, r.encode()); err != nil {
		return err
	}
	if err := cr.sched.put(&r, e.id, e.idx); err != nil {
		return err
	}
	if wasInflight {
		return nil
	}
	if err := cr.ib.Put(rk, nil); err != nil {
		return err
	}
	cr.group(e, &r, &md, class)
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// group adds a claimed recipient to the open Work of its message and
// domain, opening a new one when there is none or it is full.
func (cr *claimRun) group(e schedEntry, r *rcpt, md *meta, class Class) {
	gk := [2]string{e.id.String(), e.dom}
	wi, open := cr.index[gk]
	if !open || len(cr.works[wi].Rcpts) >= cr.o.MaxRcpts {
		cr.works = append(cr.works, Work{ID: e.id, Tenant: md.Tenant, From: md.From, Stream: md.Stream,
			Flags: md.Flags, Created: md.Created, Domain: e.dom, Pool: md.Pool, Class: class})
		wi = len(cr.works) - 1
		cr.index[gk] = wi
	}
	cr.works[wi].Rcpts = append(cr.works[wi].Rcpts, WorkRcpt{Index: e.idx, Addr: r.Addr, Attempt: r.Attempts})
}
