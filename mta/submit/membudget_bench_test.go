package submit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/textproto"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"sluice/queue"
)

// discardSpool takes messages and keeps nothing, as a disk spool keeps
// nothing in memory once Enqueue returns.
type discardSpool struct{ memSpool }

func (*discardSpool) Enqueue(context.Context, ...*queue.Message) error { return nil }

// goMemory is the memory the Go runtime holds from the OS (all classes
// less what it released): about the process's RSS.
func goMemory() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}

// benchServer runs a submission server on loopback for tenant, trusting
// loopback (no AUTH), with a spool that keeps nothing.
func benchServer(b *testing.B, tenant *Tenant) (*Backend, string) {
	be, err := New(Config{Hostname: "submit.test", Tenants: []*Tenant{tenant}, Spool: &discardSpool{},
		Logger: slog.New(slog.DiscardHandler), TrustedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		TrustedTenant: tenant.Name, MaxMessageBytes: 8 << 20, DataMemory: 1 << 30, MaxCopyBytes: -1})
	if err != nil {
		b.Fatal(err)
	}
	srv := be.NewServer(nil, 10*time.Second, 10*time.Second)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	return be, l.Addr().String()
}

// benchSend sends msg (ending in its "." line) to rcpts recipients and
// wants 250.
func benchSend(addr string, rcpts int, msg string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	tc := textproto.NewConn(conn)
	step := func(cmd string, code int) error {
		if cmd != "" {
			if err := tc.PrintfLine("%s", cmd); err != nil {
				return err
			}
		}
		_, _, err := tc.ReadResponse(code)
		return err
	}
	if err := step("", 220); err != nil {
		return err
	}
	cmds := []string{"EHLO bench.test", "MAIL FROM:<a@acme.example>"}
	for i := range rcpts {
		cmds = append(cmds, fmt.Sprintf("RCPT TO:<r%d@example.net>", i))
	}
	for _, c := range cmds {
		if err := step(c, 250); err != nil {
			return fmt.Errorf("%s: %w", c, err)
		}
	}
	if err := step("DATA", 354); err != nil {
		return err
	}
	if _, err := io.WriteString(conn, msg); err != nil {
		return err
	}
	return step("", 250)
}

// BenchmarkDataMemoryCounted compares what the message memory budget
// counts with what the process really holds, at sluice's GOGC=400: peak
// bytes held in the budget against the peak of the Go runtime's memory
// above its level before the round (the verify round measured RSS at
// 2.5–3 × the budget). "data": 8 concurrent 4 MiB DATAs; "tracked": 2
// concurrent 2 MiB messages to 20 recipients each, one copy per recipient.
func BenchmarkDataMemoryCounted(b *testing.B) {
	for _, bc := range []struct {
		name            string
		sessions, rcpts int
		size            int
		tracker         Tracker
	}{
		{"data", 8, 1, 4 << 20, nil},
		{"tracked", 2, 20, 2 << 20, rcptTracker{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			defer debug.SetGCPercent(debug.SetGCPercent(400))
			be, addr := benchServer(b, &Tenant{Name: "acme", Username: "acme",
				SenderDomains: []string{"acme.example"}, Tracker: bc.tracker})
			msg := bigMessage(bc.size) + ".\r\n"
			var peakHeld, peakMem, sumHeld, sumMem int64
			for range b.N {
				debug.FreeOSMemory() // the base is what is live, nothing kept for reuse
				base := goMemory()
				stop := make(chan struct{})
				sampled := make(chan [2]int64)
				go func() {
					var held, mem int64
					t := time.NewTicker(time.Millisecond)
					defer t.Stop()
					for {
						h, _ := be.mem.inUse()
						held, mem = max(held, h), max(mem, goMemory()-base)
						select {
						case <-stop:
							sampled <- [2]int64{held, mem}
							return
						case <-t.C:
						}
					}
				}()
				var wg sync.WaitGroup
				for range bc.sessions {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := benchSend(addr, bc.rcpts, msg); err != nil {
							b.Error(err)
						}
					}()
				}
				wg.Wait()
				close(stop)
				s := <-sampled
				peakHeld, peakMem = max(peakHeld, s[0]), max(peakMem, s[1])
				sumHeld += s[0]
				sumMem += s[1]
			}
			b.ReportMetric(float64(peakHeld)/(1<<20), "peak-held-MiB")
			b.ReportMetric(float64(peakMem)/(1<<20), "peak-mem-MiB")
			b.ReportMetric(float64(sumMem)/float64(sumHeld), "mem/held")
		})
	}
}
