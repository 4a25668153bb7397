// Package readahead reads a file front to back into the page cache while
// something else opens it, for bbolt files whose open after a crash walks
// every page in tree order (random reads from disk).
package readahead

import (
	"os"
	"sync"
	"sync/atomic"
)

// Chunk is the size of each sequential read.
const Chunk = 1 << 20

// Start reads the file at path front to back, discarding what it reads,
// until the returned stop is called (stop waits for it to end) or the end
// of the file. queue.Open and events.Open run it beside bolt.Open.
//
// After a crash bbolt's file says "no freelist" (sluice's bbolt files
// commit with NoFreelistSync and write the freelist only at a clean
// Close), and
// bolt.Open rebuilds the freelist by walking every page of the tree: in
// tree order, so from disk one random 4 KiB read after another — 27–31 s
// for a million queued messages (1.8 GB) with the page cache empty, when
// reading the same file sequentially takes 1.3–2.9 s. Reading it
// sequentially meanwhile puts the pages in the page cache ahead of the
// walk: 1.75 s (bench/cmd/coldopen, bench/RESULTS.md). After a clean Close
// bolt.Open reads one freelist page and returns in milliseconds, and stop
// ends the read after a chunk or two. posix_fadvise(WILLNEED) was tried
// first and did not help (the kernel returned at once and read little).
//
// done, when set, is called with the bytes read (tests).
func Start(path string, done func(n int64)) (stop func()) {
	f, err := os.Open(path)
	if err != nil {
		return func() {} // a new spool: nothing to read
	}
	var stopping atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer f.Close()
		buf := make([]byte, Chunk)
		var n int64
		for !stopping.Load() {
			k, err := f.Read(buf)
			n += int64(k)
			if err != nil {
				// io.EOF, or an error bolt.Open will meet and report
				// itself: the read is only a hint to the page cache.
				break
			}
		}
		if done != nil {
			done(n)
		}
	}()
	return func() {
		stopping.Store(true)
		wg.Wait()
	}
}
