package webhook

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"sluice/tracking/events"
)

// position names an entry: value seq of a queue, index idx in it. A head
// position whose value is gone means the start of the next value.
type position struct {
	seq uint64
	idx uint32
}

// state is a queue's bookkeeping, in the wh_state bucket under the
// tenant's name:
//
//	version (1) | prefix (8) | head seq (8) | head index (4) | appended (8) | done (8)
//
// all big-endian. appended counts the entries ever queued and done those
// delivered or dropped, so the depth is their difference.
type state struct {
	prefix         [8]byte // the first half of the queue's event ids
	head           position
	appended, done uint64
}

const stateLen = 1 + 8 + 8 + 4 + 8 + 8

// stateVersion is the first byte of a queue's state value.
const stateVersion = 1

func (st *state) encode() []byte {
	b := make([]byte, 0, stateLen)
	b = append(b, stateVersion)
	b = append(b, st.prefix[:]...)
	b = binary.BigEndian.AppendUint64(b, st.head.seq)
	b = binary.BigEndian.AppendUint32(b, st.head.idx)
	b = binary.BigEndian.AppendUint64(b, st.appended)
	return binary.BigEndian.AppendUint64(b, st.done)
}

func decodeState(v []byte) (state, bool) {
	if len(v) != stateLen || v[0] != stateVersion {
		return state{}, false
	}
	var st state
	copy(st.prefix[:], v[1:9])
	st.head.seq = binary.BigEndian.Uint64(v[9:17])
	st.head.idx = binary.BigEndian.Uint32(v[17:21])
	st.appended = binary.BigEndian.Uint64(v[21:29])
	st.done = binary.BigEndian.Uint64(v[29:37])
	return st, true
}

// getState reads tenant's state; ok is false when there is none (or it
// is unreadable).
func getState(tx *events.Tx, tenant string) (st state, ok bool) {
	b := tx.Bucket(bucketState)
	if b == nil {
		return state{}, false
	}
	return decodeState(b.Get([]byte(tenant)))
}

func putState(tx *events.Tx, tenant string, st *state) error {
	b, err := tx.CreateBucketIfNotExists(bucketState)
	if err != nil {
		return err
	}
	return b.Put([]byte(tenant), st.encode())
}

// newState is the state of a queue created now: a fresh id prefix, so
// that ids stay unique if a removed queue is created again and its
// sequence starts over.
func newState() (state, error) {
	var st state
	if _, err := rand.Read(st.prefix[:]); err != nil {
		return state{}, fmt.Errorf("webhook: id prefix: %w", err)
	}
	return st, nil
}

// seqKey is the key of value seq.
func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq) }
