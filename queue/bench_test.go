package queue

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkEnqueue measures durable (fsync'd) enqueues of one 5 KB message
// with 1 recipient from many goroutines at once, as concurrent SMTP sessions
// do: group commit is what makes this scale.
func BenchmarkEnqueue(b *testing.B) {
	for _, size := range []int{5 << 10, 100 << 10} {
		b.Run(byteSize(size), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "spool.db"), Options{})
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
		})
	}
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
