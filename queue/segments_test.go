package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// segBody is a deterministic body of n bytes for id: a header naming the
// id, then a pattern that differs from id to id.
func segBody(id ID, n int) []byte {
	b := []byte(fmt.Sprintf("Subject: %s\r\n\r\n", id))
	for i := 0; len(b) < n; i++ {
		b = append(b, byte('a'+(uint64(i)+uint64(id))%26))
		if i%76 == 75 {
			b = append(b, '\r', '\n')
		}
	}
	return b[:n]
}

func enqueueBody(t testing.TB, s *Store, clk *testClock, body func(ID) []byte, rcpts ...string) ID {
	t.Helper()
	id := s.NewID()
	m := &Message{ID: id, Tenant: "acme", From: "news@acme.example", Rcpts: rcpts, Created: clk.Now(), Body: body(id)}
	if err := s.Enqueue(context.Background(), m); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return id
}

func sized(n int) func(ID) []byte { return func(id ID) []byte { return segBody(id, n) } }

// segFiles lists the segment files of the spool at path, with their sizes.
func segFiles(t testing.TB, path string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	ents, err := os.ReadDir(segDir(path))
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fi.Size()
	}
	return out
}

// deliverAll claims everything due and completes it: deferred for the
// messages keep says, delivered for the others.
func deliverAll(t testing.TB, s *Store, keep func(ID) bool) {
	t.Helper()
	ctx := context.Background()
	works, err := s.Claim(ctx, 10000, 100)
	if err != nil {
		t.Fatal(err)
	}
	var res []Result
	for _, w := range works {
		for _, r := range w.Rcpts {
			out := OutcomeDelivered
			if keep != nil && keep(w.ID) {
				out = OutcomeDeferred
			}
			res = append(res, Result{ID: w.ID, Index: r.Index, Outcome: out, Code: 250})
		}
	}
	if err := s.Complete(ctx, res); err != nil {
		t.Fatal(err)
	}
}

// Large bodies go to segment files, small ones stay in bbolt; both read
// back the same through Body and BodyTo; delivered, their segments go.
func TestSegmentBodies(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{SegmentSize: 300 << 10})
	small := enqueueBody(t, s, clk, sized(1000), "a@x.example")
	edge := enqueueBody(t, s, clk, sized(DefaultSegmentThreshold), "a@x.example")
	var big []ID
	for i := range 6 {
		big = append(big, enqueueBody(t, s, clk, sized(100<<10+i), fmt.Sprintf("b%d@y.example", i)))
	}
	if n := bucketLen(t, s, "body"); n != 1 {
		t.Fatalf("bodies in bbolt = %d, want 1 (the small one)", n)
	}
	if n := bucketLen(t, s, "bodyref"); n != 7 {
		t.Fatalf("bodies in segments = %d, want 7", n)
	}
	// 300 KiB segments hold two 100 KB bodies: 16 KiB + 2 × 100 KB, then
	// 2 per file.
	if files := segFiles(t, path); len(files) != 3 {
		t.Fatalf("segment files %v, want 3", files)
	}
	buf := make([]byte, 0, 200<<10)
	for _, c := range []struct {
		id ID
		n  int
	}{{small, 1000}, {edge, DefaultSegmentThreshold}, {big[0], 100 << 10}, {big[5], 100<<10 + 5}} {
		want := segBody(c.id, c.n)
		got, err := s.Body(c.id)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("Body(%s): %d bytes, %v; want %d", c.id, len(got), err, len(want))
		}
		got, err = s.BodyTo(c.id, buf)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("BodyTo(%s): %d bytes, %v", c.id, len(got), err)
		}
		if &got[0] != &buf[:1][0] {
			t.Fatalf("BodyTo(%s) allocated although the buffer was large enough", c.id)
		}
	}
	if st := s.SegmentStats(); st.Count != 7 || st.Files != 3 {
		t.Fatalf("segment stats %+v", st)
	}
	deliverAll(t, s, nil)
	if _, err := s.Body(big[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a delivered message's body: %v", err)
	}
	// None is left: the active one, past a quarter of SegmentSize, is
	// retired once empty.
	if files := segFiles(t, path); len(files) != 0 {
		t.Fatalf("segment files after delivery %v, want none", files)
	}
	if st := s.SegmentStats(); st.Count != 0 || st.Live != 0 {
		t.Fatalf("segment stats after delivery %+v", st)
	}
	if n := bucketLen(t, s, "segs"); n != 0 {
		t.Fatalf("segment records after delivery: %d", n)
	}
	s.Close()
	if files := segFiles(t, path); len(files) != 0 {
		t.Fatalf("segment files after Close %v, want none", files)
	}
}

// A spool whose large bodies are in bbolt (written before segments, or
// with them off) keeps working beside new bodies in segments.
func TestSegmentMixedSpool(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{SegmentThreshold: -1})
	old := enqueueBody(t, s, clk, sized(100<<10), "a@x.example")
	if n := bucketLen(t, s, "body"); n != 1 || len(segFiles(t, path)) != 0 {
		t.Fatalf("with segments off: %d bodies in bbolt, files %v", n, segFiles(t, path))
	}
	s.Close()
	s = openStore(t, path, clk, Options{})
	young := enqueueBody(t, s, clk, sized(100<<10), "b@x.example")
	if n := bucketLen(t, s, "bodyref"); n != 1 {
		t.Fatalf("bodies in segments = %d, want 1", n)
	}
	for _, id := range []ID{old, young} {
		if got, err := s.Body(id); err != nil || !bytes.Equal(got, segBody(id, 100<<10)) {
			t.Fatalf("Body(%s): %d bytes, %v", id, len(got), err)
		}
	}
	deliverAll(t, s, nil)
	if st := s.Stats(); st.Messages != 0 {
		t.Fatalf("messages left: %+v", st)
	}
	if a, b := bucketLen(t, s, "body"), bucketLen(t, s, "bodyref"); a+b != 0 {
		t.Fatalf("bodies left: %d in bbolt, %d references", a, b)
	}
}

// A body whose bytes changed on disk is never returned: the read fails
// with ErrCorruptBody.
func TestSegmentChecksum(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	id := enqueueBody(t, s, clk, sized(50<<10), "a@x.example")
	f, err := os.OpenFile(filepath.Join(segDir(path), "seg-00000000"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("X"), 30<<10); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if b, err := s.Body(id); !errors.Is(err, ErrCorruptBody) || b != nil {
		t.Fatalf("Body of a damaged segment: %d bytes, %v", len(b), err)
	}
}

// Open cuts bytes past the last committed body (a crash between the
// segment write and the commit) and removes files no record names; new
// bodies go to a new file, never after a cut tail.
func TestSegmentOpenRecovers(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	id := enqueueBody(t, s, clk, sized(40<<10), "a@x.example")
	s.Close()
	seg0 := filepath.Join(segDir(path), "seg-00000000")
	f, err := os.OpenFile(seg0, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bytes.Repeat([]byte("torn"), 5000)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	orphan := filepath.Join(segDir(path), "seg-00000007")
	if err := os.WriteFile(orphan, []byte("never committed"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, clk, Options{})
	files := segFiles(t, path)
	if len(files) != 1 || files["seg-00000000"] != 40<<10 {
		t.Fatalf("segment files after Open: %v, want seg-00000000 cut to %d bytes", files, 40<<10)
	}
	if got, err := s.Body(id); err != nil || !bytes.Equal(got, segBody(id, 40<<10)) {
		t.Fatalf("Body after recovery: %v", err)
	}
	id2 := enqueueBody(t, s, clk, sized(40<<10), "b@x.example")
	files = segFiles(t, path)
	if _, ok := files["seg-00000008"]; len(files) != 2 || !ok {
		t.Fatalf("segment files after a new body: %v, want a new seg-00000008", files)
	}
	if got, err := s.Body(id2); err != nil || !bytes.Equal(got, segBody(id2, 40<<10)) {
		t.Fatalf("Body of the new message: %v", err)
	}
}

// A segment kept alive by a few deferred messages is rewritten by the
// compactor: the live bodies move to the active segment in one commit and
// the old file goes.
func TestSegmentCompaction(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	opts := Options{SegmentSize: 400 << 10, Compact: CompactOptions{Interval: -1, Below: 0.3, Rate: 1 << 40}}
	s := openStore(t, path, clk, opts)
	var ids []ID
	for i := range 12 {
		ids = append(ids, enqueueBody(t, s, clk, sized(100<<10), fmt.Sprintf("r%d@x.example", i)))
	}
	if files := segFiles(t, path); len(files) != 3 {
		t.Fatalf("segment files %v, want 3 of 4 bodies", files)
	}
	// One in four deferred: each segment keeps 25 % of its bytes live.
	kept := []ID{ids[0], ids[4], ids[8]}
	deliverAll(t, s, func(id ID) bool { return slices.Contains(kept, id) })
	if files := segFiles(t, path); len(files) != 3 {
		t.Fatalf("segment files %v, want 3 still", files)
	}
	res, err := s.CompactNow(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The two sealed ones are rewritten into the active one (which rolls
	// on the way), not the active one.
	if res.Segments != 2 || res.Moved != 2 || res.Bytes != 2*100<<10 {
		t.Fatalf("compaction %+v, want 2 segments, 2 bodies", res)
	}
	files := segFiles(t, path)
	if _, ok := files["seg-00000000"]; ok || len(files) != 2 {
		t.Fatalf("segment files after compaction %v, want seg-00000002 and a new one", files)
	}
	check := func(s *Store) {
		t.Helper()
		for _, id := range kept {
			if got, err := s.Body(id); err != nil || !bytes.Equal(got, segBody(id, 100<<10)) {
				t.Fatalf("Body(%s) after compaction: %v", id, err)
			}
		}
		if st := s.SegmentStats(); st.Count != 3 || st.Live != 3*100<<10 {
			t.Fatalf("segment stats %+v", st)
		}
	}
	check(s)
	s.Close()
	s = openStore(t, path, clk, opts)
	check(s)
	clk.Add(DefaultRetry.Delay(5))
	deliverAll(t, s, nil)
	s.Close()
	if files := segFiles(t, path); len(files) != 0 {
		t.Fatalf("segment files with the queue empty: %v", files)
	}
}

// An erasure removes the erased message's bytes from the segment file
// itself (zeroed and fdatasync'd before it is answered), not only its
// reference; the other bodies in the file are untouched.
func TestEraseZeroesSegmentBody(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	secret := []byte("ann's very private order 4711")
	withSecret := func(id ID) []byte {
		b := segBody(id, 60<<10)
		copy(b[1000:], secret)
		copy(b[50000:], secret)
		return b
	}
	ann := enqueueBody(t, s, clk, withSecret, "ann@x.example")
	bob := enqueueBody(t, s, clk, sized(60<<10), "bob@y.example")
	raw := func() []byte {
		b, err := os.ReadFile(filepath.Join(segDir(path), "seg-00000000"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if n := bytes.Count(raw(), secret); n != 2 {
		t.Fatalf("the secret is %d times in the segment before the erasure, want 2", n)
	}
	ctx := context.Background()
	sub, err := s.FindSubject(ctx, "acme", "ann@x.example")
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.EraseSubject(ctx, sub)
	if err != nil || e.Messages != 1 {
		t.Fatalf("erase: %+v, %v", e, err)
	}
	seg := raw()
	if bytes.Contains(seg, secret) {
		t.Fatal("the erased message's bytes are still in the segment file")
	}
	if !bytes.Equal(seg[60<<10:120<<10], segBody(bob, 60<<10)) {
		t.Fatal("another message's body changed")
	}
	if bytes.Count(seg[:60<<10], []byte{0}) != 60<<10 {
		t.Fatal("the erased body's bytes are not all zero")
	}
	if _, err := s.Body(ann); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Body of the erased message: %v", err)
	}
	if got, err := s.Body(bob); err != nil || !bytes.Equal(got, segBody(bob, 60<<10)) {
		t.Fatalf("Body of another message: %v", err)
	}
}

// A message that finishes while the compactor copies its body is not
// moved: the copy is counted nowhere, and the segments still empty out.
func TestSegmentCompactionRace(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{SegmentSize: 400 << 10,
		Compact: CompactOptions{Interval: -1, Below: 0.6, Rate: 1 << 40}})
	var ids []ID
	for i := range 8 {
		ids = append(ids, enqueueBody(t, s, clk, sized(100<<10), fmt.Sprintf("r%d@x.example", i)))
	}
	// Segment 0 keeps ids[0] and ids[1] (50 % live).
	kept := []ID{ids[0], ids[1]}
	deliverAll(t, s, func(id ID) bool { return slices.Contains(kept, id) })
	clk.Add(DefaultRetry.Delay(5))
	s.afterCopy = func() {
		s.afterCopy = nil
		works, err := s.Claim(context.Background(), 10, 1)
		if err != nil || len(works) != 2 {
			t.Errorf("claim: %+v, %v", works, err)
			return
		}
		for _, w := range works {
			if w.ID == ids[1] {
				if err := s.Complete(context.Background(), []Result{{ID: w.ID, Index: 0, Outcome: OutcomeDelivered}}); err != nil {
					t.Error(err)
				}
			}
		}
	}
	res, err := s.CompactNow(context.Background())
	if err != nil || res.Moved != 1 {
		t.Fatalf("compaction %+v, %v; want 1 body moved", res, err)
	}
	if st := s.SegmentStats(); st.Count != 1 || st.Live != 100<<10 {
		t.Fatalf("segment stats %+v, want ids[0] only", st)
	}
	if got, err := s.Body(ids[0]); err != nil || !bytes.Equal(got, segBody(ids[0], 100<<10)) {
		t.Fatalf("the moved body: %v", err)
	}
	if _, err := s.Body(ids[1]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the finished message's body: %v", err)
	}
	if err := s.Complete(context.Background(), []Result{{ID: ids[0], Index: 0, Outcome: OutcomeDelivered}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if files := segFiles(t, path); len(files) != 0 {
		t.Fatalf("segment files with the queue empty: %v", files)
	}
}
