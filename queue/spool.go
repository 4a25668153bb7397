package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Message is one accepted submission: the envelope and the final bytes to
// send (already rewritten and signed).
type Message struct {
	ID      ID // from NewID
	Tenant  string
	From    string // envelope sender (may be empty: the null reverse-path)
	Rcpts   []string
	Stream  Stream
	Flags   uint8
	Created time.Time
	Body    []byte
	// Pool names the egress pool to send from ("" = the default pool).
	Pool string
	// Campaign is the message's campaign (X-Sluice-Campaign), carried by
	// its "sent" journal entry to the event store; not otherwise stored.
	Campaign string
	// Priority within the stream (X-Sluice-Priority or the tenant's
	// default); with Stream it makes the recipients' scheduling class.
	Priority Priority
}

// Enqueue stores messages in one durable write, all or none, and returns
// once it is committed (fsync'd). The submission server hands it every
// message of one submission (one per recipient when per-recipient
// tracking links make the bodies differ).
func (s *Store) Enqueue(ctx context.Context, ms ...*Message) error {
	if len(ms) == 0 {
		return nil
	}
	ps, js, err := s.prepare(ms)
	if err != nil {
		return err
	}
	refs, segs, err := s.appendBodies(ms)
	defer func() {
		for _, seg := range segs {
			s.segs.done(seg)
		}
	}()
	if err != nil {
		return fmt.Errorf("queue: enqueue %s: %w", ms[0].ID, err)
	}
	var d delta
	var jseq uint64
	err = s.submit(ctx, &writeReq{res: make(chan error, 1), segs: segs, fn: func(tx *bolt.Tx) error {
		d = delta{}
		jw := newJournalWriter(tx)
		mb, bb := tx.Bucket(bucketMsg), tx.Bucket(bucketBody)
		rb, sb, db := tx.Bucket(bucketRcpt), scheduleOf(tx), tx.Bucket(bucketDir)
		// Keys grow monotonically: fill pages fully.
		mb.FillPercent, bb.FillPercent, rb.FillPercent, db.FillPercent = 0.95, 0.95, 0.95, 0.95
		for i, p := range ps {
			m := p.m
			if err := mb.Put(m.ID.key(), p.meta); err != nil {
				return err
			}
			if err := s.putBody(tx, bb, m, refs, i); err != nil {
				return err
			}
			for i, addr := range m.Rcpts {
				if err := db.Put(rcptKey(m.ID, uint32(i)), encodeDir(m.Tenant, addr, m.Stream)); err != nil {
					return err
				}
				r := rcpt{Addr: addr, State: Queued, Next: p.due, Updated: p.due}
				r.setClass(p.class)
				if err := rb.Put(rcptKey(m.ID, uint32(i)), r.encode()); err != nil {
					return err
				}
				if err := sb.put(&r, m.ID, uint32(i)); err != nil {
					return err
				}
				d.move(0, Queued)
			}
			d[0]++
		}
		for _, j := range js {
			if err := jw.put(j); err != nil {
				return err
			}
		}
		jseq = jw.last
		return d.persist(tx)
	}, after: func() { s.counts.apply(&d); s.journaled(jseq) }})
	if err != nil {
		return fmt.Errorf("queue: enqueue %s: %w", ms[0].ID, err)
	}
	s.dueSooner()
	return nil
}

// prepared is one message of an Enqueue, its records encoded outside the
// writer.
type prepared struct {
	m     *Message
	meta  []byte
	due   int64
	class Class
}

// prepare encodes ms's metadata records and journal entries.
func (s *Store) prepare(ms []*Message) ([]prepared, [][]byte, error) {
	ps := make([]prepared, len(ms))
	js := make([][]byte, len(ms))
	for i, m := range ms {
		if len(m.Rcpts) == 0 {
			return nil, nil, fmt.Errorf("queue: enqueue %s: no recipients", m.ID)
		}
		md := meta{
			Created: m.Created, Tenant: m.Tenant, From: m.From, Stream: m.Stream, Flags: m.Flags,
			Rcpts: uint32(len(m.Rcpts)), Pending: uint32(len(m.Rcpts)), Size: uint32(len(m.Body)), Pool: m.Pool,
			Priority: m.Priority,
		}
		ps[i] = prepared{m: m, meta: md.encode(), due: m.Created.UnixNano(), class: s.classOf(m.Stream, m.Priority)}
		js[i] = encodeJournal(&JournalEntry{Kind: JournalSent, Time: m.Created, Tenant: m.Tenant, ID: m.ID,
			Rcpts: uint32(len(m.Rcpts)), Campaign: m.Campaign})
	}
	return ps, js, nil
}

// appendBodies appends the bodies of ms at or above the segment threshold
// to the active segment file (refs[i] is ms[i]'s; nil when none is that
// large) and returns the segments written to, each pending until done.
func (s *Store) appendBodies(ms []*Message) (refs []bodyRef, segs []*segFile, err error) {
	th := s.opts.SegmentThreshold
	if th < 0 {
		return nil, nil, nil
	}
	for i, m := range ms {
		if len(m.Body) < th {
			continue
		}
		seg, ref, err := s.segs.append(m.Body)
		if err != nil {
			if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
				err = fmt.Errorf("%w: %w", ErrDiskFull, err)
			}
			return nil, segs, err
		}
		if refs == nil {
			refs = make([]bodyRef, len(ms))
		}
		refs[i] = ref
		segs = append(segs, seg) // once per append: done is called per append
	}
	return refs, segs, nil
}

// putBody stores message m's body (the i-th of its Enqueue): in bbolt, or
// as the reference refs[i] to the segment it was appended to.
func (s *Store) putBody(tx *bolt.Tx, bb *bolt.Bucket, m *Message, refs []bodyRef, i int) error {
	if refs != nil && refs[i].Len > 0 {
		return s.addSegRef(tx, m.ID, refs[i])
	}
	return bb.Put(m.ID.key(), m.Body)
}

// NextDue returns the earliest scheduled attempt, if any recipient waits.
func (s *Store) NextDue() (time.Time, bool) {
	var due int64
	var ok bool
	_ = s.db.View(func(tx *bolt.Tx) error {
		due, ok = scheduleOf(tx).first()
		return nil
	})
	return time.Unix(0, due), ok
}

// Work is one claimed unit of delivery: recipients of one message at one
// domain, sent in one SMTP transaction.
type Work struct {
	ID      ID
	Tenant  string
	From    string
	Stream  Stream
	Flags   uint8
	Created time.Time
	Domain  string
	Pool    string
	Rcpts   []WorkRcpt
	// Class is the scheduling class its recipients were claimed in
	// (priority.go): the delivery engine serves lower classes first.
	Class Class
}

// WorkRcpt is one recipient of a Work.
type WorkRcpt struct {
	Index   uint32
	Addr    string
	Attempt uint32 // 1 for the first attempt
}

// Domain returns the lowercased domain of an address ("" if it has none).
func Domain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(addr[at+1:])
}

// Claim takes up to limit due recipients, books each one's next attempt
// (so a crash mid-delivery retries at the normal pace, never in a storm),
// marks them in flight and returns them grouped into Works of at most
// maxRcpts recipients of one message and domain.
func (s *Store) Claim(ctx context.Context, limit, maxRcpts int) ([]Work, error) {
	return s.ClaimWith(ctx, ClaimOptions{Limit: limit, MaxRcpts: maxRcpts})
}

// Outcome is what became of one recipient's attempt.
type Outcome uint8

// Outcomes reported to Complete.
const (
	OutcomeDelivered Outcome = iota + 1
	OutcomeDeferred
	OutcomeFailed
)

// Result reports one recipient's attempt to Complete.
type Result struct {
	ID      ID
	Index   uint32
	Outcome Outcome
	Code    int       // the SMTP reply code, 0 if none
	Reply   string    // the remote reply or local reason, kept for the admin view
	RetryAt time.Time // for OutcomeDeferred: when to try again (zero: the retry policy decides)
	// Uncounted (with OutcomeDeferred) gives the attempt back: the mail was
	// not tried (an operator hold), so it must not age towards expiry.
	Uncounted bool
	// Enhanced and MX complete the answer for the event journal: the RFC
	// 3463 code and the MX host that gave it ("" if none was reached).
	Enhanced string
	MX       string
	// Suppressed (with OutcomeFailed) says the pre-send suppression check
	// dropped the recipient.
	Suppressed bool
	// Source and Site (with OutcomeDelivered) name the egress source and
	// the shaping site of the accepted attempt; the recipient directory
	// keeps them for the returns that come later (see recordDelivery).
	// Empty: not recorded.
	Source, Site string
	// TLS is how the attempt's session was secured, and Rerouted why the
	// mail left from another source than the one first chosen (warm-up,
	// blocklist), both for the event journal ("" / zero: not known).
	TLS      TLSInfo
	Rerouted string
}

// Complete records the outcomes of claimed recipients in one durable write.
// Recipients that are no longer in flight (already completed) are ignored,
// so a replayed completion is harmless. When the last recipient of a message
// becomes final the message and its body are removed.
func (s *Store) Complete(ctx context.Context, results []Result) error {
	var d delta
	var jseq uint64
	err := s.writeLazy(ctx, func(tx *bolt.Tx) error {
		d = delta{}
		c := completion{s: s, tx: tx, d: &d, now: s.opts.Now()}
		// jw stays out of c: beside c's buckets (which escape) it would
		// escape too, one allocation more per commit.
		jw := newJournalWriter(tx)
		c.sb, c.rb, c.ib, c.mb = scheduleOf(tx), tx.Bucket(bucketRcpt), tx.Bucket(bucketInflight), tx.Bucket(bucketMsg)
		for _, res := range results {
			if err := c.one(jw, &res); err != nil {
				return err
			}
		}
		jseq = jw.last
		return d.persist(tx)
	}, func() { s.counts.apply(&d); s.journaled(jseq) })
	if err != nil {
		return fmt.Errorf("queue: complete: %w", err)
	}
	return nil
}

// completion is one Complete's transaction: its buckets, instant and
// counter changes.
type completion struct {
	s          *Store
	tx         *bolt.Tx
	d          *delta
	now        time.Time
	tenant     tenantOf
	sb         schedule
	rb, ib, mb *bolt.Bucket
}

// one records res in the transaction, if its recipient is still in
// flight: out of the in-flight index and the schedule, its outcome into
// the journal (jw), then its new state (back on the schedule when deferred;
// final, with its message counted down, when delivered or failed).
func (c *completion) one(jw *journalWriter, res *Result) error {
	rk := rcptKey(res.ID, res.Index)
	raw := c.rb.Get(rk)
	if raw == nil {
		return nil
	}
	r, err := decodeRcpt(raw)
	if err != nil {
		return fmt.Errorf("recipient %s/%d: %w", res.ID, res.Index, err)
	}
	if r.State != InFlight {
		return nil
	}
	if err := c.ib.Delete(rk); err != nil {
		return err
	}
	if err := c.sb.del(&r, res.ID, res.Index); err != nil {
		return err
	}
	// Read before finishOne may remove the message.
	ten, err := c.tenant.get(c.mb, res.ID)
	if err != nil {
		return err
	}
	if err := jw.add(outcomeEntry(res, ten, c.now, r.Attempts)); err != nil {
		return err
	}
	r.LastCode, r.LastReply, r.Updated = uint16(res.Code), truncate(res.Reply, 512), c.now.UnixNano()
	switch res.Outcome {
	case OutcomeDeferred:
		if res.Uncounted && r.Attempts > 0 {
			r.Attempts--
		}
		next := res.RetryAt
		if next.IsZero() {
			next = c.now.Add(c.s.opts.Retry.Delay(int(r.Attempts)))
		}
		r.Next = next.UnixNano()
		c.d.move(InFlight, Deferred)
		r.State = Deferred
		if err := c.sb.put(&r, res.ID, res.Index); err != nil {
			return err
		}
		if err := c.rb.Put(rk, r.encode()); err != nil {
			return err
		}
	case OutcomeDelivered, OutcomeFailed:
		final := Delivered
		if res.Outcome == OutcomeFailed {
			final = Failed
		}
		c.d.move(InFlight, final)
		r.State, r.Next = final, 0
		if err := c.rb.Put(rk, r.encode()); err != nil {
			return err
		}
		if err := recordDelivery(c.tx.Bucket(bucketDir), rk, res); err != nil {
			return err
		}
		if err := c.s.finishOne(c.mb, c.tx, res.ID, c.d, nil); err != nil {
			return err
		}
	default:
		return fmt.Errorf("recipient %s/%d: unknown outcome %d", res.ID, res.Index, res.Outcome)
	}
	return nil
}

// finishOne counts down a message's pending recipients and removes the
// message once none is left, its body with it (recorded in z to be zeroed
// on disk after the commit, for an erasure, if it is in a segment file:
// see dropBody).
func (s *Store) finishOne(mb *bolt.Bucket, tx *bolt.Tx, id ID, d *delta, z *zeroing) error {
	mv := mb.Get(id.key())
	if mv == nil {
		return nil
	}
	md, err := decodeMeta(mv)
	if err != nil {
		return fmt.Errorf("message %s: %w", id, err)
	}
	if md.Pending > 0 {
		md.Pending--
	}
	if md.Pending > 0 {
		return mb.Put(id.key(), md.encode())
	}
	if err := mb.Delete(id.key()); err != nil {
		return err
	}
	d[0]--
	if err := s.dropBody(tx, id, z); err != nil {
		return err
	}
	rb := tx.Bucket(bucketRcpt)
	prefix := id.key()
	var keys [][]byte
	c := rb.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := rb.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// recoverInflight makes every recipient a crash left in flight due now.
func recoverInflight(tx *bolt.Tx, now time.Time) (int, error) {
	ib, rb, sb := tx.Bucket(bucketInflight), tx.Bucket(bucketRcpt), scheduleOf(tx)
	var keys [][]byte
	c := ib.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	var d delta
	for _, k := range keys {
		if err := ib.Delete(k); err != nil {
			return 0, err
		}
		id, idx, ok := parseRcptKey(k)
		raw := rb.Get(k)
		if !ok || raw == nil {
			continue
		}
		r, err := decodeRcpt(raw)
		if err != nil {
			return 0, fmt.Errorf("recover %s/%d: %w", id, idx, err)
		}
		if r.State != InFlight {
			continue
		}
		if err := sb.del(&r, id, idx); err != nil {
			return 0, err
		}
		r.Next, r.State = now.UnixNano(), Queued
		d.move(InFlight, Queued)
		if err := sb.put(&r, id, idx); err != nil {
			return 0, err
		}
		if err := rb.Put(k, r.encode()); err != nil {
			return 0, err
		}
	}
	return len(keys), d.persist(tx)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
