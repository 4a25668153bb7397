package fleet

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"sluice/fleet/redistest"
	"sluice/queue"
)

// TestEdgeID: an edge's id is its node id with the edge prefix (never a
// node's id, even from a config shared with a node), kept across
// restarts, and refused when the prefix makes it too long.
func TestEdgeID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gen, err := EdgeID(dir, "")
	if err != nil || !IsEdge(gen) || len(gen) != len(EdgeIDPrefix)+8 {
		t.Fatalf("generated %q, %v", gen, err)
	}
	if again, err := EdgeID(dir, ""); err != nil || again != gen {
		t.Errorf("after a restart %q, %v; want %q", again, err, gen)
	}
	for _, c := range []struct{ configured, want, err string }{
		{"n1", "edge-n1", ""},
		{"edge-a", "edge-a", ""},
		{"abcdefghijkl", "", "1 to 16"},
		{"Bad", "", "a-z"},
	} {
		got, err := EdgeID(dir, c.configured)
		if got != c.want || (c.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("EdgeID(%q) = %q, %v; want %q, %q", c.configured, got, err, c.want, c.err)
		}
	}
	if IsEdge("n1") {
		t.Error("a node's id taken for an edge's")
	}
}

// TestErasedRecipientsShare: a node's erased recipients reach the stream
// as ids only, in entries of at most maxErasedIDs, and read back the same.
func TestErasedRecipientsShare(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	c, err := Open(t.Context(), Options{URL: srv.URL(), NodeID: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	keys := make([]queue.RcptKey, 2*maxErasedIDs+5)
	for i := range keys {
		keys[i] = queue.RcptKey{ID: queue.ID(1<<40 + i/3), Index: uint32(i % 3)}
	}
	share := c.ErasedRecipients(time.Hour)
	if err := share.Share(t.Context(), "acme", keys); err != nil {
		t.Fatal(err)
	}
	if err := share.Share(t.Context(), "acme", nil); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.rdb.XRange(t.Context(), c.key("erase", "rids"), "-", "+").Result()
	if err != nil || len(msgs) != 3 {
		t.Fatalf("%d entries, %v; want 3", len(msgs), err)
	}
	var got []queue.RcptKey
	for _, m := range msgs {
		tenant, ks, ok := decodeErasedIDs(m.Values)
		if !ok || tenant != "acme" || len(ks) > maxErasedIDs {
			t.Fatalf("entry %v: %q, %d ids, %v", m.ID, tenant, len(ks), ok)
		}
		if len(m.Values) != 2 {
			t.Errorf("entry %s: %d fields, want tenant and ids only", m.ID, len(m.Values))
		}
		got = append(got, ks...)
	}
	if !slices.Equal(got, keys) {
		t.Error("the ids read back differ")
	}
}

// TestErasedFollowerRetries: an edge whose events store fails an erasure
// tries the entry again, and does not move its cursor past it meanwhile.
func TestErasedFollowerRetries(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	c, err := Open(t.Context(), Options{URL: srv.URL(), NodeID: EdgeIDPrefix + "e", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ev := &fakeErased{fail: 2}
	f := c.erasedFollower(ev, EraseOptions{Block: 50 * time.Millisecond, RetryDelay: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.run(ctx) }()
	if err := c.ErasedRecipients(0).Share(t.Context(), "acme", []queue.RcptKey{{ID: 7, Index: 1}}); err != nil {
		t.Fatal(err)
	}
	c.rdb.XAdd(t.Context(), &redis.XAddArgs{Stream: c.key("erase", "rids"), Values: []any{"t", "acme", "i", "short"}})
	waitFor(t, 5*time.Second, "the entry applied after two failures, the bad one skipped", func() bool {
		ev.mu.Lock()
		defer ev.mu.Unlock()
		return ev.erased == 1 && ev.cursorMoves == 2
	})
	if ev.early {
		t.Error("the cursor moved past an entry not applied")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f.applied.Load() != 1 {
		t.Errorf("applied %d", f.applied.Load())
	}
}

type fakeErased struct {
	mu                        sync.Mutex
	fail, erased, cursorMoves int
	early                     bool // the cursor moved past an entry not applied
	cursor                    string
}

func (e *fakeErased) EraseRecipients(_ context.Context, tenant string, keys []queue.RcptKey) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fail > 0 {
		e.fail--
		e.early = e.early || e.cursor != ""
		return 0, errors.New("disk full")
	}
	if tenant == "acme" && len(keys) == 1 && keys[0] == (queue.RcptKey{ID: 7, Index: 1}) {
		e.erased++
	}
	return len(keys), nil
}

func (e *fakeErased) ErasedCursor() (string, error) { return "", nil }

func (e *fakeErased) SetErasedCursor(_ context.Context, cur string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cursor = cur
	e.cursorMoves++
	return nil
}

// FuzzDecodeErasedIDs: no entry of the stream, however hostile, crashes
// the edge; what is accepted encodes back to the same bytes.
func FuzzDecodeErasedIDs(f *testing.F) {
	f.Add("acme", encodeErasedIDs([]queue.RcptKey{{ID: 1, Index: 2}}))
	f.Add("", "")
	f.Add("a\x00b", "123456789012")
	f.Fuzz(func(t *testing.T, tenant, ids string) {
		got, keys, ok := decodeErasedIDs(map[string]any{"t": tenant, "i": ids})
		if !ok {
			return
		}
		if got != tenant || encodeErasedIDs(keys) != ids || len(keys) > maxErasedIDs {
			t.Fatalf("%q %q → %q, %v", tenant, ids, got, keys)
		}
	})
}
