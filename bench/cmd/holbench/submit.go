package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// submitStats are shared by the sessions.
type submitStats struct {
	next   atomic.Int64 // next message index
	fast   atomic.Int64 // accepted, fast domains
	slow   atomic.Int64 // accepted, slow domains
	errors atomic.Int64 // messages given up on
}

func (s *submitStats) accepted() int64 { return s.fast.Load() + s.slow.Load() }

// submitAll submits o.n messages over o.sessions persistent sessions, in
// index order overall (so the slow domains' messages go first), and returns
// when all were tried or ctx ends.
func submitAll(ctx context.Context, o options, w *world, addr string) *submitStats {
	st := &submitStats{}
	var wg sync.WaitGroup
	for range o.sessions {
		wg.Go(func() { session(ctx, o, w, addr, st) })
	}
	wg.Wait()
	return st
}

// session sends message after message on one connection, reconnecting
// after an error; a message is tried at most three times.
func session(ctx context.Context, o options, w *world, addr string, st *submitStats) {
	var c *smtp.Client
	defer func() {
		if c != nil {
			_ = c.Quit()
			c.Close()
		}
	}()
	body := make([]byte, 0, o.size+512)
	for ctx.Err() == nil {
		i := int(st.next.Add(1) - 1)
		if i >= o.n {
			return
		}
		to, slow := w.rcpt(i)
		body = message(body[:0], i, to, o.size)
		var err error
		for try := 0; try < 3 && ctx.Err() == nil; try++ {
			if c == nil {
				if c, err = dial(addr); err != nil {
					c = nil
					sleepCtx(ctx, 100*time.Millisecond)
					continue
				}
			}
			if err = send(c, to, body); err == nil {
				break
			}
			c.Close() // start afresh: the session state is unknown
			c = nil
			sleepCtx(ctx, 100*time.Millisecond)
		}
		switch {
		case err != nil || ctx.Err() != nil:
			st.errors.Add(1)
		case slow:
			st.slow.Add(1)
		default:
			st.fast.Add(1)
		}
	}
}

func dial(addr string) (*smtp.Client, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return nil, err
	}
	c.CommandTimeout = 30 * time.Second
	c.SubmissionTimeout = 60 * time.Second
	if err := c.Hello("holbench.test"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// send is one transaction: MAIL, RCPT, DATA.
func send(c *smtp.Client, to string, body []byte) error {
	if err := c.Mail("bench@bench.example", nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	wc, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := wc.Write(body); err != nil {
		wc.Close()
		return err
	}
	return wc.Close()
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// message appends message i to b: ordinary headers and a text body of CRLF
// lines, about size bytes in all.
func message(b []byte, i int, to string, size int) []byte {
	b = fmt.Appendf(b, "From: Bench <bench@bench.example>\r\nTo: <%s>\r\nSubject: holbench message %d\r\n", to, i)
	b = fmt.Appendf(b, "Date: %s\r\nMessage-ID: <hol.%d@bench.example>\r\n", time.Now().Format(time.RFC1123Z), i)
	b = append(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"...)
	const line = "The quick brown fox jumps over the lazy dog, message after message, 0123456"
	for n := 0; len(b) < size; n++ {
		b = fmt.Appendf(b, "%04d %s\r\n", n%10000, line[:min(len(line), max(1, size-len(b)))])
	}
	return bytes.TrimRight(b, " ")
}
