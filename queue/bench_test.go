package queue

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkEnqueue measures durable (fsync'd) enqueues of one 5 KB message
// with 1 recipient from many goroutines at once, as concurrent SMTP sessions
// do: group commit is what makes this scale.
//
// "bbolt" keeps every body in bbolt (segments off), "segments" is the
// default (bodies of 16 KiB or more in segment files).
func BenchmarkEnqueue(b *testing.B) {
	for _, v := range []struct {
		name string
		th   int
	}{{"bbolt", -1}, {"segments", 0}} {
		for _, size := range []int{5 << 10, 100 << 10} {
			b.Run(v.name+"/"+byteSize(size), func(b *testing.B) { benchEnqueue(b, size, v.th) })
		}
	}
}

func benchEnqueue(b *testing.B, size, threshold int) {
	s, err := Open(filepath.Join(b.TempDir(), "spool.db"), Options{SegmentThreshold: threshold})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body := bytes.Repeat([]byte("x"), size)
	b.SetParallelism(10) // 20 writers on 2 cores, like 20 SMTP sessions
	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m := &Message{ID: s.NewID(), From: "a@b.example", Rcpts: []string{"r@c.example"}, Created: time.Now(), Body: body}
			if err := s.Enqueue(context.Background(), m); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkClaimComplete measures the delivery side: claim a batch of due
// recipients, then complete them as delivered (which removes the messages).
func BenchmarkClaimComplete(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "spool.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body := bytes.Repeat([]byte("x"), 5<<10)
	ctx := context.Background()
	const batch = 100
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := 0; i < batch; i++ {
			m := &Message{ID: s.NewID(), From: "a@b.example", Rcpts: []string{"r@c.example"}, Created: time.Now().Add(-time.Second), Body: body}
			if err := s.Enqueue(ctx, m); err != nil {
				b.Fatal(err)
			}
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
}

func byteSize(n int) string { return strconv.Itoa(n>>10) + "KB" }

// BenchmarkSuppressed measures the suppression check made at every RCPT
// and before every delivery, in a spool of 100k suppressions: "clear"
// before any erasure (one lookup), "hashed" once the spool holds hashed
// suppressions (an HMAC and a second lookup for addresses not suppressed
// by address).
func BenchmarkSuppressed(b *testing.B) { benchSuppressed(b, false) }

// benchSuppressed is BenchmarkSuppressed, on a spool whose keys were
// rewritten to their canonical form first when rewritten is set.
func benchSuppressed(b *testing.B, rewritten bool) {
	for _, hashed := range []bool{false, true} {
		b.Run(map[bool]string{false: "clear", true: "hashed"}[hashed], func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "spool.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			if rewritten {
				if err := s.SetFleetOutbox(ctx, false); err != nil {
					b.Fatal(err)
				}
			}
			sups := make([]Suppression, 100_000)
			for i := range sups {
				sups[i] = Suppression{Tenant: "acme", Addr: fmt.Sprintf("user%06d@example.com", i), Reason: "import"}
			}
			if err := s.SuppressMany(ctx, sups); err != nil {
				b.Fatal(err)
			}
			if hashed {
				sub, err := s.FindSubject(ctx, "acme", "user000000@example.com")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.EraseSubject(ctx, sub); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				// Half suppressed, half not.
				s.Suppressed("acme", fmt.Sprintf("user%06d@example.com", 2*(i%100_000)))
				i++
			}
		})
	}
}

// BenchmarkFindSubject measures the scan behind a data subject request
// over a directory of 1M entries (a warm page cache).
func BenchmarkFindSubject(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "spool.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const entries = 1_000_000
	base := ID(time.Now().Add(-24 * time.Hour).UnixMicro())
	for done := 0; done < entries; {
		err := s.db.Update(func(tx *bolt.Tx) error {
			db := tx.Bucket(bucketDir)
			db.FillPercent = 0.95
			for i := 0; i < 50_000 && done < entries; i++ {
				addr := fmt.Sprintf("user%07d@dom%04d.example", done%3_000_000, done%5000)
				if err := db.Put(rcptKey(base+ID(done), 0), encodeDir("acme", addr, Marketing)); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		sub, err := s.FindSubject(ctx, "acme", "user0000007@dom0007.example")
		if err != nil || len(sub.Directory) != 1 {
			b.Fatalf("found %+v, %v", sub, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/entries, "ns/entry")
}
