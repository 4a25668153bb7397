// Command barerelay is the floor of a relay written in Go between the
// sitting's tools (bench/sitting.sh): the least any SMTP relay must do on
// this machine — accept a connection, answer each command, read the body
// to its dot, hand it to a pool of connections to the next hop and send it
// there pipelined (RFC 2920) — and nothing else: no checks, no signing, no
// queue. With -sync it also makes every body durable before its 250, as
// an MTA must: appended to one file, fdatasync'd by a group committer
// (every message waiting at once shares one fdatasync).
//
// It answers the question the targets raise: how much of the
// loopback ceiling is left for an MTA once the tools and the kernel have
// taken theirs. sluice's share over barerelay's share, in the same
// sitting, is the part sluice's own work costs.
//
// Usage:
//
//	barerelay -addr 127.0.0.1:2525 -next 127.0.0.1:2626 [-conns 20] [-sync DIR]
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2525", "listen address")
	next := flag.String("next", "127.0.0.1:2626", "next hop (an SMTP server offering PIPELINING)")
	conns := flag.Int("conns", 20, "connections to the next hop")
	syncDir := flag.String("sync", "", "directory of the file bodies are appended to and fdatasync'd in before each 250 (off when empty)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *next, *conns, *syncDir); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr, next string, conns int, syncDir string) error {
	out := make(chan []byte, 4096)
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := forward(next, out); err != nil {
				log.Printf("barerelay: next hop: %v", err)
			}
		}()
	}
	var j *journal
	if syncDir != "" {
		f, err := os.OpenFile(filepath.Join(syncDir, "barerelay.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("open journal: %w", err)
		}
		defer f.Close()
		j = &journal{f: f, reqs: make(chan syncReq, 1024)}
		go j.commit()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	go func() { <-ctx.Done(); ln.Close() }()
	var sessions sync.WaitGroup
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				// Sessions end with their clients (or a failed
				// write); out closes only once none can send.
				sessions.Wait()
				close(out)
				wg.Wait()
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		sessions.Add(1)
		go func() {
			defer sessions.Done()
			serve(c, out, j)
		}()
	}
}

// syncReq is one body to make durable; done receives the outcome.
type syncReq struct {
	body []byte
	done chan error
}

// journal appends bodies to one file and fdatasyncs them in groups.
type journal struct {
	f    *os.File
	reqs chan syncReq
}

func (j *journal) commit() {
	var batch []syncReq
	var buf []byte
	for r := range j.reqs {
		batch = append(batch[:0], r)
	fill:
		for len(batch) < 512 {
			select {
			case r := <-j.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		buf = buf[:0]
		for _, r := range batch {
			buf = append(buf, r.body...)
		}
		_, err := j.f.Write(buf)
		if err == nil {
			err = syscall.Fdatasync(int(j.f.Fd()))
		}
		for _, r := range batch {
			r.done <- err
		}
	}
}

func (j *journal) durable(body []byte) error {
	done := make(chan error, 1)
	j.reqs <- syncReq{body: body, done: done}
	return <-done
}

// serve speaks the receiving side of SMTP (RFC 5321 §4.1) for one client.
func serve(c net.Conn, out chan<- []byte, j *journal) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 4096)
	w := bufio.NewWriterSize(c, 4096)
	reply := func(s string) bool {
		w.WriteString(s)
		// A pipelining client's next command is already buffered: answer
		// it in the same write (RFC 2920 §3.2).
		if r.Buffered() > 0 {
			return true
		}
		return w.Flush() == nil
	}
	if !reply("220 barerelay ESMTP\r\n") {
		return
	}
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		cmd := bytes.ToUpper(line[:min(4, len(line))])
		switch string(cmd) {
		case "EHLO":
			w.WriteString("250-barerelay\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
			if w.Flush() != nil {
				return
			}
		case "HELO", "MAIL", "RCPT", "RSET", "NOOP":
			if !reply("250 2.0.0 ok\r\n") {
				return
			}
		case "DATA":
			w.WriteString("354 go ahead\r\n")
			if w.Flush() != nil {
				return
			}
			body, err := readBody(r)
			if err != nil {
				return
			}
			if j != nil && j.durable(body) != nil {
				reply("451 4.3.0 not stored\r\n")
				continue
			}
			out <- body
			if !reply("250 2.0.0 queued\r\n") {
				return
			}
		case "QUIT":
			reply("221 2.0.0 bye\r\n")
			return
		default:
			if !reply("500 5.5.1 unknown command\r\n") {
				return
			}
		}
	}
}

// readBody reads a dot-terminated body (RFC 5321 §4.5.2), keeping it
// dot-stuffed as it will be sent on.
func readBody(r *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		if len(body) == 0 || body[len(body)-1] == '\n' {
			if bytes.Equal(line, []byte(".\r\n")) {
				return body, nil
			}
		}
		body = append(body, line...)
	}
}

// forward sends each body of out over one connection to next,
// MAIL, RCPT and DATA pipelined, then the body and its dot.
func forward(next string, out <-chan []byte) error {
	c, err := net.Dial("tcp", next)
	if err != nil {
		return err
	}
	defer c.Close()
	r := bufio.NewReaderSize(c, 4096)
	w := bufio.NewWriterSize(c, 32<<10)
	if err := expect(r, 1); err != nil {
		return err
	}
	w.WriteString("EHLO barerelay\r\n")
	if err := w.Flush(); err != nil {
		return err
	}
	if err := expect(r, 1); err != nil {
		return err
	}
	for body := range out {
		w.WriteString("MAIL FROM:<bench@bench.example>\r\nRCPT TO:<rcpt@sink.example>\r\nDATA\r\n")
		if err := w.Flush(); err != nil {
			return err
		}
		if err := expect(r, 3); err != nil {
			return err
		}
		w.Write(body)
		w.WriteString(".\r\n")
		if err := w.Flush(); err != nil {
			return err
		}
		if err := expect(r, 1); err != nil {
			return err
		}
	}
	w.WriteString("QUIT\r\n")
	w.Flush()
	return nil
}

// expect reads n replies (multiline ones whole) and fails on any that is
// not 2xx or 3xx.
func expect(r *bufio.Reader, n int) error {
	for n > 0 {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) < 4 {
			return io.ErrUnexpectedEOF
		}
		if line[0] != '2' && line[0] != '3' {
			return fmt.Errorf("reply %q", bytes.TrimSpace(line))
		}
		if line[3] == ' ' {
			n--
		}
	}
	return nil
}
