package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

// rcptDomain is where every recipient is: the world's DNS points its MX at
// the sink.
const rcptDomain = "rss.test"

// shape is one hostile submission.
type shape struct {
	name string
	to   []string
	msg  []byte
}

// hostile returns the three shapes of the review: a large message, many
// recipients, a large header.
func hostile(o options) []shape {
	many := make([]string, o.rcpts)
	for i := range many {
		many[i] = fmt.Sprintf("r%d@%s", i, rcptDomain)
	}
	return []shape{
		{fmt.Sprintf("%d MB message", o.size>>20), []string{"big@" + rcptDomain}, message("big", nil, o.size)},
		{fmt.Sprintf("%d recipients", o.rcpts), many, message("many", nil, 2<<10)},
		{fmt.Sprintf("%d KB header", o.header>>10), []string{"header@" + rcptDomain}, message("header", bigHeader(o.header), 2<<10)},
	}
}

// message is an ordinary text message of about size bytes of body, with
// extra header lines.
func message(tag string, extra []byte, size int) []byte {
	var b bytes.Buffer
	b.Grow(size + len(extra) + 512)
	fmt.Fprintf(&b, "From: Bench <bench@bench.example>\r\nTo: <%s@%s>\r\nSubject: rssbench %s\r\n", tag, rcptDomain, tag)
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <rss.%s@bench.example>\r\n", time.Now().Format(time.RFC1123Z), tag)
	b.Write(extra)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
	const line = "The quick brown fox jumps over the lazy dog, message after message, 012345\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.Bytes()
}

// bigHeader is one X-Pad field of about size bytes, folded into 78-byte
// lines (RFC 5322 §2.2.3), so that no line is over the limits.
func bigHeader(size int) []byte {
	var b bytes.Buffer
	b.WriteString("X-Pad: start\r\n")
	for b.Len() < size {
		b.WriteString(" 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n")
	}
	return b.Bytes()
}

// submit sends s in one session, without AUTH (loopback is trusted).
func (s shape) submit(addr string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.CommandTimeout = time.Minute
	c.SubmissionTimeout = 5 * time.Minute
	if err := c.Hello("rssbench.test"); err != nil {
		return err
	}
	if err := c.Mail("bench@bench.example", nil); err != nil {
		return err
	}
	for _, to := range s.to {
		if err := c.Rcpt(to, nil); err != nil {
			return err
		}
	}
	wc, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := wc.Write(s.msg); err != nil {
		wc.Close()
		return err
	}
	if err := wc.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// isSMTPReply tells a refusal (the submission's answer) from a failure to
// talk at all.
func isSMTPReply(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se)
}

// world is what sluice delivers into: the DNS server and the sink.
type world struct {
	dns  *dnstest.Server
	sink *mtatest.Sink
}

func startWorld() (*world, error) {
	dns, err := dnstest.Start()
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	dns.AddMX(rcptDomain, 10, "mx."+rcptDomain)
	dns.AddA("mx."+rcptDomain, "127.0.0.1")
	// The sink keeps what it receives: rssbench's memory, not sluice's.
	sink, err := mtatest.StartSink(mtatest.SinkOptions{})
	if err != nil {
		dns.Close()
		return nil, fmt.Errorf("sink: %w", err)
	}
	return &world{dns: dns, sink: sink}, nil
}

// waitRcpts waits until the sink has n recipients or timeout passes, and
// returns how many it has.
func (w *world) waitRcpts(ctx context.Context, n int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		_, got := w.sink.Count()
		if got >= n || time.Now().After(deadline) || ctx.Err() != nil {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (w *world) close() {
	w.sink.Close()
	w.dns.Close()
}
