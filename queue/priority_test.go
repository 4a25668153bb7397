package queue

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// enqueueClass queues one message of stream and priority per recipient,
// in one write.
func enqueueClass(t testing.TB, s *Store, clk *testClock, st Stream, p Priority, rcpts ...string) []ID {
	t.Helper()
	var ids []ID
	var ms []*Message
	for _, r := range rcpts {
		m := &Message{ID: s.NewID(), Tenant: "acme", From: "a@acme.example", Rcpts: []string{r},
			Stream: st, Priority: p, Created: clk.Now(), Body: []byte("Subject: x\r\n\r\nx\r\n")}
		ms = append(ms, m)
		ids = append(ids, m.ID)
	}
	if err := s.Enqueue(context.Background(), ms...); err != nil {
		t.Fatal(err)
	}
	return ids
}

func addrs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d@site.example", prefix, i)
	}
	return out
}

// TestClaimServesClassesInOrder: mail due later but of a higher class is
// claimed first, whatever the backlog ahead of it in due order: a
// transactional message behind 3,000 marketing ones, then by priority
// within each stream; a marketing backlog larger than the skip window does
// not hide it.
func TestClaimServesClassesInOrder(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	enqueueClass(t, s, clk, Marketing, PriorityNormal, addrs("m", 3000)...)
	clk.Add(time.Second)
	low := enqueueClass(t, s, clk, Marketing, PriorityLow, "ml@site.example")
	mhigh := enqueueClass(t, s, clk, Marketing, PriorityHigh, "mh@site.example")
	tlow := enqueueClass(t, s, clk, Transactional, PriorityLow, "tl@site.example")
	tx := enqueueClass(t, s, clk, Transactional, PriorityNormal, "t@site.example")
	thigh := enqueueClass(t, s, clk, Transactional, PriorityHigh, "th@site.example")
	works, err := s.ClaimWith(context.Background(), ClaimOptions{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := []ID{thigh[0], tx[0], tlow[0], mhigh[0]}
	if len(works) != 5 {
		t.Fatalf("claimed %d works, want 5", len(works))
	}
	for i, id := range want {
		if works[i].ID != id || works[i].Class != Class(i) {
			t.Fatalf("work %d is %s class %s, want %s class %s", i, works[i].ID, works[i].Class, id, Class(i))
		}
	}
	if works[4].Class != ClassMarketing || works[4].ID == low[0] {
		t.Fatalf("fifth claim %s class %s, want the oldest marketing/normal", works[4].ID, works[4].Class)
	}
}

// TestClaimClassRoom: with RoomClass, a domain whose marketing room is
// full still takes its transactional mail; without room for it, the
// transactional recipient is skipped, untouched, like any other.
func TestClaimClassRoom(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	enqueueClass(t, s, clk, Marketing, PriorityNormal, addrs("m", 50)...)
	clk.Add(time.Second)
	tx := enqueueClass(t, s, clk, Transactional, PriorityNormal, "t@site.example")
	room := map[Class]int{ClassMarketing: 0, ClassTransactional: 0}
	o := ClaimOptions{Limit: 100, RoomClass: func(_ string, c Class) int { return room[c] }}
	var st ClaimStats
	o.Stats = &st
	works, err := s.ClaimWith(context.Background(), o)
	if err != nil || len(works) != 0 || st.Skipped != 51 {
		t.Fatalf("no room: claimed %d (%v), stats %+v; want none, 51 skipped", len(works), err, st)
	}
	room[ClassTransactional] = 1
	works, err = s.ClaimWith(context.Background(), o)
	if err != nil || len(works) != 1 || works[0].ID != tx[0] {
		t.Fatalf("claimed %+v (%v), want only %s", works, err, tx[0])
	}
}

// TestClaimLowFirst: the anti-starvation claim visits the lowest class
// first, so a sustained higher-class load cannot take every claim.
func TestClaimLowFirst(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	low := enqueueClass(t, s, clk, Marketing, PriorityLow, "l@site.example")
	clk.Add(time.Second)
	enqueueClass(t, s, clk, Transactional, PriorityHigh, addrs("t", 20)...)
	works, err := s.ClaimWith(context.Background(), ClaimOptions{Limit: 10})
	if err != nil || len(works) != 10 || works[0].Class != ClassTransactionalHigh {
		t.Fatalf("claimed %d (%v), want 10 transactional/high", len(works), err)
	}
	works, err = s.ClaimWith(context.Background(), ClaimOptions{Limit: 1, LowFirst: true})
	if err != nil || len(works) != 1 || works[0].ID != low[0] {
		t.Fatalf("low-first claim %+v (%v), want %s", works, err, low[0])
	}
}

// TestClaimClassSurvivesRetry: a deferred recipient is booked again in
// its class, and a crash's in-flight recovery keeps it there: after a
// retry it still comes before an older marketing backlog.
func TestClaimClassSurvivesRetry(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tx := enqueueClass(t, s, clk, Transactional, PriorityNormal, "t@site.example")
	works, err := s.Claim(ctx, 1, 100)
	if err != nil || len(works) != 1 {
		t.Fatalf("claim: %d, %v", len(works), err)
	}
	if err := s.Complete(ctx, []Result{{ID: tx[0], Index: 0, Outcome: OutcomeDeferred, RetryAt: clk.Now().Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	enqueueClass(t, s, clk, Marketing, PriorityNormal, addrs("m", 20)...)
	clk.Add(2 * time.Minute)
	if works, err = s.Claim(ctx, 1, 100); err != nil || len(works) != 1 || works[0].ID != tx[0] {
		t.Fatalf("after retry: %+v (%v), want %s first", works, err, tx[0])
	}
	// Crash with it in flight: recovery makes it due now, in its class.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, clk, Options{})
	if works, err = s.Claim(ctx, 1, 100); err != nil || len(works) != 1 || works[0].ID != tx[0] {
		t.Fatalf("after recovery: %+v (%v), want %s first", works, err, tx[0])
	}
}

// TestClaimOldSpool: a spool written before priorities (records without
// the priority and class fields, every entry in the original schedule
// bucket) opens and delivers: its entries are claimed as the default
// class, in due order, and a transactional one is booked in its own class
// from its first retry on.
func TestClaimOldSpool(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	due := clk.Now().UnixNano()
	old := []struct {
		id     ID
		stream Stream
	}{{ID(1000), Marketing}, {ID(1001), Transactional}}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMsg, bucketBody, bucketRcpt, bucketSched} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		for i, o := range old {
			md := meta{Created: clk.Now(), Tenant: "acme", From: "a@acme.example", Stream: o.stream, Rcpts: 1, Pending: 1}
			mv := md.encode()
			r := rcpt{Addr: fmt.Sprintf("o%d@site.example", i), State: Queued, Next: due - 10 + int64(i), Updated: due}
			rv := r.encode()
			// The old encodings end where the new fields would begin.
			if mv[len(mv)-1] != 0 || rv[len(rv)-1] != 0 {
				return fmt.Errorf("test encodes new fields: meta %x rcpt %x", mv, rv)
			}
			if err := tx.Bucket(bucketMsg).Put(o.id.key(), mv); err != nil {
				return err
			}
			if err := tx.Bucket(bucketBody).Put(o.id.key(), []byte("Subject: x\r\n\r\nx\r\n")); err != nil {
				return err
			}
			if err := tx.Bucket(bucketRcpt).Put(rcptKey(o.id, 0), rv); err != nil {
				return err
			}
			if err := tx.Bucket(bucketSched).Put(schedKey(r.Next, o.id, 0), nil); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t, path, clk, Options{})
	ctx := context.Background()
	works, err := s.Claim(ctx, 10, 100)
	if err != nil || len(works) != 2 || works[0].ID != old[0].id || works[1].ID != old[1].id {
		t.Fatalf("old spool claim %+v (%v), want both in due order", works, err)
	}
	if works[1].Class != ClassTransactional {
		t.Fatalf("old transactional message claimed as %s", works[1].Class)
	}
	res := []Result{{ID: old[0].id, Outcome: OutcomeDeferred}, {ID: old[1].id, Outcome: OutcomeDeferred}}
	if err := s.Complete(ctx, res); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	enqueueClass(t, s, clk, Marketing, PriorityNormal, addrs("m", 5)...)
	works, err = s.Claim(ctx, 1, 100)
	if err != nil || len(works) != 1 || works[0].ID != old[1].id {
		t.Fatalf("retry of the old transactional message: %+v (%v), want it first", works, err)
	}
}

// TestClaimStaleClassEntries: code that reschedules or finishes a
// recipient through the original schedule bucket (operator retry, bounce)
// leaves its entry in its class's part stale; a claim drops it and never
// claims the recipient twice or after it is final.
func TestClaimStaleClassEntries(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	ids := enqueueClass(t, s, clk, Transactional, PriorityHigh, "a@site.example", "b@site.example")
	// Write what outside code writes: a main-bucket entry at a new due
	// time for a, and b finished, each leaving its class entry behind.
	err := s.write(ctx, func(tx *bolt.Tx) error {
		rb, sb := tx.Bucket(bucketRcpt), tx.Bucket(bucketSched)
		r, _ := decodeRcpt(rb.Get(rcptKey(ids[0], 0)))
		r.Next = clk.Now().Add(time.Second).UnixNano()
		if err := rb.Put(rcptKey(ids[0], 0), r.encode()); err != nil {
			return err
		}
		if err := sb.Put(schedKey(r.Next, ids[0], 0), nil); err != nil {
			return err
		}
		f, _ := decodeRcpt(rb.Get(rcptKey(ids[1], 0)))
		f.State, f.Next = Failed, 0
		return rb.Put(rcptKey(ids[1], 0), f.encode())
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Second)
	works, err := s.Claim(ctx, 10, 100)
	if err != nil || len(works) != 1 || works[0].ID != ids[0] {
		t.Fatalf("claimed %+v (%v), want a once", works, err)
	}
	if n := countPrio(t, s); n != 1 {
		t.Fatalf("%d entries in the class part, want 1 (a's retry booking)", n)
	}
}

func countPrio(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	_ = s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketSchedPrio).Stats().KeyN
		return nil
	})
	return n
}

// TestNextDueAcrossClasses: the next due time is the earliest of every
// class's part, whichever part holds it.
func TestNextDueAcrossClasses(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	start := clk.Now()
	enqueueClass(t, s, clk, Transactional, PriorityLow, "t@site.example")
	clk.Add(time.Minute)
	enqueueClass(t, s, clk, Marketing, PriorityNormal, "m@site.example")
	if due, ok := s.NextDue(); !ok || !due.Equal(start) {
		t.Fatalf("next due %v %v, want %v", due, ok, start)
	}
	if _, err := s.Claim(context.Background(), 1, 100); err != nil { // the transactional one
		t.Fatal(err)
	}
	if due, ok := s.NextDue(); !ok || !due.Equal(start.Add(time.Minute)) {
		t.Fatalf("next due %v %v, want %v (the marketing one)", due, ok, start.Add(time.Minute))
	}
}

func TestParsePriority(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want Priority
		ok   bool
	}{{"high", PriorityHigh, true}, {"HIGH", PriorityHigh, true}, {"Normal", PriorityNormal, true},
		{"low", PriorityLow, true}, {"", PriorityNormal, false}, {"urgent", PriorityNormal, false}} {
		got, ok := ParsePriority(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParsePriority(%q) = %v %v, want %v %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// FuzzDecodeClassRecords: records carrying the priority and class fields
// round-trip, and any stored class byte maps to a valid class.
func FuzzDecodeClassRecords(f *testing.F) {
	m := meta{Created: time.Unix(1700000000, 0), Tenant: "t", Stream: Transactional, Pool: "p", Priority: PriorityLow}
	f.Add(m.encode())
	r := rcpt{Addr: "a@b.example", State: Queued, Next: 5, Cls: uint8(ClassTransactionalHigh) + 1}
	f.Add(r.encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if md, err := decodeMeta(b); err == nil {
			if c := ClassOf(md.Stream, md.Priority); c >= NumClasses {
				t.Fatalf("class %d out of range", c)
			}
		}
		c, err := decodeRcpt(b)
		if err != nil {
			return
		}
		if c.class() >= NumClasses {
			t.Fatalf("class %d out of range", c.class())
		}
		again, err := decodeRcpt(c.encode())
		if err != nil || again != c {
			t.Fatalf("round trip %+v != %+v (%v)", again, c, err)
		}
	})
}

// BenchmarkClaimCompletePriorities is BenchmarkClaimComplete with
// scheduling classes on (one message in ten transactional, one in ten
// marketing/high) and off (Options.NoPriorities: every recipient in the
// default class, the schedule as before classes). Compare the two in one
// run, interleaved:
//
//	go test -run '^$' -bench ClaimCompletePriorities -count 6 ./queue
func BenchmarkClaimCompletePriorities(b *testing.B) {
	for _, on := range []bool{true, false} {
		b.Run(map[bool]string{true: "on", false: "off"}[on], func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "spool.db"), Options{NoPriorities: !on})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			body := make([]byte, 5<<10)
			ctx := context.Background()
			const batch = 100
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				ms := make([]*Message, batch)
				for i := range ms {
					ms[i] = &Message{ID: s.NewID(), From: "a@b.example", Rcpts: []string{"r@c.example"},
						Created: time.Now().Add(-time.Second), Body: body}
					switch i % 10 {
					case 0:
						ms[i].Stream = Transactional
					case 1:
						ms[i].Priority = PriorityHigh
					}
				}
				if err := s.Enqueue(ctx, ms...); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				works, err := s.Claim(ctx, batch, 100)
				if err != nil || len(works) != batch {
					b.Fatalf("claim: %d works, %v", len(works), err)
				}
				res := make([]Result, 0, batch)
				for _, w := range works {
					res = append(res, Result{ID: w.ID, Index: w.Rcpts[0].Index, Outcome: OutcomeDelivered, Code: 250})
				}
				if err := s.Complete(ctx, res); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rcpts/s")
		})
	}
}

// TestActionsKeepClassSchedule: the operator's actions (retry now, hold
// and release, bounce) move or remove a transactional recipient's entry
// in its own class's part of the schedule, never leaving one behind in
// sched_p nor booking it in the default part.
func TestActionsKeepClassSchedule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ids := enqueueClass(t, s, clk, Transactional, PriorityNormal, "t@site.example")
	count := func() (main, prio int) {
		s.db.View(func(tx *bolt.Tx) error {
			main, prio = tx.Bucket(bucketSched).Stats().KeyN, tx.Bucket(bucketSchedPrio).Stats().KeyN
			return nil
		})
		return
	}
	check := func(step string, wantPrio int) {
		t.Helper()
		if m, p := count(); m != 0 || p != wantPrio {
			t.Fatalf("after %s: sched %d, sched_p %d entries; want 0 and %d", step, m, p, wantPrio)
		}
	}
	check("enqueue", 1)
	if _, err := s.RetryNow(ctx, Filter{ID: ids[0]}); err != nil {
		t.Fatal(err)
	}
	check("retry now", 1)
	if err := s.Suspend(ctx, "domain", "site.example", "test"); err != nil {
		t.Fatal(err)
	}
	if w, err := s.ClaimWith(ctx, ClaimOptions{Limit: 10}); err != nil || len(w) != 0 {
		t.Fatalf("claimed %d under a hold (%v)", len(w), err)
	}
	if _, err := s.Resume(ctx, "domain", "site.example"); err != nil {
		t.Fatal(err)
	}
	check("hold and release", 1)
	if _, err := s.Bounce(ctx, Filter{ID: ids[0]}, "test"); err != nil {
		t.Fatal(err)
	}
	check("bounce", 0)
}
