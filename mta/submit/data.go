package submit

import (
	"errors"
	"io"
	"net"
)

// readData reads r, at most limit bytes, into a pooled buffer (io.ReadAll
// would grow a new one from 512 bytes, allocating about twice the message).
// Give the result back with putData once nothing refers to it.
func (b *Backend) readData(r io.Reader, limit int64) ([]byte, error) {
	return b.readDataHeld(r, limit, 0, nil)
}

// readDataHeld is readData with a size hint (MAIL's SIZE=, 0 for none) and
// a hold on the memory budget: every byte of buffer capacity is reserved
// with hold (nil: none) before it is allocated, and when hold refuses,
// the read stops with errDataMemory.
//
// The buffer grows by doubling, which copies the message each time; once
// a quarter of the declared size has arrived it grows to the declared
// size at once (RFC 1870 SIZE is an estimate: beyond it, doubling again).
// Not before: a client declaring 25 MB and sending a few bytes slowly
// would otherwise hold 25 MB of the budget for nothing.
func (b *Backend) readDataHeld(r io.Reader, limit, hint int64, hold func(int64) bool) ([]byte, error) {
	buf, _ := b.bufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	out := (*buf)[:0]
	reserve := func(n int64) bool { return hold == nil || hold(n) }
	if !reserve(int64(cap(out))) {
		return out, errDataMemory
	}
	hint = min(hint, limit)
	lr := io.LimitReader(r, limit)
	for {
		if len(out) == cap(out) {
			// Doubling (or the declared size), at least 16 KiB, never
			// past the limit plus the byte that shows the end.
			c := min(2*int64(cap(out)), limit+1)
			if hint >= c && int64(len(out)) >= hint/4 {
				c = hint + 1
			}
			c = max(c, 16<<10, int64(cap(out))+1)
			if !reserve(c - int64(cap(out))) {
				return out, errDataMemory
			}
			out = append(make([]byte, 0, c), out...)
		}
		n, err := lr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, readError(err)
		}
	}
}

// readError is the error a failed read of the message data is answered
// with: a timeout (go-smtp's read timeout, or the DATA deadline cutting
// the read: membudget.go) is errDataTimeout, 451 4.4.2, rather than
// go-smtp's 554 carrying the network error's text.
func readError(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errDataTimeout
	}
	return err
}

// maxPooledData bounds the buffers kept for reuse: a rare huge message
// should not pin its memory.
const maxPooledData = 256 << 10

// putData returns a buffer from readData to the pool.
func (b *Backend) putData(raw []byte) {
	if cap(raw) == 0 || cap(raw) > maxPooledData {
		return
	}
	raw = raw[:0]
	b.bufs.Put(&raw)
}
