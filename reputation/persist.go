package reputation

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"sluice/tracking/events"
)

// The windows are saved in the event file, bucket "reputation", one value
// per scope:
//
//	key:   tenant 0x00 campaign ("" for the tenant's own scope)
//	value: version (1) | seen (varint ns) | warned (1) | cur (uvarint) |
//	       nBlocks × nCounters counts (uvarint) |
//	       nBuckets × (stamp (varint) | nCounters counts (uvarint))
//
// About 250 bytes for a busy scope. A value that does not decode is
// skipped (and logged): its scope starts afresh.
var bucketName = []byte("reputation")

const snapVersion = 1

var errSnapshot = errors.New("reputation: corrupt saved window")

func saveKey(tenant, camp string) string { return tenant + "\x00" + camp }

func (s *scope) encode() []byte {
	b := make([]byte, 0, 256)
	b = append(b, snapVersion)
	b = binary.AppendVarint(b, s.w.seen)
	b = append(b, s.warned)
	b = binary.AppendUvarint(b, uint64(s.w.cur))
	for i := range s.w.blocks {
		for _, v := range s.w.blocks[i] {
			b = binary.AppendUvarint(b, uint64(v))
		}
	}
	for i := range s.w.hours {
		b = binary.AppendVarint(b, s.w.stamp[i])
		for _, v := range s.w.hours[i] {
			b = binary.AppendUvarint(b, uint64(v))
		}
	}
	return b
}

// decodeScope parses a saved scope; it never panics.
func decodeScope(b []byte) (scope, error) {
	var s scope
	if len(b) < 2 || b[0] != snapVersion {
		return s, errSnapshot
	}
	b = b[1:]
	var bad bool
	varint := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	uvarint := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	count := func() uint32 {
		v := uvarint()
		if v > 1<<32-1 {
			bad = true
		}
		return uint32(v)
	}
	s.w.seen = varint()
	if len(b) == 0 {
		return scope{}, errSnapshot
	}
	s.warned, b = b[0], b[1:]
	cur := uvarint()
	if cur >= nBlocks {
		return scope{}, errSnapshot
	}
	s.w.cur = int(cur)
	for i := range s.w.blocks {
		for j := range s.w.blocks[i] {
			s.w.blocks[i][j] = count()
		}
	}
	for i := range s.w.hours {
		s.w.stamp[i] = varint()
		for j := range s.w.hours[i] {
			s.w.hours[i][j] = count()
		}
	}
	if bad || len(b) != 0 {
		return scope{}, errSnapshot
	}
	return s, nil
}

// Load reads the saved windows and the spool's pauses. Run calls it
// first; call it before Observe when not running the guard.
func (g *Guard) Load() error {
	g.refreshPaused()
	if g.d.Saver == nil {
		return nil
	}
	type saved struct {
		tenant, camp string
		s            scope
	}
	var all []saved
	err := g.d.Saver.View(func(tx *events.Tx) error {
		b := tx.Bucket(bucketName)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			tenant, camp, ok := strings.Cut(string(k), "\x00")
			s, err := decodeScope(v)
			if !ok || tenant == "" || err != nil {
				g.d.Logger.Warn("reputation: skipping a saved window that does not decode", "key", fmt.Sprintf("%q", k))
				return nil
			}
			all = append(all, saved{tenant, camp, s})
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("reputation: load windows: %w", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, sv := range all {
		ts := g.tenant(sv.tenant)
		if sv.camp == "" {
			ts.all = sv.s
		} else {
			s := sv.s
			ts.camps[sv.camp] = &s
		}
	}
	return nil
}

// Save writes the windows changed since the last Save, and deletes
// those forgotten, in one transaction of the event file.
func (g *Guard) Save() error {
	if g.d.Saver == nil {
		return nil
	}
	g.mu.Lock()
	put := map[string][]byte{}
	for _, ts := range g.tenants {
		if ts.all.dirty {
			put[saveKey(ts.name, "")], ts.all.dirty = ts.all.encode(), false
		}
		for c, s := range ts.camps {
			if s.dirty {
				put[saveKey(ts.name, c)], s.dirty = s.encode(), false
			}
		}
	}
	del := g.removed
	g.removed = nil
	g.mu.Unlock()
	if len(put) == 0 && len(del) == 0 {
		return nil
	}
	err := g.d.Saver.Update(func(tx *events.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketName)
		if err != nil {
			return err
		}
		for _, k := range del {
			if _, again := put[k]; !again {
				if err := b.Delete([]byte(k)); err != nil {
					return err
				}
			}
		}
		for k, v := range put {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		g.mu.Lock()
		g.removed = append(g.removed, del...)
		for _, ts := range g.tenants { // write them all next time
			ts.all.dirty = true
			for _, s := range ts.camps {
				s.dirty = true
			}
		}
		g.mu.Unlock()
		return fmt.Errorf("reputation: save windows: %w", err)
	}
	return nil
}
