package queue

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Data subject requests: access (GDPR Art. 15) and erasure (Art. 17) for
// one address of one tenant.
//
// The spool holds, about an address: its suppression and soft-failure
// history (keyed by tenant and address), its recipient directory entries,
// and the recipient records of messages still in the queue. FindSubject
// reads them all; EraseSubject deletes them and keeps the suppression in a
// hashed form, so that an erased person who had unsubscribed or complained
// stays suppressed while the address is no longer stored.
//
// Finding an address is a scan. The directory is keyed by (message id,
// recipient index), for the returns that carry only those, and kept for
// queue.directory_retention (30 days by default); FindSubject reads all of
// it, in a read transaction (never in the writer, so submissions and
// deliveries go on), without allocating for entries that do not match:
// about 35 ns an entry on the 2-core development VM (BenchmarkFindSubject:
// 1M entries in 35 ms with a warm page cache; a million recipients a day
// kept 30 days is about a second, more from a cold cache). An index bucket
// (tenant, address, id, index) would make it a seek, but costs a random
// insert per recipient in every enqueue: measured with 1M entries indexed
// and random addresses, it cut durable enqueue throughput by about half
// (7.1–8.3k → 3.9–4.5k msgs/s, 5 KB messages, 20 writers), for a request
// that comes a few times a month. The queue's live recipient records are
// scanned too (decoded: the queue is small next to the directory).

// HashedPrefix starts the Addr of a hashed suppression.
const HashedPrefix = "hmac-sha256:"

var (
	keyAddrKey   = []byte("addr_hmac_key") // the HMAC key of hashed suppressions
	keyHashedAny = []byte("hashed_supp")   // set once a hashed suppression is written
)

// loadPrivacy reads the spool's HMAC key, creating it on first use.
func (s *Store) loadPrivacy(tx *bolt.Tx) error {
	b := tx.Bucket(bucketMeta)
	key := b.Get(keyAddrKey)
	if len(key) != sha256.Size {
		key = make([]byte, sha256.Size)
		if _, err := rand.Read(key); err != nil {
			return fmt.Errorf("address hash key: %w", err)
		}
		if err := b.Put(keyAddrKey, key); err != nil {
			return err
		}
	}
	s.addrKey = bytes.Clone(key)
	s.hashers.New = func() any { return &hasher{mac: hmac.New(sha256.New, s.addrKey)} }
	s.hashedAny.Store(b.Get(keyHashedAny) != nil)
	return nil
}

// HashAddr returns the form in which tenant's suppression of addr is kept
// after an erasure: HashedPrefix and the hex HMAC-SHA256 of the tenant, a
// NUL and the normalized address, under a random key made when the spool
// was created and stored in it (meta bucket).
//
// Addresses are easy to enumerate, so a plain hash would be reversed by a
// dictionary; the key makes the hashes useless to anyone without the
// spool. It is a pseudonym, not anonymity: whoever holds the spool can
// test a guessed address, which is exactly what the suppression check
// does. The tenant in the input keeps one person's hashes of different
// tenants unlinkable. Losing the key (a new spool) loses the hashed
// suppressions, as it loses the others.
func (s *Store) HashAddr(tenant, addr string) string {
	return string(s.appendHash(nil, tenant, addr))
}

// hasher is a pooled HMAC with a scratch buffer for its input.
type hasher struct {
	mac hash.Hash
	buf []byte
}

// appendHash appends HashAddr(tenant, addr) to b.
func (s *Store) appendHash(b []byte, tenant, addr string) []byte {
	h := s.hashers.Get().(*hasher)
	h.mac.Reset()
	h.buf = append(append(append(h.buf[:0], tenant...), 0), NormalizeAddr(addr)...)
	h.mac.Write(h.buf)
	var sum [sha256.Size]byte
	h.mac.Sum(sum[:0])
	s.hashers.Put(h)
	b = append(b, HashedPrefix...)
	return hex.AppendEncode(b, sum[:])
}

// hashedKey is the suppression key of addr's hashed form, nil if addr is
// not an address (a hashed Addr, say).
func (s *Store) hashedKey(tenant, addr string) []byte {
	if !strings.Contains(addr, "@") {
		return nil
	}
	b := make([]byte, 0, len(tenant)+1+len(HashedPrefix)+2*sha256.Size)
	return s.appendHash(append(append(b, tenant...), 0), tenant, addr)
}

// Subject is what the spool holds about one address of one tenant.
type Subject struct {
	Tenant string
	Addr   string // normalized
	// Suppressions are the suppression by address and the hashed one, those
	// that exist.
	Suppressions []Suppression
	// SoftFailures are the times of the soft failures counted towards a
	// suppression.
	SoftFailures []time.Time
	// Directory are the address's recipient directory entries, oldest
	// first.
	Directory []Recipient
	// Queued are the address's recipient records in messages still in the
	// queue: waiting, in flight, or final while the message waits for its
	// other recipients.
	Queued []QueuedRcpt
}

// QueuedRcpt is one recipient of a message still in the queue.
type QueuedRcpt struct {
	ID       ID
	Index    uint32
	State    State
	Attempts uint32
	Next     time.Time // the booked attempt; zero when final or held
	Held     bool
	Created  time.Time // when the message was accepted
}

// RcptKey names one recipient of one message.
type RcptKey struct {
	ID    ID
	Index uint32
}

// Keys returns the recipients the subject's directory entries and queued
// records name, each once, in order.
func (sub *Subject) Keys() []RcptKey {
	keys := make([]RcptKey, 0, len(sub.Directory)+len(sub.Queued))
	for _, r := range sub.Directory {
		keys = append(keys, RcptKey{r.ID, r.Index})
	}
	for _, q := range sub.Queued {
		keys = append(keys, RcptKey{q.ID, q.Index})
	}
	slices.SortFunc(keys, func(a, b RcptKey) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Index, b.Index))
	})
	return slices.Compact(keys)
}

// errSubject refuses a request without a tenant or an address.
var errSubject = errors.New("queue: a tenant and an address are required")

// FindSubject returns what the spool holds about tenant's addr, read in
// one read transaction: a scan of the recipient directory and of the
// queue (see the cost above), stopped early if ctx ends.
func (s *Store) FindSubject(ctx context.Context, tenant, addr string) (*Subject, error) {
	if tenant == "" || !strings.Contains(addr, "@") {
		return nil, errSubject
	}
	sub := &Subject{Tenant: tenant, Addr: NormalizeAddr(addr)}
	ck, hk := suppKey(tenant, addr), s.hashedKey(tenant, addr)
	err := s.db.View(func(tx *bolt.Tx) error {
		sb := tx.Bucket(bucketSupp)
		for _, k := range [][]byte{ck, hk} {
			if v := sb.Get(k); v != nil {
				sup, err := decodeSuppression(k, v)
				if err != nil {
					return err
				}
				sub.Suppressions = append(sub.Suppressions, sup)
			}
		}
		// The soft-failure history, kept by address or, after an erasure
		// of a marketing-only suppression, by its hash.
		for _, k := range [][]byte{ck, hk} {
			r := reader{b: tx.Bucket(bucketSoft).Get(k)}
			for len(r.b) > 0 && r.err == nil {
				if t := r.varint(); r.err == nil {
					sub.SoftFailures = append(sub.SoftFailures, time.Unix(t, 0))
				}
			}
		}
		var err error
		if sub.Directory, err = scanDirectory(ctx, tx, tenant, sub.Addr); err != nil {
			return err
		}
		sub.Queued, err = scanQueue(ctx, tx, tenant, sub.Addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("queue: find subject: %w", err)
	}
	return sub, nil
}

// scanDirectory returns tenant's directory entries for addr (normalized).
func scanDirectory(ctx context.Context, tx *bolt.Tx, tenant, addr string) ([]Recipient, error) {
	var out []Recipient
	c := tx.Bucket(bucketDir).Cursor()
	n := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		st, a, ok := matchDir(v, tenant, addr)
		if !ok {
			continue
		}
		id, idx, ok := parseRcptKey(k)
		if !ok {
			continue
		}
		out = append(out, Recipient{ID: id, Index: idx, Tenant: tenant, Addr: a, Stream: st})
	}
	return out, nil
}

// matchDir reports whether the directory value v is an entry of tenant's
// addr (normalized), and returns its stream and stored address. It does
// not allocate unless it matches: it runs for every entry of the bucket.
func matchDir(v []byte, tenant, addr string) (Stream, string, bool) {
	if len(v) < 2 || v[0] != recVersion {
		return 0, "", false
	}
	st := Stream(v[1])
	t, rest, ok := cutString(v[2:])
	if !ok || string(t) != tenant {
		return 0, "", false
	}
	a, _, ok := cutString(rest)
	if !ok || !equalAddr(a, addr) {
		return 0, "", false
	}
	return st, string(a), true
}

// cutString splits a putString field off b.
func cutString(b []byte) (s, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, nil, false
	}
	return b[k : k+int(n)], b[k+int(n):], true
}

// equalAddr reports whether NormalizeAddr(a) == want, comparing in place
// when a is already canonical but for ASCII case (PlainCanonical): a
// directory entry stored with a trailing dot or an IDNA label is
// normalized first, so an export or erasure finds every spelling.
func equalAddr(a []byte, want string) bool {
	if !PlainCanonical(a) {
		return NormalizeAddr(string(a)) == want
	}
	if len(a) != len(want) {
		return false
	}
	for i, c := range a {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}

// scanQueue returns tenant's recipient records for addr (normalized) in
// the queue.
func scanQueue(ctx context.Context, tx *bolt.Tx, tenant, addr string) ([]QueuedRcpt, error) {
	var out []QueuedRcpt
	mb, hb := tx.Bucket(bucketMsg), tx.Bucket(bucketHeld)
	c := tx.Bucket(bucketRcpt).Cursor()
	n := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		id, idx, ok := parseRcptKey(k)
		if !ok {
			continue
		}
		r, err := decodeRcpt(v)
		if err != nil || !equalAddr([]byte(r.Addr), addr) {
			continue
		}
		mv := mb.Get(id.key())
		if mv == nil {
			continue
		}
		md, err := decodeMeta(mv)
		if err != nil || md.Tenant != tenant {
			continue
		}
		q := QueuedRcpt{ID: id, Index: idx, State: r.State, Attempts: r.Attempts, Held: hb.Get(k) != nil, Created: md.Created}
		if r.Next > 0 && !q.Held {
			q.Next = time.Unix(0, r.Next)
		}
		out = append(out, q)
	}
	return out, nil
}

// Erasure counts what EraseSubject removed.
type Erasure struct {
	Directory int // directory entries deleted
	// Waiting counts recipients removed before any delivery (queued,
	// deferred or held); InFlight those removed while an attempt ran (the
	// attempt may still reach the receiver; its outcome is not recorded:
	// the journal has a JournalDeleted, JournalErased entry instead);
	// Final the delivered or failed records of messages that were still
	// waiting for other recipients.
	Waiting, InFlight, Final int
	// Messages counts messages removed with their bodies because no
	// recipient was left.
	Messages int
	// Hashed counts suppressions by address replaced by a hashed one.
	Hashed int
	// SoftFailures reports that a soft-failure history was deleted.
	SoftFailures bool
	// Removed are the waiting and in-flight recipients removed.
	Removed []RcptKey
}

// JournalErased is the Reply of the JournalDeleted entry EraseSubject
// writes for each waiting or in-flight recipient it removes.
const JournalErased = "erased"

// EraseSubject deletes, in one durable write, what sub (from FindSubject)
// found: the directory entries, the recipient records (waiting recipients
// are removed, not bounced: a bounce would keep the address in a failed
// record and an event), the soft-failure history; and replaces the
// suppression by address, if there is one now, with a hashed one of the
// same scope, reason, source and time (not detail, which may quote the
// address), so the address stays suppressed without being stored.
//
// Each waiting or in-flight recipient removed gets a JournalDeleted entry
// (Reply JournalErased; ids, index and tenant, never the address), in the
// same write: the event store's "sent" of that recipient then has an
// outcome, as an operator's Delete gives one. Its delivery attempt, if one
// runs, completes into nothing (Complete ignores a missing record).
//
// A message left with no recipient goes with its body. A body kept in a
// segment file is overwritten with zeros there once the write has
// committed (never before: a rolled-back erasure must leave live mail
// intact), fdatasync'd once per segment before EraseSubject returns, so
// the erasure is never answered with the bytes still on disk (a crash in
// between: Open zeroes them, see erasezero.go); a body kept in bbolt leaves the tree, but its freed page keeps
// the bytes until bbolt reuses it.
//
// Mail accepted after FindSubject's snapshot is not erased: it is new
// data. Erase the events store's records of sub.Keys() before calling
// this, while the directory still links them to the address.
func (s *Store) EraseSubject(ctx context.Context, sub *Subject) (Erasure, error) {
	if sub == nil || sub.Tenant == "" || !strings.Contains(sub.Addr, "@") {
		return Erasure{}, errSubject
	}
	ck, hk := suppKey(sub.Tenant, sub.Addr), s.hashedKey(sub.Tenant, sub.Addr)
	hashed := s.HashAddr(sub.Tenant, sub.Addr)
	var e Erasure
	var d delta
	var jseq uint64
	z := &zeroing{} // filled by the committed transaction only (OnCommit)
	// No compaction copies a body while this removes and zeroes it.
	s.compactMu.Lock()
	defer s.compactMu.Unlock()
	err := s.write(ctx, func(tx *bolt.Tx) error {
		e, d, jseq = Erasure{}, delta{}, 0
		db := tx.Bucket(bucketDir)
		for _, r := range sub.Directory {
			k := rcptKey(r.ID, r.Index)
			if db.Get(k) == nil {
				continue // purged meanwhile
			}
			if err := db.Delete(k); err != nil {
				return err
			}
			e.Directory++
		}
		jw := newJournalWriter(tx)
		if err := s.eraseQueued(tx, jw, sub.Tenant, sub.Queued, &e, &d, z); err != nil {
			return err
		}
		jseq = jw.last
		if err := s.hashSuppression(tx, sub.Tenant, ck, hk, hashed, &e); err != nil {
			return err
		}
		if err := dropFleetOutbox(tx, sub.Tenant, sub.Addr); err != nil {
			return err
		}
		if err := s.markErased(tx, hk); err != nil {
			return err
		}
		soft := tx.Bucket(bucketSoft)
		for _, k := range [][]byte{ck, hk} {
			if soft.Get(k) != nil {
				e.SoftFailures = true
				if err := soft.Delete(k); err != nil {
					return err
				}
			}
		}
		if s.eraseFails != nil {
			if err := s.eraseFails(); err != nil {
				return err
			}
		}
		return d.persist(tx)
	}, func() { s.counts.apply(&d); s.journaled(jseq) })
	if err != nil {
		return Erasure{}, fmt.Errorf("queue: erase subject: %w", err)
	}
	if s.crashAfterErase {
		return e, nil
	}
	// Committed: now the bytes go, outside the writer, before the answer.
	if err := s.zeroErased(ctx, z); err != nil {
		return e, fmt.Errorf("queue: erase subject: erased, but the bodies are not zeroed yet (the next start will): %w", err)
	}
	return e, nil
}

// hashSuppression replaces the suppression by address (key ck) with one
// by the address's keyed hash (hk, of address form hashed): the erased
// person stays suppressed without the address being kept.
func (s *Store) hashSuppression(tx *bolt.Tx, tenant string, ck, hk []byte, hashed string, e *Erasure) error {
	sb := tx.Bucket(bucketSupp)
	if v := sb.Get(ck); v != nil {
		old, err := decodeSuppression(ck, v)
		if err != nil {
			return fmt.Errorf("suppression: %w", err)
		}
		h := Suppression{Tenant: tenant, Addr: hashed, Scope: old.Scope, Reason: old.Reason,
			Source: old.Source, Created: old.Created}
		if hv := sb.Get(hk); hv != nil {
			if prev, err := decodeSuppression(hk, hv); err == nil && prev.Scope == ScopeAll {
				h = prev // already the widest
			}
		}
		// Before the commit, not after: once it deletes the suppression
		// by address, every check must already look for the hashed one.
		s.hashedAny.Store(true)
		if err := s.putSupp(tx, sb, hk, h.encode()); err != nil {
			return err
		}
		if err := sb.Delete(ck); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Put(keyHashedAny, []byte{1}); err != nil {
			return err
		}
		e.Hashed++
	}
	return nil
}

// bucketErased records, by the address's keyed hash, every (tenant,
// address) erased at this node: tenant\0hmac-sha256:<hex> → the erasure's
// time (unix seconds). A suppression of such an address that comes from
// the fleet afterwards (the replicator read it from Redis just before the
// erasure's request deleted it there, or a late resync) is stored hashed,
// never in clear (suppressMany). It is written in EraseSubject's own
// transaction, so no fleet write can fall between the erasure and the
// record: the spool's writer orders them.
var bucketErased = []byte("erased")

// erasedHere reports whether the address of hashed key hk was erased at
// this node.
func erasedHere(tx *bolt.Tx, hk []byte) bool {
	b := tx.Bucket(bucketErased)
	return b != nil && b.Get(hk) != nil
}

// markErased records the erasure of hk's address (see bucketErased).
func (s *Store) markErased(tx *bolt.Tx, hk []byte) error {
	b, err := tx.CreateBucketIfNotExists(bucketErased)
	if err != nil {
		return err
	}
	return b.Put(hk, binary.AppendVarint(nil, s.opts.Now().Unix()))
}

// putHashed stores sup under its hashed key hk (a new hashed suppression:
// no detail, which may quote the address), and turns the hashed lookup on
// before the commit, as EraseSubject does.
func (s *Store) putHashed(tx *bolt.Tx, hk []byte, sup Suppression) error {
	h := Suppression{Tenant: sup.Tenant, Addr: string(hk[len(sup.Tenant)+1:]), Scope: sup.Scope, Reason: sup.Reason,
		Source: sup.Source, Created: sup.Created, Hashed: true}
	s.hashedAny.Store(true)
	if err := s.putSupp(tx, tx.Bucket(bucketSupp), hk, h.encode()); err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keyHashedAny, []byte{1})
}

// dropFleetOutbox deletes the fleet outbox's changes of tenant's addr
// (normalized), not yet pushed to Redis: pushed after the erasure, a
// suppression would put the address back in Redis in clear. The outbox
// is short (it drains within a poll while Redis answers).
func dropFleetOutbox(tx *bolt.Tx, tenant, addr string) error {
	b := tx.Bucket(bucketFleetOutbox)
	if b == nil {
		return nil
	}
	var drop [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if ch, err := decodeFleetChange(k, v); err == nil && ch.Suppression.Tenant == tenant && ch.Suppression.Addr == addr {
			drop = append(drop, bytes.Clone(k))
		}
	}
	for _, k := range drop {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// eraseQueued removes tenant's recipient records qs, counting down their
// messages (which go once nothing is left of them) and journaling the
// removal of those not final yet.
func (s *Store) eraseQueued(tx *bolt.Tx, jw *journalWriter, tenant string, qs []QueuedRcpt, e *Erasure, d *delta, z *zeroing) error {
	at := s.opts.Now()
	sb, rb, ib, hb, mb := scheduleOf(tx), tx.Bucket(bucketRcpt), tx.Bucket(bucketInflight), tx.Bucket(bucketHeld), tx.Bucket(bucketMsg)
	for _, q := range qs {
		k := rcptKey(q.ID, q.Index)
		raw := rb.Get(k)
		if raw == nil {
			continue // completed and removed with its message meanwhile
		}
		r, err := decodeRcpt(raw)
		if err != nil {
			return fmt.Errorf("recipient %s/%d: %w", q.ID, q.Index, err)
		}
		if err := rb.Delete(k); err != nil {
			return err
		}
		switch r.State {
		case Delivered, Failed:
			e.Final++
			continue // already counted out of its message
		case InFlight:
			// Complete ignores a recipient whose record is gone.
			e.InFlight++
			if err := ib.Delete(k); err != nil {
				return err
			}
		default:
			e.Waiting++
		}
		e.Removed = append(e.Removed, RcptKey{q.ID, q.Index})
		if err := jw.add(&JournalEntry{Kind: JournalDeleted, Time: at, Tenant: tenant, ID: q.ID, Index: q.Index,
			Attempt: r.Attempts, Reply: JournalErased}); err != nil {
			return err
		}
		if err := sb.del(&r, q.ID, q.Index); err != nil {
			return err
		}
		if err := hb.Delete(k); err != nil {
			return err
		}
		d.move(r.State, 0)
		msgs := d[0]
		if err := s.finishOne(mb, tx, q.ID, d, z); err != nil {
			return err
		}
		if d[0] < msgs {
			e.Messages++
		}
	}
	return nil
}

// Fleet-wide erasure (package fleet, EraseFollower): a request made at
// one node reaches every node through Redis. The spool keeps, in bucket
// fleet_erase, how far the node has followed the fleet's request log, the
// requests it has applied (by request id, with the address's keyed hash,
// never the address), and the requests it made while Redis could not take
// them (with the address, until they are pushed: the one place the spool
// keeps an erased address, for as long as Redis is down).
var (
	bucketFleetErase = []byte("fleet_erase")
	keyEraseCursor   = []byte("c")
)

// FleetErase is one erasure request of the fleet.
type FleetErase struct {
	ID     string // unique in the fleet: the node that made it and a random part
	Tenant string
	Addr   string
	At     time.Time // when it was made
}

func eraseKey(kind byte, id string) []byte { return append([]byte{kind, ':'}, id...) }

// FleetEraseCursor returns the id of the last entry of the fleet's request
// log this node applied; "" before the first.
func (s *Store) FleetEraseCursor() (string, error) {
	var cur string
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketFleetErase); b != nil {
			cur = string(b.Get(keyEraseCursor))
		}
		return nil
	})
	return cur, err
}

// FleetErased reports whether request id was applied at this node.
func (s *Store) FleetErased(id string) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketFleetErase); b != nil {
			ok = b.Get(eraseKey('a', id)) != nil
		}
		return nil
	})
	return ok, err
}

// MarkFleetErased records durably, in one write, that request e was
// applied here (its id, time and the address's keyed hash) and, when
// cursor is not "", that the log was followed up to it; pending also
// keeps e as a request still to push to Redis.
func (s *Store) MarkFleetErased(ctx context.Context, e FleetErase, cursor string, pending bool) error {
	if e.ID == "" || e.Tenant == "" || !strings.Contains(e.Addr, "@") {
		return errSubject
	}
	applied := binary.AppendVarint(nil, s.opts.Now().Unix())
	applied = putString(putString(applied, e.Tenant), s.HashAddr(e.Tenant, e.Addr))
	var pend []byte
	if pending {
		pend = putString(putString(binary.AppendVarint(nil, e.At.UnixNano()), e.Tenant), e.Addr)
	}
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFleetErase)
		if err != nil {
			return err
		}
		if err := b.Put(eraseKey('a', e.ID), applied); err != nil {
			return err
		}
		if pend != nil {
			if err := b.Put(eraseKey('p', e.ID), pend); err != nil {
				return err
			}
		}
		if cursor == "" {
			return nil
		}
		return b.Put(keyEraseCursor, []byte(cursor))
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: mark fleet erasure: %w", err)
	}
	return nil
}

// SetFleetEraseCursor moves the cursor alone (past an entry not to apply).
func (s *Store) SetFleetEraseCursor(ctx context.Context, cursor string) error {
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFleetErase)
		if err != nil {
			return err
		}
		return b.Put(keyEraseCursor, []byte(cursor))
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: fleet erase cursor: %w", err)
	}
	return nil
}

// FleetErasePending returns the requests made here and not yet pushed.
func (s *Store) FleetErasePending() ([]FleetErase, error) {
	var out []FleetErase
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetErase)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek([]byte("p:")); k != nil && bytes.HasPrefix(k, []byte("p:")); k, v = c.Next() {
			r := reader{b: v}
			at := r.varint()
			e := FleetErase{ID: string(k[2:]), At: time.Unix(0, at), Tenant: r.string(), Addr: r.string()}
			if r.err != nil {
				return fmt.Errorf("pending erasure %q: %w", k[2:], r.err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: fleet erase pending: %w", err)
	}
	return out, nil
}

// FleetErasePushed forgets pending request id (Redis has it now).
func (s *Store) FleetErasePushed(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketFleetErase); b != nil {
			return b.Delete(eraseKey('p', id))
		}
		return nil
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: fleet erasure pushed: %w", err)
	}
	return nil
}
