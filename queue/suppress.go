package queue

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Scope says which mail a suppression blocks.
type Scope uint8

// Scopes. A marketing unsubscribe blocks marketing mail only; hard bounces
// and complaints block every stream.
const (
	ScopeAll Scope = iota + 1
	ScopeMarketing
)

// String returns "all" or "marketing".
func (s Scope) String() string {
	if s == ScopeMarketing {
		return "marketing"
	}
	return "all"
}

// ParseScope parses "all" or "marketing".
func ParseScope(s string) (Scope, bool) {
	switch strings.ToLower(s) {
	case "all", "":
		return ScopeAll, true
	case "marketing":
		return ScopeMarketing, true
	}
	return 0, false
}

// Blocks reports whether a suppression of this scope blocks mail of stream.
func (s Scope) Blocks(st Stream) bool { return s == ScopeAll || st == Marketing }

// Suppression is one address a tenant may not send to.
type Suppression struct {
	Tenant string
	Addr   string // lowercased
	Scope  Scope
	// Reason is the classification that caused it ("hard_invalid_recipient",
	// "complaint", "unsubscribe", "soft_mailbox_full", "admin", …).
	Reason string
	// Source says where it came from ("delivery", "inbound", "edge", "admin",
	// "import").
	Source  string
	Created time.Time
	// Detail is the remote reply or report summary (bounded).
	Detail string
	// Hashed marks a suppression kept after an erasure (GDPR Art. 17):
	// Addr is then not an address but HashedPrefix and a keyed hash of
	// it (see Store.HashAddr), and Detail is empty.
	Hashed bool
}

var (
	bucketSupp = []byte("supp") // tenant\x00addr → suppression
	bucketSoft = []byte("soft") // tenant\x00addr → soft failure times
)

func suppKey(tenant, addr string) []byte {
	return []byte(tenant + "\x00" + NormalizeAddr(addr))
}

func (s *Suppression) encode() []byte {
	b := []byte{recVersion, byte(s.Scope)}
	b = binary.AppendVarint(b, s.Created.Unix())
	b = putString(b, s.Reason)
	b = putString(b, s.Source)
	b = putString(b, truncate(s.Detail, 300))
	return b
}

func decodeSuppression(key, v []byte) (Suppression, error) {
	var s Suppression
	t, a, ok := bytes.Cut(key, []byte{0})
	if !ok {
		return s, errCorrupt
	}
	s.Tenant, s.Addr = string(t), string(a)
	s.Hashed = bytes.HasPrefix(a, []byte(HashedPrefix))
	r := reader{b: v}
	if r.byte() != recVersion {
		return s, errCorrupt
	}
	s.Scope = Scope(r.byte())
	s.Created = time.Unix(r.varint(), 0)
	s.Reason = r.string()
	s.Source = r.string()
	s.Detail = r.string()
	return s, r.err
}

// Suppress records sup durably. An existing suppression is widened (a
// marketing unsubscribe followed by a hard bounce becomes scope all) but
// never narrowed: an unsubscribe after a complaint keeps blocking all.
func (s *Store) Suppress(ctx context.Context, sup Suppression) error {
	return s.SuppressMany(ctx, []Suppression{sup})
}

// SuppressMany records several suppressions in one durable write (imports).
// In fleet mode (SetFleetOutbox) the same transaction appends each one to
// the fleet outbox, so a crash between the local write and the push to
// Redis cannot lose it.
func (s *Store) SuppressMany(ctx context.Context, sups []Suppression) error {
	return s.suppressMany(ctx, sups, true)
}

// ApplyFleetSuppressions records suppressions that came from the fleet
// (another node, through Redis) like SuppressMany, but never into the
// fleet outbox: sending them back would echo them between nodes forever.
// An address erased at this node (EraseSubject) is stored by its keyed
// hash only: the fleet may still hand over a copy in clear that it read
// before the erasure reached Redis.
func (s *Store) ApplyFleetSuppressions(ctx context.Context, sups []Suppression) error {
	return s.suppressMany(ctx, sups, false)
}

func (s *Store) suppressMany(ctx context.Context, sups []Suppression, outbox bool) error {
	now := s.opts.Now()
	for i := range sups {
		sup := &sups[i]
		if sup.Tenant == "" || sup.Addr == "" {
			return errors.New("queue: suppress: tenant and address are required")
		}
		if sup.Scope == 0 {
			sup.Scope = ScopeAll
		}
		if sup.Created.IsZero() {
			sup.Created = now
		}
		sup.Addr = NormalizeAddr(sup.Addr)
	}
	hashed := make([][]byte, len(sups))
	for i, sup := range sups {
		hashed[i] = s.hashedKey(sup.Tenant, sup.Addr)
	}
	fromFleet := !outbox
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSupp)
		outbox := outbox && fleetOutboxOn(tx)
		for i, sup := range sups {
			if outbox && (hashed[i] == nil || b.Get(hashed[i]) == nil) {
				// Every suppression a caller makes goes to the fleet, even
				// one this spool already held (it may predate fleet mode);
				// an erased address's does not: its hash is this spool's
				// alone and the address is never stored again.
				if err := fleetOutboxPut(tx, FleetChange{Suppression: sup}); err != nil {
					return err
				}
			}
			if hk := hashed[i]; hk != nil {
				if v := b.Get(hk); v != nil {
					// The address was erased: it stays suppressed by its
					// hash only, widened if need be, and is not stored
					// again.
					if old, err := decodeSuppression(hk, v); err == nil && (old.Scope == ScopeAll || old.Scope == sup.Scope) {
						continue
					}
					wide := sup
					wide.Detail = ""
					if err := s.putSupp(tx, b, hk, wide.encode()); err != nil {
						return err
					}
					continue
				}
				if fromFleet && erasedHere(tx, hk) {
					// The fleet's copy of a suppression this node erased
					// (read from Redis before the erasure deleted it
					// there): kept by its hash, never in clear again.
					if err := s.putHashed(tx, hk, sup); err != nil {
						return err
					}
					continue
				}
			}
			k := suppKey(sup.Tenant, sup.Addr)
			if v := b.Get(k); v != nil {
				if old, err := decodeSuppression(k, v); err == nil && (old.Scope == ScopeAll || old.Scope == sup.Scope) {
					continue // already at least as wide
				}
			}
			if err := s.putSupp(tx, b, k, sup.encode()); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: suppress: %w", err)
	}
	return nil
}

// Unsuppress removes tenant's suppression of addr (and its soft-failure
// history), in either form: an operator who lifts the suppression of an
// address lifts the hashed one left by an erasure too. addr may also be
// the Addr of a hashed suppression. It reports whether one existed.
//
// In fleet mode (SetFleetOutbox) the same transaction appends the lift to
// the fleet outbox.
func (s *Store) Unsuppress(ctx context.Context, tenant, addr string) (bool, error) {
	return s.unsuppress(ctx, tenant, addr, true)
}

// ApplyFleetLift lifts a suppression as the fleet asked (another node's
// operator), like Unsuppress but never into the fleet outbox.
func (s *Store) ApplyFleetLift(ctx context.Context, tenant, addr string) (bool, error) {
	return s.unsuppress(ctx, tenant, addr, false)
}

func (s *Store) unsuppress(ctx context.Context, tenant, addr string, outbox bool) (bool, error) {
	var existed bool
	hk := s.hashedKey(tenant, addr)
	err := s.write(ctx, func(tx *bolt.Tx) error {
		k := suppKey(tenant, addr)
		b := tx.Bucket(bucketSupp)
		existed = b.Get(k) != nil
		if outbox && fleetOutboxOn(tx) {
			lift := FleetChange{Lift: true, Suppression: Suppression{Tenant: tenant, Addr: NormalizeAddr(addr),
				Scope: ScopeAll, Created: s.opts.Now()}}
			if err := fleetOutboxPut(tx, lift); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketSoft).Delete(k); err != nil {
			return err
		}
		if hk != nil {
			existed = existed || b.Get(hk) != nil
			if err := b.Delete(hk); err != nil {
				return err
			}
			if err := tx.Bucket(bucketSoft).Delete(hk); err != nil {
				return err
			}
		}
		// Keys written before NormalizeAddr's canonical form.
		for _, lk := range s.legacyKeys(tx, tenant, NormalizeAddr(addr)) {
			existed = existed || b.Get(lk) != nil
			if err := b.Delete(lk); err != nil {
				return err
			}
			if err := tx.Bucket(bucketSoft).Delete(lk); err != nil {
				return err
			}
		}
		return b.Delete(k)
	}, nil)
	if err != nil {
		return false, fmt.Errorf("queue: unsuppress: %w", err)
	}
	return existed, nil
}

// Suppressed returns tenant's suppression of addr, if any, in either form
// (by address, or by its hash after an erasure; the wider of the two if
// both exist). It is a read transaction of one key lookup, plus an HMAC
// and a second lookup once the spool has ever held a hashed suppression:
// cheap enough for every RCPT (BenchmarkSuppressed).
func (s *Store) Suppressed(tenant, addr string) (Suppression, bool) {
	var sup Suppression
	var ok bool
	if s.notSuppressed(tenant, addr) {
		return sup, false // the filter's proof (suppfilter.go)
	}
	_ = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSupp)
		k := suppKey(tenant, addr)
		if v := b.Get(k); v != nil {
			var err error
			sup, err = decodeSuppression(k, v)
			ok = err == nil
		}
		if ok && sup.Scope == ScopeAll {
			return nil
		}
		if s.hashedAny.Load() {
			if hk := s.hashedKey(tenant, addr); hk != nil {
				if v := b.Get(hk); v != nil {
					if h, err := decodeSuppression(hk, v); err == nil && (!ok || h.Scope == ScopeAll) {
						sup, ok = h, true
					}
				}
			}
			if ok && sup.Scope == ScopeAll {
				return nil
			}
		}
		// Keys written before NormalizeAddr's canonical form.
		if l, found := s.legacyLookup(tx, tenant, NormalizeAddr(addr)); found && (!ok || l.Scope == ScopeAll) {
			sup, ok = l, true
		}
		return nil
	})
	return sup, ok
}

// ListSuppressions returns up to limit suppressions of tenant with
// addresses after the given one (for paging; "" starts at the beginning).
// An empty tenant lists every tenant's, in tenant order.
func (s *Store) ListSuppressions(tenant, after string, limit int) ([]Suppression, error) {
	if limit <= 0 {
		limit = 1000
	}
	var out []Suppression
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSupp).Cursor()
		prefix := []byte(nil)
		if tenant != "" {
			prefix = []byte(tenant + "\x00")
		}
		start := prefix
		if after != "" {
			start = append(suppKey(tenant, after), 0)
		}
		for k, v := c.Seek(start); k != nil && len(out) < limit; k, v = c.Next() {
			if prefix != nil && !bytes.HasPrefix(k, prefix) {
				break
			}
			if k[0] == 0 {
				continue // the empty tenant: keySuppNorm, no suppression
			}
			sup, err := decodeSuppression(k, v)
			if err != nil {
				return err
			}
			out = append(out, sup)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: list suppressions: %w", err)
	}
	return out, nil
}

// RecordSoftFailure notes a soft failure (mailbox full, temporary) of
// tenant's mail to addr and, when there have been threshold of them within
// window, suppresses the address for all streams. It reports whether the
// address is now suppressed.
func (s *Store) RecordSoftFailure(ctx context.Context, tenant, addr, reason, detail string, threshold int, window time.Duration) (bool, error) {
	if threshold <= 0 {
		return false, nil
	}
	now := s.opts.Now()
	var suppressed bool
	hk := s.hashedKey(tenant, addr)
	err := s.write(ctx, func(tx *bolt.Tx) error {
		suppressed = false
		k := suppKey(tenant, addr)
		soft := tx.Bucket(bucketSoft)
		if hk != nil {
			if v := tx.Bucket(bucketSupp).Get(hk); v != nil {
				// Erased: the address is known only by its hash. Suppressed
				// for every stream already, nothing to count; otherwise
				// (marketing only) count under the hash, so that reaching
				// the threshold widens the hashed entry and the address is
				// never stored again.
				if old, err := decodeSuppression(hk, v); err == nil && old.Scope == ScopeAll {
					suppressed = true
					return soft.Delete(k)
				}
				if err := soft.Delete(k); err != nil {
					return err
				}
				k = hk
			}
		}
		hashed := hk != nil && bytes.Equal(k, hk)
		var times []int64
		r := reader{b: soft.Get(k)}
		for len(r.b) > 0 && r.err == nil {
			if t := r.varint(); now.Unix()-t < int64(window.Seconds()) {
				times = append(times, t)
			}
		}
		times = append(times, now.Unix())
		if len(times) > threshold {
			times = times[len(times)-threshold:]
		}
		if len(times) >= threshold {
			suppressed = true
			if old := tx.Bucket(bucketSupp).Get(k); old != nil && !hashed {
				return soft.Delete(k) // already suppressed: keep the first reason
			}
			sup := Suppression{Tenant: tenant, Addr: NormalizeAddr(addr), Scope: ScopeAll, Reason: reason,
				Source: "delivery", Created: now, Detail: detail}
			if hashed {
				// Widen the hashed, marketing-only entry to every stream.
				sup.Addr, sup.Detail, sup.Hashed = string(k[len(tenant)+1:]), "", true
			}
			if err := s.putSupp(tx, tx.Bucket(bucketSupp), k, sup.encode()); err != nil {
				return err
			}
			if !hashed && fleetOutboxOn(tx) {
				if err := fleetOutboxPut(tx, FleetChange{Suppression: sup}); err != nil {
					return err
				}
			}
			return soft.Delete(k)
		}
		var b []byte
		for _, t := range times {
			b = binary.AppendVarint(b, t)
		}
		return soft.Put(k, b)
	}, nil)
	if err != nil {
		return false, fmt.Errorf("queue: record soft failure: %w", err)
	}
	return suppressed, nil
}

// keyFleetOutboxOn, in the fleet_meta bucket, marks a spool whose
// suppression changes go to the fleet outbox (see SetFleetOutbox).
var keyFleetOutboxOn = []byte("outbox_on")

// SetFleetOutbox turns fleet mode's outbox on or off for this spool,
// durably. While on, every suppression and lift written through Suppress,
// SuppressMany, Unsuppress or RecordSoftFailure (whoever the caller: the
// admin API, the returns policy, the edge) is appended to the fleet
// outbox in the transaction that writes it, so that nothing a crash can
// interrupt lies between the local write and the push. `sluice serve`
// sets it at every start from the config, before any writer runs: off in
// a single node, so that its outbox never grows.
//
// Being the suppression table's start-up call (`sluice serve` and the
// standalone edge in a fleet make it before any writer runs), it also
// rewrites, once per spool, the keys written before NormalizeAddr gave
// every address one canonical form (migrateSuppressionKeys); until a
// spool is rewritten, lookups and lifts probe the older forms too.
func (s *Store) SetFleetOutbox(ctx context.Context, on bool) error {
	var moved int
	err := s.write(ctx, func(tx *bolt.Tx) error {
		var err error
		if moved, err = s.migrateSuppressionKeys(tx); err != nil {
			return fmt.Errorf("rewrite suppression keys: %w", err)
		}
		b, err := tx.CreateBucketIfNotExists(bucketFleetMeta)
		if err != nil {
			return err
		}
		if on {
			return b.Put(keyFleetOutboxOn, []byte{1})
		}
		return b.Delete(keyFleetOutboxOn)
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: set fleet outbox: %w", err)
	}
	if moved > 0 {
		s.log.Info("queue: rewrote suppression keys to their canonical form", "keys", moved)
	}
	return nil
}

// fleetOutboxOn reports whether suppression changes go to the fleet
// outbox (one key lookup in the writer's transaction).
func fleetOutboxOn(tx *bolt.Tx) bool {
	b := tx.Bucket(bucketFleetMeta)
	return b != nil && b.Get(keyFleetOutboxOn) != nil
}

// fleetOutboxPut appends one change to the fleet outbox in tx (the
// encoding of queue/fleet.go, read back by FleetOutbox).
func fleetOutboxPut(tx *bolt.Tx, ch FleetChange) error {
	b, err := tx.CreateBucketIfNotExists(bucketFleetOutbox)
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return b.Put(k[:], ch.encode())
}

// bucketReturnsApplied holds one marker per return applied to a recipient
// (ReturnKey.key → nothing): created on first use.
var bucketReturnsApplied = []byte("returns_applied")

// ReturnKey names one return as applied to one recipient: the message,
// the recipient's index in it and the kind of return ("bounce:<class>",
// "complaint", "unsubscribe", …: the caller's vocabulary). A replay of a
// return (the same DSN or report sent again, by anyone who holds a copy)
// has the same key, so it applies nothing new and counts once.
type ReturnKey struct {
	ID    ID
	Index uint32
	Kind  string
}

func (k ReturnKey) key() []byte {
	return append(rcptKey(k.ID, k.Index), k.Kind...)
}

// ReturnsApplied reports, for each key, whether MarkReturnsApplied has
// recorded it.
func (s *Store) ReturnsApplied(keys []ReturnKey) []bool {
	out := make([]bool, len(keys))
	_ = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReturnsApplied)
		if b == nil {
			return nil
		}
		for i, k := range keys {
			out[i] = b.Get(k.key()) != nil
		}
		return nil
	})
	return out
}

// maxPrunePerMark bounds the expired markers one MarkReturnsApplied
// deletes, so that a write after a long pause stays short.
const maxPrunePerMark = 256

// MarkReturnsApplied records keys durably, and drops up to a bounded
// number of markers of messages older than keep (their id, which is the
// acceptance time in microseconds; keep should be at least the recipient
// directory's retention, past which no return can be attributed anyway).
func (s *Store) MarkReturnsApplied(ctx context.Context, keys []ReturnKey, keep time.Duration) error {
	if len(keys) == 0 {
		return nil
	}
	cutoff := uint64(max(0, s.opts.Now().Add(-keep).UnixMicro()))
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketReturnsApplied)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := b.Put(k.key(), nil); err != nil {
				return err
			}
		}
		c := b.Cursor()
		for n, k := 0, firstKey(c); n < maxPrunePerMark && len(k) >= 8 && binary.BigEndian.Uint64(k[:8]) < cutoff; n, k = n+1, firstKey(c) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: mark returns applied: %w", err)
	}
	return nil
}

// firstKey positions c on its bucket's first key and returns it.
func firstKey(c *bolt.Cursor) []byte {
	k, _ := c.First()
	return k
}
