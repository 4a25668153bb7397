package main

import (
	"context"
	"os"
	"sync"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func openTest(t *testing.T, d design, segMax int64) *spool {
	t.Helper()
	sp, err := openSpool(t.TempDir(), d, spoolOptions{maxBatch: 512, segMax: segMax})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.close() })
	return sp
}

// submitAll submits n bodies of size bytes from 8 goroutines.
func submitAll(t *testing.T, sp *spool, n, size int) []uint64 {
	t.Helper()
	q := newFIFO()
	if err := submitN(context.Background(), sp, q, n, 8, size); err != nil {
		t.Fatal(err)
	}
	q.setKeep(0)
	ids := q.pop(n)
	if len(ids) != n {
		t.Fatalf("%d ids committed, want %d", len(ids), n)
	}
	return ids
}

// bucketLen counts a bucket's keys.
func bucketLen(t *testing.T, sp *spool, name []byte) int {
	t.Helper()
	n := 0
	if err := sp.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(name).Stats().KeyN; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeliverEverything: in both designs every body submitted reads back
// as its own (the id stamp), and delivering every message leaves no body,
// no live segment count and, in B, only the active segment file.
func TestDeliverEverything(t *testing.T) {
	t.Parallel()
	for _, d := range []design{inBolt, inSegments} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			sp := openTest(t, d, 64<<10) // 16 bodies of 4 KB a segment
			ids := submitAll(t, sp, 200, 4<<10)
			ctx := context.Background()
			if err := sp.claim(ctx, ids); err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				_, loc, err := sp.read(id)
				if err != nil {
					t.Fatal(err)
				}
				if err := sp.complete(ctx, id, loc, true); err != nil {
					t.Fatal(err)
				}
			}
			for _, b := range [][]byte{bucketMsg, bucketBody, bucketRcpt, bucketSeg, bucketInflight, bucketSched} {
				if n := bucketLen(t, sp, b); n != 0 {
					t.Errorf("bucket %s: %d keys left", b, n)
				}
			}
			if d == inSegments {
				files, _ := sp.segs.usage()
				entries, err := os.ReadDir(sp.segs.dir)
				if err != nil {
					t.Fatal(err)
				}
				if files != 1 || len(entries) != 1 || sp.segs.dropped.Load() < 10 {
					t.Errorf("%d segments held, %d files, %d dropped; want 1, 1, ≥10", files, len(entries), sp.segs.dropped.Load())
				}
			}
		})
	}
}

// TestCompactFreesPinnedSegments: a few deferred messages keep every
// segment on disk; compaction copies just their bodies forward, the old
// segments drop, and the bodies still read back as their own.
func TestCompactFreesPinnedSegments(t *testing.T) {
	t.Parallel()
	sp := openTest(t, inSegments, 64<<10)
	ids := submitAll(t, sp, 200, 4<<10)
	ctx := context.Background()
	var kept []uint64
	for i, id := range ids {
		if i%16 == 0 { // one per segment, about
			kept = append(kept, id)
			continue
		}
		_, loc, err := sp.read(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := sp.complete(ctx, id, loc, true); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := sp.segs.usage()
	moved, copied, err := sp.compact(ctx, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := sp.segs.usage()
	if moved == 0 || copied != int64(moved)*4<<10 || after >= before || after > 2 {
		t.Errorf("moved %d (%d bytes), segments %d → %d", moved, copied, before, after)
	}
	for _, id := range kept {
		if _, _, err := sp.read(id); err != nil {
			t.Error(err)
		}
	}
}

// TestFIFOKeepsDepth: pop hands out only what is beyond keep, in order,
// and returns nil once closed.
func TestFIFOKeepsDepth(t *testing.T) {
	t.Parallel()
	q := newFIFO()
	q.setKeep(3)
	q.push(1, 2, 3, 4, 5)
	if got := q.pop(10); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("pop = %v, want [1 2]", got)
	}
	var wg sync.WaitGroup
	var got []uint64
	wg.Go(func() { got = q.pop(10) })
	q.close()
	wg.Wait()
	if got != nil {
		t.Fatalf("pop after close = %v", got)
	}
}

// TestRunOne: a whole small run of each design completes, delivers the
// deferred mail at the drain and, in B, compacts the pinned segments.
func TestRunOne(t *testing.T) {
	t.Parallel()
	o := runOptions{dir: t.TempDir(), depthBytes: 256 << 10, cycles: 2, writers: 4, deliverers: 4,
		deferFrac: 0.05, compactBelow: 0.5, spool: spoolOptions{maxBatch: 64, segMax: 128 << 10}}
	for _, d := range []design{inBolt, inSegments} {
		r, err := runOne(context.Background(), o, d, 4<<10)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if r.drain.n <= r.depth {
			t.Errorf("%s: drain delivered %d, want the depth %d plus the deferred", d, r.drain.n, r.depth)
		}
		if d == inSegments && (r.moved == 0 || r.afterCompact.segBytes >= r.afterChurn.segBytes) {
			t.Errorf("B: compaction moved %d, segments %d → %d bytes", r.moved, r.afterChurn.segBytes, r.afterCompact.segBytes)
		}
	}
}

// TestCheckDiskRefusesTmpfs: a directory in memory is refused.
func TestCheckDiskRefusesTmpfs(t *testing.T) {
	t.Parallel()
	var st syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &st); err != nil || st.Type != tmpfsMagic {
		t.Skip("no tmpfs at /dev/shm")
	}
	if _, err := checkDisk("/dev/shm"); err == nil {
		t.Error("checkDisk(/dev/shm) accepted a tmpfs")
	}
}
