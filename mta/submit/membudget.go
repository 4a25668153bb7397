package submit

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message memory. Every DATA (or BDAT) holds its message in memory while
// it is read, prepared, rewritten, signed and committed: the raw bytes,
// the prepared copy, and with per-recipient tracking one signed copy per
// recipient until the one Enqueue that makes them all durable together
// (the 250 promises every copy or none, and the spool's Enqueue is that
// all-or-nothing write). Without a bound, concurrent sessions, or one
// message to many recipients, could take the node's memory (the redteam's
// F2 and F8: 4 MB × 50 recipients took 767 MB; 8 × 20 MB DATAs 1 GB).
//
// Two bounds, both on bytes the sessions hold:
//
//   - a process-wide budget (Config.DataMemory) shared by every session: a
//     session reserves what it is about to hold (the read buffer as it
//     grows, the prepared copy, each per-recipient copy) and gives it all
//     back when it answers. A message whose first reservation does not fit
//     waits (Config.DataMemoryWait) for others to finish; one that no
//     longer fits once it has begun does not wait (it could wait for a
//     session that waits for it). Either way the answer is then 452 4.3.1:
//     the client retries later, nothing is queued;
//   - a per-message bound on the per-recipient copies
//     (Config.MaxCopyBytes): a message whose copies would exceed it is
//     refused 552 5.3.4 before they are built, since waiting would never
//     make it fit. The tenant sends fewer recipients per message.
//
// Batching the copies into several Enqueues was the alternative; it
// needs a way to take back batches already durable (and possibly being
// delivered) when a later one fails, which the spool does not offer, so
// the 250's all-or-nothing meaning would be lost. A budget keeps it.

// dataBudget is a byte semaphore with a bounded wait.
type dataBudget struct {
	limit int64
	wait  time.Duration

	mu      sync.Mutex
	used    int64
	waiting int           // sessions blocked in acquire
	freed   chan struct{} // closed, and replaced, at every release
}

func newDataBudget(limit int64, wait time.Duration) *dataBudget {
	if limit <= 0 {
		return nil // no budget
	}
	return &dataBudget{limit: limit, wait: wait, freed: make(chan struct{})}
}

// acquire takes n bytes of the budget; when they do not fit and wait is
// set, it waits up to d.wait for others to release enough. False when
// they did not (or when n alone exceeds the budget). A nil budget grants
// everything.
//
// Only a session that holds nothing yet may wait (Session.hold): one that
// waited while holding could wait for another that waits for it, and
// both would time out. A message is admitted, waiting if need be, then
// grows without waiting or fails.
func (d *dataBudget) acquire(n int64, wait bool) bool {
	if d == nil || n <= 0 {
		return true
	}
	var timer *time.Timer
	for {
		d.mu.Lock()
		if d.used+n <= d.limit {
			d.used += n
			d.mu.Unlock()
			return true
		}
		if n > d.limit || d.wait <= 0 || !wait {
			d.mu.Unlock()
			return false
		}
		freed := d.freed
		d.waiting++
		d.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(d.wait)
			defer timer.Stop()
		}
		var timedOut bool
		select {
		case <-freed:
		case <-timer.C:
			timedOut = true
		}
		d.mu.Lock()
		d.waiting--
		d.mu.Unlock()
		if timedOut {
			return false
		}
	}
}

// release gives back n bytes taken by acquire.
func (d *dataBudget) release(n int64) {
	if d == nil || n <= 0 {
		return
	}
	d.mu.Lock()
	d.used -= n
	close(d.freed)
	d.freed = make(chan struct{})
	d.mu.Unlock()
}

// inUse reports the bytes held now and the sessions waiting for room
// (for tests and metrics).
func (d *dataBudget) inUse() (held int64, waiting int) {
	if d == nil {
		return 0, 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.used, d.waiting
}

var (
	errDataMemory = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
		Message: "Insufficient system resources for the message now, try again later"}
)

// copiesTooLarge is the reply to a message whose per-recipient copies
// would exceed Config.MaxCopyBytes; most says how many recipients fit.
func copiesTooLarge(most int64) *smtp.SMTPError {
	return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: "Message too large for this many recipients (tracking makes one copy per recipient): send at most " +
			strconv.FormatInt(max(most, 1), 10) + " recipients per message"}
}

// hold reserves n bytes of the process-wide budget for this session's
// message, until release; false (and the refusal counted) when the budget
// stayed full.
func (s *Session) hold(n int64) bool {
	if !s.b.mem.acquire(n, s.held == 0) {
		s.b.reject("data_memory")
		s.b.log.Warn("submission message memory exhausted", "tenant", s.tenant.Name, "bytes", n)
		return false
	}
	s.held += n
	return true
}

// releaseHeld gives back everything the session's message held.
func (s *Session) releaseHeld() {
	s.b.mem.release(s.held)
	s.held = 0
}

// DefaultDataMemory is the process-wide budget of message bytes in flight
// when Config.DataMemory is 0: a tenth of the memory this process may use
// (the lowest of GOMEMLIMIT, the cgroup's limit and the machine's RAM),
// since the Go heap under sluice's GOGC=400 may grow to about five times
// what is live; at least four messages of maxMessage bytes, so that the
// largest message always fits; 512 MiB when the memory cannot be read.
func DefaultDataMemory(maxMessage int64) int64 {
	mem := systemMemory()
	budget := int64(512 << 20)
	if mem > 0 {
		budget = mem / 10
	}
	return max(budget, 4*maxMessage)
}

// systemMemory returns the memory this process may use, in bytes, or 0
// when unknown.
func systemMemory() int64 {
	var mem int64 = math.MaxInt64
	if l := debug.SetMemoryLimit(-1); l > 0 && l < mem {
		mem = l
	}
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(f); err == nil {
			if v, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64); err == nil && v > 0 && v < mem {
				mem = v
			}
		}
	}
	if v := memTotal(); v > 0 && v < mem {
		mem = v
	}
	if mem == math.MaxInt64 {
		return 0
	}
	return mem
}

// memTotal reads MemTotal from /proc/meminfo (0 when unavailable).
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("MemTotal:")); ok {
			kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte("kB")))), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
