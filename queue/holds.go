package queue

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Holds: an operator's suspensions of a domain, tenant, pool, site or one
// message, durable in the holds bucket, optionally ending by themselves
// (Until) and carrying the operator's reason. Claim sets the due
// recipients a hold covers aside in the held bucket; Resume and
// LiftExpired put them back on the schedule.

var (
	bucketHolds = []byte("holds") // "kind:name" → Hold (encodeHold)
	bucketHeld  = []byte("held")  // id|idx → original due (ns): recipients set aside by a hold
)

// HoldKinds are what can be suspended. Domain, tenant, pool and message
// holds act in Claim (a message hold is named by the message's
// ID.String()); a site (an MX host set) is a delivery notion, so a site
// hold is only recorded here (durably) and the delivery engine asks
// SiteHeld. A stream hold covers one stream of one tenant, named
// "tenant/stream" (StreamHoldName): the reputation guard pauses a
// tenant's marketing mail with one while its transactional mail flows.
var HoldKinds = []string{"domain", "tenant", "pool", "site", "message", "stream"}

// StreamHoldName is the name of the stream hold of tenant's stream st.
func StreamHoldName(tenant string, st Stream) string {
	return strings.ToLower(tenant) + "/" + st.String()
}

// ErrBadHold refuses a hold of an unknown kind, without a name, with a
// bad message id or reason, or ending in the past.
var ErrBadHold = errors.New("queue: bad hold")

// maxHoldReason bounds a hold's reason, in bytes.
const maxHoldReason = 1024

// Hold is one suspension.
type Hold struct {
	Kind, Name string
	By         string
	Since      time.Time
	// Reason is the operator's reason; empty if none was given.
	Reason string
	// Until is when the hold ends by itself (LiftExpired lifts it, and
	// Claim ignores it from then on); zero for a hold that lasts until
	// Resume.
	Until time.Time
	// Released is how many set-aside recipients lifting this hold put
	// back on the schedule; only LiftExpired sets it.
	Released int
}

// expired reports whether h has an end at or before now.
func (h Hold) expired(now time.Time) bool { return !h.Until.IsZero() && !h.Until.After(now) }

// Hold record versions. Version 1 (written before timed holds) is
// since, by; version 2 adds reason and until (unix ns, 0 for none). Both
// decode forever: holds outlive upgrades.
const (
	holdV1 = 1
	holdV2 = 2
)

func (h Hold) encode() []byte {
	b := make([]byte, 0, 24+len(h.By)+len(h.Reason))
	b = append(b, holdV2)
	b = binaryAppendTime(b, h.Since)
	b = putString(b, h.By)
	b = putString(b, h.Reason)
	var until int64
	if !h.Until.IsZero() {
		until = h.Until.UnixNano()
	}
	return binary.AppendVarint(b, until)
}

// decodeHold decodes a stored hold. On error it still returns the kind
// and name, so that a hold that cannot be read is shown (and can be
// resumed) rather than acting unseen.
func decodeHold(k, v []byte) (Hold, error) {
	kind, name, _ := strings.Cut(string(k), ":")
	h := Hold{Kind: kind, Name: name}
	r := reader{b: v}
	ver := r.byte()
	if ver != holdV1 && ver != holdV2 {
		return h, fmt.Errorf("queue: hold %s: version %d: %w", k, ver, errCorrupt)
	}
	h.Since = time.Unix(0, r.varint())
	h.By = r.string()
	if ver == holdV2 {
		h.Reason = r.string()
		if until := r.varint(); until != 0 {
			h.Until = time.Unix(0, until)
		}
	}
	if r.err != nil {
		return Hold{Kind: kind, Name: name}, fmt.Errorf("queue: hold %s: %w", k, r.err)
	}
	return h, nil
}

// holdKey is the key of the hold (kind, name): names are lower-cased,
// and a message's must be its id (16 hex digits).
func holdKey(kind, name string) (string, error) {
	if !validHoldKind(kind) || name == "" {
		return "", fmt.Errorf("%w: kind must be one of %v and name set", ErrBadHold, HoldKinds)
	}
	if kind == "message" {
		id, err := ParseID(name)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrBadHold, err)
		}
		return kind + ":" + id.String(), nil
	}
	if kind == "stream" {
		i := strings.LastIndexByte(name, '/')
		if _, known := ParseStream(name[i+1:]); i <= 0 || !known {
			return "", fmt.Errorf("%w: a stream hold is named tenant/marketing or tenant/transactional", ErrBadHold)
		}
	}
	return kind + ":" + strings.ToLower(name), nil
}

func validHoldKind(k string) bool {
	for _, h := range HoldKinds {
		if h == k {
			return true
		}
	}
	return false
}

// holds is the in-memory mirror of the holds bucket, consulted by Claim.
type holds struct {
	mu      sync.RWMutex
	m       map[string]int64 // "kind:name" → end (unix ns), 0 for none
	streams bool             // some stream hold is in m
}

// has reports whether (kind, name) is held at now (unix ns): a hold
// whose end has come no longer counts, even before LiftExpired removes it.
func (h *holds) has(kind, name string, now int64) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	until, ok := h.m[kind+":"+name]
	return ok && (until == 0 || now < until)
}

func (h *holds) any() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.m) > 0
}

// load reads the holds bucket. A hold that cannot be decoded counts as
// one without end: mail stays held rather than going out unexpectedly.
func (h *holds) load(tx *bolt.Tx) {
	m := map[string]int64{}
	streams := false
	_ = tx.Bucket(bucketHolds).ForEach(func(k, v []byte) error {
		hd, _ := decodeHold(k, v)
		streams = streams || hd.Kind == "stream"
		m[string(k)] = 0
		if !hd.Until.IsZero() {
			m[string(k)] = hd.Until.UnixNano()
		}
		return nil
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m, h.streams = m, streams
}

// anyStream reports whether some stream hold exists (expired or not), so
// that covers builds a stream hold's name only when it may matter.
func (h *holds) anyStream() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.streams
}

// covers reports whether these holds cover recipient r of message id
// (metadata md) at now (unix ns).
func (h *holds) covers(id ID, md meta, r rcpt, now int64) bool {
	if !h.any() {
		return false
	}
	pool := md.Pool
	if pool == "" {
		pool = "default" // records from before pools were stored
	}
	tenant := strings.ToLower(md.Tenant)
	return h.has("domain", Domain(r.Addr), now) || h.has("tenant", tenant, now) ||
		h.has("pool", strings.ToLower(pool), now) || (id != 0 && h.has("message", id.String(), now)) ||
		(h.anyStream() && h.has("stream", tenant+"/"+md.Stream.String(), now))
}

// held reports whether recipient r of message id is under a hold now.
func (s *Store) held(md meta, r rcpt, id ID) bool {
	return s.holds.covers(id, md, r, s.opts.Now().UnixNano())
}

// SiteHeld reports whether a site (by its shaping name) is suspended.
func (s *Store) SiteHeld(site string) bool {
	return s.holds.has("site", strings.ToLower(site), s.opts.Now().UnixNano())
}

// reloadHolds publishes the committed holds to Claim; it runs on the
// writer right after the commit that changed them, so changes are seen in
// commit order and never before they are durable.
func (s *Store) reloadHolds() {
	_ = s.db.View(func(tx *bolt.Tx) error { s.holds.load(tx); return nil })
}

// Suspend holds a domain, tenant, pool, site or message until Resume:
// its due recipients are set aside (durably) instead of being claimed.
func (s *Store) Suspend(ctx context.Context, kind, name, by string) error {
	return s.SuspendUntil(ctx, kind, name, by, "", time.Time{})
}

// SuspendUntil holds (kind, name) like Suspend, for reason, until the
// instant until (zero: until Resume). Suspending what is already held
// replaces that hold (its end and reason). A message must be in the
// spool to be held.
func (s *Store) SuspendUntil(ctx context.Context, kind, name, by, reason string, until time.Time) error {
	key, err := holdKey(kind, name)
	if err != nil {
		return err
	}
	if len(reason) > maxHoldReason {
		return fmt.Errorf("%w: %s: reason over %d bytes", ErrBadHold, key, maxHoldReason)
	}
	now := s.opts.Now()
	if !until.IsZero() && !until.After(now) {
		return fmt.Errorf("%w: %s: end %s is not after now", ErrBadHold, key, until.UTC().Format(time.RFC3339))
	}
	_, name, _ = strings.Cut(key, ":")
	h := Hold{Kind: kind, Name: name, By: by, Since: now, Reason: reason, Until: until}
	v := h.encode()
	err = s.write(ctx, func(tx *bolt.Tx) error {
		if kind == "message" {
			id, _ := ParseID(name)
			if tx.Bucket(bucketMsg).Get(id.key()) == nil {
				return ErrNotFound
			}
		}
		if err := tx.Bucket(bucketHolds).Put([]byte(key), v); err != nil {
			return err
		}
		return fleetHoldOut(tx, HoldChange{Hold: h}) // fleet mode: to every node (holds_fleet.go)
	}, s.reloadHolds)
	if err != nil {
		return fmt.Errorf("queue: suspend %s: %w", key, err)
	}
	return nil
}

// Resume lifts a hold and puts its set-aside recipients back on the
// schedule at their original due times, so they go in their old order
// (those of a message hold were due when set aside: they are due now).
// It returns how many recipients were released.
func (s *Store) Resume(ctx context.Context, kind, name string) (int, error) {
	key := kind + ":" + strings.ToLower(name)
	var n int
	err := s.write(ctx, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketHolds).Delete([]byte(key)); err != nil {
			return err
		}
		// Fleet mode: lifted at every node, held here or not.
		if err := fleetHoldOut(tx, HoldChange{Lift: true, Hold: Hold{Kind: kind, Name: strings.ToLower(name), Since: s.opts.Now()}}); err != nil {
			return err
		}
		var err error
		n, err = releaseHeld(tx, s.opts.Now().UnixNano())
		return err
	}, s.reloadHolds)
	if err != nil {
		return 0, fmt.Errorf("queue: resume %s: %w", key, err)
	}
	s.dueSooner()
	return n, nil
}

// LiftExpired removes every hold whose end is at or before now, and every
// message hold whose message has left the spool, and releases what they
// held; it returns the holds it removed. The decision is made on the
// stored holds inside the write transaction, so a hold suspended again
// (with a new end, or none) since anyone listed it is left alone. When
// nothing is due to lift it writes nothing (no fsync), so it can run
// every few seconds.
func (s *Store) LiftExpired(ctx context.Context, now time.Time) ([]Hold, error) {
	var due bool
	_ = s.db.View(func(tx *bolt.Tx) error {
		due = len(liftable(tx, now)) > 0
		return nil
	})
	if !due {
		return nil, nil
	}
	var lifted []Hold
	var n int
	err := s.write(ctx, func(tx *bolt.Tx) error {
		lifted, n = liftable(tx, now), 0
		hb := tx.Bucket(bucketHolds)
		// One hold at a time, so that each counts what it alone held.
		for i, h := range lifted {
			if err := hb.Delete([]byte(h.Kind + ":" + h.Name)); err != nil {
				return err
			}
			// A message that left is known only here: lift its hold in the
			// fleet's too. An ended hold is lifted by every node's own clock.
			if !h.expired(now) {
				if err := fleetHoldOut(tx, HoldChange{Lift: true, Hold: Hold{Kind: h.Kind, Name: h.Name, Since: now}}); err != nil {
					return err
				}
			}
			k, err := releaseHeld(tx, now.UnixNano())
			if err != nil {
				return err
			}
			lifted[i].Released, n = k, n+k
		}
		return nil
	}, s.reloadHolds)
	if err != nil {
		return nil, fmt.Errorf("queue: lift expired holds: %w", err)
	}
	if n > 0 {
		s.dueSooner()
	}
	return lifted, nil
}

// liftable lists the stored holds LiftExpired removes at now: expired
// ones, and message holds whose message is gone (delivered, erased).
func liftable(tx *bolt.Tx, now time.Time) []Hold {
	var out []Hold
	mb := tx.Bucket(bucketMsg)
	_ = tx.Bucket(bucketHolds).ForEach(func(k, v []byte) error {
		h, err := decodeHold(k, v)
		if err != nil {
			return nil // unreadable: kept, shown, resumed by hand
		}
		if h.expired(now) {
			out = append(out, h)
		} else if id, err := ParseID(h.Name); h.Kind == "message" && err == nil && mb.Get(id.key()) == nil {
			out = append(out, h)
		}
		return nil
	})
	return out
}

// releaseHeld puts back on the schedule, at their original due times,
// the set-aside recipients the holds stored in tx no longer cover at now
// (unix ns), drops entries of recipients that are gone, and returns how
// many it released.
func releaseHeld(tx *bolt.Tx, now int64) (int, error) {
	var left holds // the holds as this transaction leaves them
	left.load(tx)
	hb, rb, sb, mb := tx.Bucket(bucketHeld), tx.Bucket(bucketRcpt), scheduleOf(tx), tx.Bucket(bucketMsg)
	var keys [][]byte
	var dues []int64
	c := hb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		id, _, ok := parseRcptKey(k)
		raw := rb.Get(k)
		mv := mb.Get(id.key())
		if !ok || raw == nil || mv == nil {
			keys, dues = append(keys, bytes.Clone(k)), append(dues, -1)
			continue
		}
		r, err1 := decodeRcpt(raw)
		md, err2 := decodeMeta(mv)
		if err := errors.Join(err1, err2); err != nil || left.covers(id, md, r, now) {
			continue // unreadable, or still held by another hold
		}
		due := int64(0)
		if len(v) == 8 {
			due = int64(bytesToUint64(v))
		}
		keys, dues = append(keys, bytes.Clone(k)), append(dues, due)
	}
	n := 0
	for i, k := range keys {
		if err := hb.Delete(k); err != nil {
			return 0, err
		}
		if dues[i] < 0 {
			continue
		}
		id, idx, _ := parseRcptKey(k)
		r, err := decodeRcpt(rb.Get(k))
		if err != nil {
			return 0, fmt.Errorf("recipient %s/%d: %w", id, idx, err)
		}
		r.Next = dues[i]
		if err := rb.Put(k, r.encode()); err != nil {
			return 0, err
		}
		if err := sb.put(&r, id, idx); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// Holds lists the suspensions, expired ones not yet lifted included. A
// hold that cannot be decoded is listed with its kind and name only.
func (s *Store) Holds() []Hold {
	var out []Hold
	_ = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHolds).ForEach(func(k, v []byte) error {
			h, _ := decodeHold(k, v)
			out = append(out, h)
			return nil
		})
	})
	return out
}
