package accounting

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"sluice/tracking/events"
)

// The events that the log will show wait in a bucket of the events file,
// written by Append in the same transaction as the events themselves: an
// event is stored if and only if its line is owed. The writer deletes
// them once their lines are in the log and fsync'd.
//
//	acct_out   chunk (8 bytes BE, bucket sequence) → stored lines, one JSON per line ('\n' after each)
//	acct_state "written"                            → the last line sequence written and fsync'd (8 bytes BE)
//	acct_state "id"                                 → the outbox's id (identity.go)
//
// A line's sequence is chunk<<chunkBits | its index in the chunk, so lines
// are numbered in commit order without a key per event (one Put per
// chunk, as the events store itself does one per batch).
var (
	bucketOut   = []byte("acct_out")
	bucketState = []byte("acct_state")
	keyWritten  = []byte("written")
)

const (
	chunkBits = 12
	// chunkMax is the most events one chunk holds.
	chunkMax = 1 << chunkBits
)

// Store is the events store as the accounting log keeps its outbox in it
// (*events.Store implements it).
type Store interface {
	View(fn func(*events.Tx) error) error
	Update(fn func(*events.Tx) error) error
}

var _ Store = (*events.Store)(nil)

// Append is the events store's InTx hook (events.Options.InTx; with
// webhooks too, through Chain): it queues the lines of evs whose kind
// is logged, in the store's own write transaction.
func (w *Writer) Append(tx *events.Tx, evs []events.Event) error {
	b, err := tx.CreateBucketIfNotExists(bucketOut)
	if err != nil {
		return fmt.Errorf("accounting: outbox: %w", err)
	}
	b.SetFillPercent(0.95) // keys are appended in order
	var buf []byte
	n, total := 0, 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		seq, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("accounting: outbox: %w", err)
		}
		if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), buf); err != nil {
			return fmt.Errorf("accounting: outbox: %w", err)
		}
		total += n
		buf, n = nil, 0
		return nil
	}
	for i := range evs {
		if !w.kinds[evs[i].Kind] {
			continue
		}
		s := fromEvent(&evs[i])
		j, err := json.Marshal(&s)
		if err != nil {
			return fmt.Errorf("accounting: encode: %w", err)
		}
		buf = append(append(buf, j...), '\n')
		if n++; n == chunkMax {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if total > 0 {
		tx.OnCommit(func() {
			w.backlog.Add(int64(total))
			w.kick()
		})
	}
	return nil
}

// Chain returns an InTx hook that runs each non-nil hook in turn (the
// webhook outbox's and the accounting log's), nil when there is none.
func Chain(hooks ...func(*events.Tx, []events.Event) error) func(*events.Tx, []events.Event) error {
	var hs []func(*events.Tx, []events.Event) error
	for _, h := range hooks {
		if h != nil {
			hs = append(hs, h)
		}
	}
	switch len(hs) {
	case 0:
		return nil
	case 1:
		return hs[0]
	}
	return func(tx *events.Tx, evs []events.Event) error {
		for _, h := range hs {
			if err := h(tx, evs); err != nil {
				return err
			}
		}
		return nil
	}
}

// chunk is one outbox entry read by the writer.
type chunk struct {
	key   uint64
	lines []byte // stored lines, copied out of the transaction
}

// readChunks returns up to n chunks, oldest first, the last sequence
// written (acct_state) and the highest line sequence this outbox can
// have given out (0 if none).
func readChunks(s Store, n int) (cs []chunk, written, ceiling uint64, err error) {
	err = s.View(func(tx *events.Tx) error {
		if st := tx.Bucket(bucketState); st != nil {
			if v := st.Get(keyWritten); len(v) == 8 {
				written = binary.BigEndian.Uint64(v)
			}
		}
		b := tx.Bucket(bucketOut)
		if b == nil {
			return nil
		}
		if seq := b.Sequence(); seq > 0 {
			ceiling = (seq+1)<<chunkBits - 1
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(cs) < n; k, v = c.Next() {
			if len(k) != 8 {
				continue
			}
			cs = append(cs, chunk{key: binary.BigEndian.Uint64(k), lines: append([]byte(nil), v...)})
		}
		return nil
	})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("accounting: read outbox: %w", err)
	}
	return cs, written, ceiling, nil
}

// ack deletes chunks whose lines are all written and records written.
func ack(s Store, cs []chunk, written uint64) error {
	err := s.Update(func(tx *events.Tx) error {
		st, err := tx.CreateBucketIfNotExists(bucketState)
		if err != nil {
			return err
		}
		if err := st.Put(keyWritten, binary.BigEndian.AppendUint64(nil, written)); err != nil {
			return err
		}
		b := tx.Bucket(bucketOut)
		if b == nil {
			return nil
		}
		for _, c := range cs {
			if err := b.Delete(binary.BigEndian.AppendUint64(nil, c.key)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("accounting: acknowledge: %w", err)
	}
	return nil
}

// countBacklog counts the lines waiting in the outbox.
func countBacklog(s Store) (int64, error) {
	var n int64
	err := s.View(func(tx *events.Tx) error {
		b := tx.Bucket(bucketOut)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			for _, c := range v {
				if c == '\n' {
					n++
				}
			}
			return nil
		})
	})
	return n, err
}
