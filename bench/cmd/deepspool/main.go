// Command deepspool fills a spool with queued mail directly through the
// queue API (no SMTP, no signing), so that start-up, memory and drain
// shapes can be measured against a deep queue in seconds rather than the
// hours SMTP submission of a million messages would take.
//
// It writes -n messages of -size bytes, one recipient each, to
// rcptNNN@dK.deep.test (K < -domains), in durable batches of -batch
// messages, into the spool at -data/spool.db (the path `sluice serve`
// opens under its data_dir), then acknowledges the event journal as the
// events follower of a running node would have (so a restart measures the
// queue, not a million events to apply; -keep-journal leaves them).
//
// Shapes:
//
//	-hold site:NAME   suspend (kind:name) before queueing: the resume shape
//	-defer-for D      claim everything and defer it, due D from now: a
//	                  wave of retries coming due together
//
// Usage:
//
//	deepspool -data DIR [-n 1000000] [-size 1024] [-domains 1] [-batch 1000] \
//	    [-writers 4] [-hold kind:name] [-defer-for 0] [-keep-journal]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sluice/internal/clock"
	"sluice/queue"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "deepspool:", err)
		os.Exit(1)
	}
}

type options struct {
	data        string
	n, size     int
	domains     int
	batch       int
	writers     int
	hold        string
	deferFor    time.Duration
	keepJournal bool
}

func run(args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("deepspool", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.data, "data", "", "data_dir of the node (spool.db is created in it)")
	fs.IntVar(&o.n, "n", 1000000, "messages to queue (one recipient each)")
	fs.IntVar(&o.size, "size", 1024, "message size, bytes")
	fs.IntVar(&o.domains, "domains", 1, "recipient domains d0…dN-1.deep.test")
	fs.IntVar(&o.batch, "batch", 1000, "messages per durable write")
	fs.IntVar(&o.writers, "writers", 4, "concurrent writers")
	fs.StringVar(&o.hold, "hold", "", "kind:name of a hold to place before queueing (e.g. domain:d0.deep.test)")
	fs.DurationVar(&o.deferFor, "defer-for", 0, "claim everything and defer it to now+D (a retry wave)")
	fs.BoolVar(&o.keepJournal, "keep-journal", false, "leave the event journal unacknowledged")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.data == "" || o.n < 1 || o.size < 64 || o.domains < 1 || o.batch < 1 || o.writers < 1 {
		return errors.New("need -data, and -n, -domains, -batch, -writers ≥ 1, -size ≥ 64")
	}
	ctx := context.Background()
	st, err := queue.Open(filepath.Join(o.data, "spool.db"), queue.Options{MaxBatch: 64})
	if err != nil {
		return err
	}
	defer st.Close()
	if o.hold != "" {
		kind, name, ok := strings.Cut(o.hold, ":")
		if !ok {
			return fmt.Errorf("-hold %q: want kind:name", o.hold)
		}
		if err := st.Suspend(ctx, kind, name, "deepspool"); err != nil {
			return err
		}
	}
	start := time.Now()
	if err := fill(ctx, st, o, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "deepspool: queued %d in %s\n", o.n, time.Since(start).Round(time.Millisecond))
	if o.deferFor > 0 {
		at := clock.Now().Add(o.deferFor)
		n, err := deferAll(ctx, st, at)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deepspool: deferred %d to +%s\ndue_unix_ns=%d\n", n, o.deferFor, at.UnixNano())
	}
	if !o.keepJournal {
		n, err := ackJournal(ctx, st)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deepspool: acknowledged %d journal entries\n", n)
	}
	q, inf, def, _, _ := st.Counts()
	fmt.Fprintf(stdout, "deepspool: queued=%d in_flight=%d deferred=%d\n", q, inf, def)
	return nil
}

// fill queues o.n messages from o.writers goroutines.
func fill(ctx context.Context, st *queue.Store, o options, stderr io.Writer) error {
	body := bytes.Repeat([]byte("x"), o.size)
	copy(body, "Subject: deep\r\nFrom: <a@bench.example>\r\n\r\n")
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, o.writers)
	for range o.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := next.Add(int64(o.batch)) - int64(o.batch)
				if lo >= int64(o.n) {
					return
				}
				hi := min(lo+int64(o.batch), int64(o.n))
				ms := make([]*queue.Message, 0, hi-lo)
				for i := lo; i < hi; i++ {
					ms = append(ms, &queue.Message{ID: st.NewID(), Tenant: "bench", From: "a@bench.example",
						Rcpts:   []string{fmt.Sprintf("rcpt%d@d%d.deep.test", i, i%int64(o.domains))},
						Created: clock.Now(), Body: body})
				}
				if err := st.Enqueue(ctx, ms...); err != nil {
					errc <- err
					return
				}
				if hi%100000 < int64(o.batch) {
					fmt.Fprintf(stderr, "deepspool: %d\n", hi)
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// deferAll claims every due recipient and defers it to at, with no
// attempt counted: what a wave of temporary failures leaves behind.
func deferAll(ctx context.Context, st *queue.Store, at time.Time) (int, error) {
	total := 0
	for {
		works, err := st.ClaimWith(ctx, queue.ClaimOptions{Limit: 5000, MaxRcpts: 100})
		if err != nil {
			return total, err
		}
		if len(works) == 0 {
			return total, nil
		}
		var res []queue.Result
		for _, w := range works {
			for _, r := range w.Rcpts {
				res = append(res, queue.Result{ID: w.ID, Index: r.Index, Outcome: queue.OutcomeDeferred,
					Code: 451, Reply: "451 4.3.0 try later", RetryAt: at, Uncounted: true})
			}
		}
		if err := st.Complete(ctx, res); err != nil {
			return total, err
		}
		total += len(res)
	}
}

// ackJournal reads and acknowledges the whole journal.
func ackJournal(ctx context.Context, st *queue.Store) (int, error) {
	total := 0
	for {
		es, err := st.ReadJournal(10000)
		if err != nil {
			return total, err
		}
		if len(es) == 0 {
			return total, nil
		}
		if err := st.AckJournal(ctx, es[len(es)-1].Seq); err != nil {
			return total, err
		}
		total += len(es)
	}
}
