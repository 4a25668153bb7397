package queue

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The event journal: every state change the spool commits that the event
// store must hear of (a message accepted, a recipient's delivery outcome,
// an operator's bounce or delete) writes one entry into bucketJournal in
// the same transaction as the change itself. The entry is therefore durable
// exactly when the change is, and rides the same group commit: no fsync of
// its own. A drainer (tracking/events Follower) reads entries in sequence
// order, applies them to the event store durably and then acknowledges
// them (AckJournal deletes them), so an event can be delayed by a full or
// failing events disk but never lost, and a crash between the event
// store's commit and the acknowledgement replays at most that batch.
//
// Keys are the bucket's own sequence (bbolt NextSequence, big-endian
// uint64): monotonic, contiguous across commits (a rolled-back transaction
// rolls its sequence back too), so the depth is last written − last acked.
var bucketJournal = []byte("journal")

// JournalKind is what a journal entry records.
type JournalKind uint8

// Journal entry kinds.
const (
	// JournalSent: a message was accepted; one entry stands for all its
	// recipients (indexes 0 … Rcpts−1).
	JournalSent JournalKind = iota + 1
	// JournalDelivered: the receiving MX accepted the recipient.
	JournalDelivered
	// JournalDeferred: a temporary failure; a retry is booked.
	JournalDeferred
	// JournalFailed: a permanent failure or expiry.
	JournalFailed
	// JournalSuppressed: failed by the pre-send suppression check.
	JournalSuppressed
	// JournalBounced: failed by an operator (Bounce).
	JournalBounced
	// JournalDeleted: removed by an operator (Delete), or by a data
	// subject erasure (EraseSubject; Reply is then JournalErased).
	JournalDeleted
	// JournalBounce, JournalComplaint and JournalUnsubscribe: a returned
	// message (an asynchronous bounce, a feedback-loop complaint, a mailto
	// unsubscribe) processed by the inbound worker and attributed to the
	// recipient at Index; Reply holds its class. Written with DoneReturn,
	// in the transaction that removes the return from the inbox.
	JournalBounce
	JournalComplaint
	JournalUnsubscribe

	journalLastKind = JournalUnsubscribe
)

var journalKindNames = [...]string{JournalSent: "sent", JournalDelivered: "delivered", JournalDeferred: "deferred",
	JournalFailed: "failed", JournalSuppressed: "suppressed", JournalBounced: "bounced", JournalDeleted: "deleted",
	JournalBounce: "bounce", JournalComplaint: "complaint", JournalUnsubscribe: "unsubscribe"}

// String names the kind.
func (k JournalKind) String() string {
	if int(k) < len(journalKindNames) && journalKindNames[k] != "" {
		return journalKindNames[k]
	}
	return fmt.Sprintf("journal(%d)", uint8(k))
}

// Bounds of a journal entry's strings, in bytes (longer values are cut).
const (
	maxJournalReply    = 256 // the remote reply or local reason
	maxJournalName     = 200 // campaign (the event store keeps 200 too)
	maxJournalEnhanced = 16  // "5.7.1": RFC 3463 codes are short
	maxJournalMX       = 255 // a host name (RFC 1035 §2.3.4)
	maxJournalTLSName  = 32  // TLSInfo.Policy and Result ("certificate-host-mismatch" is the longest)
	maxJournalRerouted = 256 // why the mail moved to another source
)

// TLSInfo is how a delivery attempt's session was secured, for the event
// store and the tenant's webhook; the zero value is "not known" (entries of
// other kinds, attempts that reached no server, entries written before it
// was kept). Its fields are those of tracking/events' TLS, so that one
// converts into the other.
type TLSInfo struct {
	// Used: the session ran over TLS (STARTTLS, RFC 3207).
	Used bool
	// Verified: the receiver's certificate was verified (WebPKI, MTA-STS
	// or DANE), not merely used.
	Verified bool
	// Version and Cipher are crypto/tls's numbers for the TLS version and
	// cipher suite; 0 without TLS.
	Version, Cipher uint16
	// Policy names the transport security policy ("opportunistic",
	// "mta-sts enforce", "dane", "exempt"…) and Result its verdict as an
	// RFC 8460 §4.3 result type; "" without policies.
	Policy, Result string
}

// JournalEntry is one journaled event.
type JournalEntry struct {
	Seq    uint64 // the journal sequence (set by the spool)
	Kind   JournalKind
	Time   time.Time // acceptance (JournalSent) or outcome time
	Tenant string
	ID     ID
	// Index is the recipient's index in its message (outcomes).
	Index uint32
	// Rcpts is the message's number of recipients (JournalSent).
	Rcpts uint32
	// Campaign is the message's campaign (JournalSent).
	Campaign string
	// Attempt is the attempt number of the outcome (1 for the first).
	Attempt uint32
	// Code, Enhanced, Reply and MX describe the answer: the SMTP reply
	// code (0 if none), its RFC 3463 code, the bounded reply text (or local
	// reason) and the MX host that gave it ("" if none was reached).
	Code     uint16
	Enhanced string
	Reply    string
	MX       string
	// TLS is the attempt's transport (outcomes; zero when unknown).
	TLS TLSInfo
	// Rerouted says why the mail left from another egress source than the
	// one first chosen (a warm-up allowance spent, a blocklisting), or why
	// it waits for one; "" when it did not move (outcomes).
	Rerouted string
}

// Journal entry versions: version 2 added the TLS part and Rerouted.
// Entries of version 1, written before the upgrade and still waiting in
// the journal, decode with those zero.
const (
	journalVersion   = 2
	journalVersionV1 = 1
)

// Bits of the TLS part's first byte.
const (
	journalTLSUsed     = 1 << 0
	journalTLSVerified = 1 << 1
)

// encodeJournal serialises e (all but Seq, which is its key):
//
//	version | kind | time (varint ns) | id | index | rcpts | attempt | code (uvarints) |
//	tenant | campaign | enhanced | reply | mx (uvarint length + bytes)
//	| tls bits (1) | tls version | cipher (uvarints) | tls policy | tls result | rerouted   (version 2)
func encodeJournal(e *JournalEntry) []byte {
	b := make([]byte, 0, 48+len(e.Tenant)+len(e.Campaign)+len(e.Enhanced)+len(e.Reply)+len(e.MX)+
		len(e.TLS.Policy)+len(e.TLS.Result)+len(e.Rerouted))
	b = append(b, journalVersion, byte(e.Kind))
	b = binary.AppendVarint(b, e.Time.UnixNano())
	b = binary.AppendUvarint(b, uint64(e.ID))
	b = binary.AppendUvarint(b, uint64(e.Index))
	b = binary.AppendUvarint(b, uint64(e.Rcpts))
	b = binary.AppendUvarint(b, uint64(e.Attempt))
	b = binary.AppendUvarint(b, uint64(e.Code))
	b = putString(b, e.Tenant)
	b = putString(b, truncate(e.Campaign, maxJournalName))
	b = putString(b, truncate(e.Enhanced, maxJournalEnhanced))
	b = putString(b, truncate(e.Reply, maxJournalReply))
	b = putString(b, truncate(e.MX, maxJournalMX))
	var bits byte
	if e.TLS.Used {
		bits |= journalTLSUsed
	}
	if e.TLS.Verified {
		bits |= journalTLSVerified
	}
	b = append(b, bits)
	b = binary.AppendUvarint(b, uint64(e.TLS.Version))
	b = binary.AppendUvarint(b, uint64(e.TLS.Cipher))
	b = putString(b, truncate(e.TLS.Policy, maxJournalTLSName))
	b = putString(b, truncate(e.TLS.Result, maxJournalTLSName))
	return putString(b, truncate(e.Rerouted, maxJournalRerouted))
}

// decodeJournal parses an entry written by encodeJournal. It never panics;
// anything malformed, over its bounds or with trailing bytes is errCorrupt.
func decodeJournal(b []byte) (JournalEntry, error) {
	r := reader{b: b}
	var e JournalEntry
	v := r.byte()
	if v != journalVersion && v != journalVersionV1 {
		return e, errCorrupt
	}
	e.Kind = JournalKind(r.byte())
	e.Time = time.Unix(0, r.varint())
	e.ID = ID(r.uvarint())
	e.Index = uint32(r.uvarint())
	e.Rcpts = uint32(r.uvarint())
	e.Attempt = uint32(r.uvarint())
	e.Code = uint16(r.uvarint())
	e.Tenant = r.string()
	e.Campaign = r.string()
	e.Enhanced = r.string()
	e.Reply = r.string()
	e.MX = r.string()
	var badTLS bool
	if v >= 2 {
		badTLS = readJournalTLS(&r, &e)
	}
	if r.err != nil || len(r.b) != 0 || badTLS || e.Kind < JournalSent || e.Kind > journalLastKind ||
		len(e.Campaign) > maxJournalName || len(e.Enhanced) > maxJournalEnhanced ||
		len(e.Reply) > maxJournalReply || len(e.MX) > maxJournalMX {
		return JournalEntry{}, errCorrupt
	}
	return e, nil
}

// readJournalTLS reads version 2's part (TLS and Rerouted) into e; bad
// reports unknown bits, numbers over 16 bits or strings over their bounds.
func readJournalTLS(r *reader, e *JournalEntry) (bad bool) {
	bits := r.byte()
	e.TLS.Used, e.TLS.Verified = bits&journalTLSUsed != 0, bits&journalTLSVerified != 0
	ver, cipher := r.uvarint(), r.uvarint()
	e.TLS.Version, e.TLS.Cipher = uint16(ver), uint16(cipher)
	e.TLS.Policy = r.string()
	e.TLS.Result = r.string()
	e.Rerouted = r.string()
	return bits&^(journalTLSUsed|journalTLSVerified) != 0 || ver > 0xFFFF || cipher > 0xFFFF ||
		len(e.TLS.Policy) > maxJournalTLSName || len(e.TLS.Result) > maxJournalTLSName ||
		len(e.Rerouted) > maxJournalRerouted
}

// journalWriter appends entries within one write transaction.
type journalWriter struct {
	b    *bolt.Bucket
	last uint64 // the last sequence written, 0 if none
}

func newJournalWriter(tx *bolt.Tx) *journalWriter {
	b := tx.Bucket(bucketJournal)
	b.FillPercent = 0.95 // keys only grow
	return &journalWriter{b: b}
}

func (w *journalWriter) add(e *JournalEntry) error { return w.put(encodeJournal(e)) }

// put appends an encoded entry under the next sequence.
func (w *journalWriter) put(v []byte) error {
	seq, err := w.b.NextSequence()
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	if err := w.b.Put(k[:], v); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	w.last = seq
	return nil
}

// keyJournalID is the key, in the meta bucket, of the journal's id (see
// JournalID): journalIDLen random bytes, made at the first Open.
var keyJournalID = []byte("journal_id")

const journalIDLen = 16

// loadJournal reads the journal's bounds and id at Open, making the id on
// the first Open of a spool (a spool made before ids existed gets one at
// its first Open after the upgrade).
func (s *Store) loadJournal(tx *bolt.Tx) error {
	b := tx.Bucket(bucketJournal)
	s.journalWritten.Store(b.Sequence())
	first := b.Sequence() + 1
	if k, _ := b.Cursor().First(); len(k) == 8 {
		first = binary.BigEndian.Uint64(k)
	}
	s.journalAcked.Store(first - 1)

	meta := tx.Bucket(bucketMeta)
	id := meta.Get(keyJournalID)
	if len(id) != journalIDLen {
		id = make([]byte, journalIDLen)
		if _, err := rand.Read(id); err != nil {
			return fmt.Errorf("journal id: %w", err)
		}
		if err := meta.Put(keyJournalID, id); err != nil {
			return fmt.Errorf("journal id: %w", err)
		}
	}
	s.journalID = hex.EncodeToString(id)
	return nil
}

// JournalID names this spool's journal: random, made when the spool was
// created and kept in it. Sequences are only comparable within one
// journal: a new spool (a new file, a rebuilt node) starts again at 1, so
// a reader that remembers how far it got must remember it per JournalID,
// or it would take the new spool's first entries for ones it already has.
// A spool restored from a backup keeps its id and goes back in sequence:
// the reader cannot tell that from a replay, and can only warn.
func (s *Store) JournalID() string { return s.journalID }

// journaled publishes, after a commit, that entries up to seq exist, and
// wakes the drainer.
func (s *Store) journaled(seq uint64) {
	if seq == 0 {
		return
	}
	if seq > s.journalWritten.Load() {
		s.journalWritten.Store(seq)
	}
	if s.opts.OnJournal != nil {
		s.opts.OnJournal()
	}
}

// JournalDepth returns how many journal entries wait for the event store
// (a metric: it grows while the event store cannot write).
func (s *Store) JournalDepth() int64 {
	return int64(s.journalWritten.Load() - s.journalAcked.Load())
}

// ReadJournal returns up to max of the oldest journal entries, in order.
// It reads outside the writer (a read transaction). An entry that cannot
// be decoded is logged and skipped: it is acknowledged with the others,
// rather than blocking every event behind it.
func (s *Store) ReadJournal(max int) ([]JournalEntry, error) {
	if max <= 0 {
		max = 1000
	}
	var out []JournalEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJournal).Cursor()
		for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
			if len(k) != 8 {
				continue
			}
			seq := binary.BigEndian.Uint64(k)
			e, err := decodeJournal(v)
			if err != nil {
				s.log.Error("queue: corrupt journal entry skipped", "seq", seq, "err", err)
				e = JournalEntry{} // Kind 0: the reader skips it but acknowledges its sequence
			}
			e.Seq = seq
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: read journal: %w", err)
	}
	return out, nil
}

// AckJournal deletes the journal entries up to and including seq, in one
// durable write through the group commit: call it after the event store
// has committed them.
func (s *Store) AckJournal(ctx context.Context, seq uint64) error {
	var acked uint64
	err := s.writeLazy(ctx, func(tx *bolt.Tx) error {
		acked = 0
		b := tx.Bucket(bucketJournal)
		var end [8]byte
		binary.BigEndian.PutUint64(end[:], seq)
		c := b.Cursor()
		var keys [][]byte
		for k, _ := c.First(); k != nil && bytes.Compare(k, end[:]) <= 0; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		if len(keys) > 0 {
			acked = binary.BigEndian.Uint64(keys[len(keys)-1])
		}
		return nil
	}, func() {
		if acked > s.journalAcked.Load() {
			s.journalAcked.Store(acked)
		}
	})
	if err != nil {
		return fmt.Errorf("queue: ack journal through %d: %w", seq, err)
	}
	return nil
}

// outcomeEntry is the journal entry of one recipient's outcome.
func outcomeEntry(res *Result, tenant string, now time.Time, attempt uint32) *JournalEntry {
	e := &JournalEntry{Time: now, Tenant: tenant, ID: res.ID, Index: res.Index, Attempt: attempt,
		Code: uint16(res.Code), Enhanced: res.Enhanced, Reply: res.Reply, MX: res.MX, TLS: res.TLS, Rerouted: res.Rerouted}
	switch res.Outcome {
	case OutcomeDelivered:
		e.Kind = JournalDelivered
	case OutcomeDeferred:
		e.Kind = JournalDeferred
	case OutcomeFailed:
		e.Kind = JournalFailed
		if res.Suppressed {
			e.Kind = JournalSuppressed
		}
	}
	return e
}

// tenantOf remembers the tenant of the last message looked up: the results
// of one Complete are mostly of one message.
type tenantOf struct {
	id     ID
	tenant string
}

func (t *tenantOf) get(mb *bolt.Bucket, id ID) (string, error) {
	if t.id == id && id != 0 {
		return t.tenant, nil
	}
	mv := mb.Get(id.key())
	if mv == nil {
		return "", nil // an orphan recipient: its outcome still goes out, without a tenant
	}
	md, err := decodeMeta(mv)
	if err != nil {
		return "", fmt.Errorf("message %s: %w", id, err)
	}
	t.id, t.tenant = id, md.Tenant
	return t.tenant, nil
}
