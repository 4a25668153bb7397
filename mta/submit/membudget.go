package submit

import (
	"bufio"
	"bytes"
	"math"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/guard"
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

// Sharing the budget (the verify round's N4: one tenant holding four
// stalled 5 MB DATAs took the whole budget, and every other tenant got
// 452 4.3.1, even for 5 bytes, for as long as those sessions lived):
//
//   - a tenant's messages together hold at most its share (Backend.
//     SetDataLimits; default tenantShare: a quarter of the budget, or the
//     room the largest message needs, Backend.oneMessage, if more). A tenant
//     over its share delays only itself;
//   - the last eighth of the budget is a reserve only small messages may
//     use (a message holding at most smallHold in all): however the rest
//     is taken, small mail still fits;
//   - a message's data must arrive within the DATA deadline
//     (SetDataLimits; default DefaultDataTimeout) from its first
//     reservation: past it the read is cut, the answer is 451 4.4.2, the
//     connection is closed (the rest of the data would otherwise be read
//     as commands) and everything the message held is released. A client
//     trickling its data, or stalling between BDAT chunks (each chunk
//     command re-arms go-smtp's per-command read timeout), holds memory
//     for that long at most.

// dataBudget is a byte semaphore with a bounded wait, per-tenant shares,
// a reserve for small messages, and the DATA deadline of every message
// holding part of it. A budget with no limit (limit <= 0) bounds nothing
// but still arms the deadlines.
type dataBudget struct {
	limit int64
	wait  time.Duration

	mu sync.Mutex
	// perTenant is each tenant's share (0: derived, tenantShare), and
	// timeout the DATA deadline (0: DefaultDataTimeout; negative: none).
	perTenant int64
	timeout   time.Duration
	used      int64
	byTenant  map[string]int64
	msgs      map[*Session]*msgHold // messages being received
	waiting   int                   // sessions blocked in acquire
	freed     chan struct{}         // closed, and replaced, at every release
}

// msgHold is one message's place in the budget: its tenant, and its DATA
// deadline's timer (fired once it went off).
type msgHold struct {
	tenant string
	timer  *time.Timer
	fired  bool
}

// claim is one reservation: n more bytes for a message of tenant that
// holds held already, under a tenant share of share bytes.
type claim struct {
	tenant  string
	held, n int64
	share   int64
	mayWait bool
}

// smallHold is the most a message may hold in all and still use the
// reserve: a pooled read buffer (at most maxPooledData) plus the
// prepared copy of a message of a few hundred kilobytes.
const smallHold = 1 << 20

// DefaultDataTimeout is the DATA deadline when none is set: a 25 MB
// message still arrives over a 1 Mbit/s link.
const DefaultDataTimeout = 5 * time.Minute

func newDataBudget(limit int64, wait time.Duration) *dataBudget {
	return &dataBudget{limit: limit, wait: wait, byTenant: map[string]int64{},
		msgs: map[*Session]*msgHold{}, freed: make(chan struct{})}
}

// small is the most a message may hold and still use the reserve:
// smallHold, or a sixteenth of the budget if that is less.
func (d *dataBudget) small() int64 { return min(smallHold, d.limit/16) }

// reserve is the part of the budget only small messages may use.
func (d *dataBudget) reserve() int64 { return d.limit / 8 }

// tenantShare is the most one tenant's messages may hold together: the
// share set, or a quarter of the budget raised to one (the room one
// message needs: Backend.oneMessage), and never over what a large
// message may use (the budget less the reserve). 0 when there is no
// budget.
func (d *dataBudget) tenantShare(one int64) int64 {
	if d == nil || d.limit <= 0 {
		return 0
	}
	d.mu.Lock()
	share := d.perTenant
	d.mu.Unlock()
	if share <= 0 {
		share = max(d.limit/4, one)
	}
	return min(share, d.limit-d.reserve())
}

// fits reports whether c fits now, and whether it never can (more than
// the budget, or than the tenant's share, for this message alone).
// Called with d.mu held.
func (d *dataBudget) fits(c claim) (ok, never bool) {
	if d.limit <= 0 {
		return true, false
	}
	if c.n > d.limit || c.share > 0 && c.held+c.n > c.share {
		return false, true
	}
	room := d.limit
	if c.held+c.n > d.small() {
		room -= d.reserve()
	}
	ok = d.used+c.n <= room && (c.share <= 0 || d.byTenant[c.tenant]+c.n <= c.share)
	return ok, false
}

// acquire takes c.n bytes of the budget; when they do not fit and
// c.mayWait, it waits up to d.wait for others to release enough. False
// when they did not (or never can). A nil budget grants everything.
//
// Only a session that holds nothing yet may wait (Session.hold): one that
// waited while holding could wait for another that waits for it, and
// both would time out. A message is admitted, waiting if need be, then
// grows without waiting or fails.
func (d *dataBudget) acquire(c claim) bool {
	if d == nil || c.n <= 0 {
		return true
	}
	var timer *time.Timer
	for {
		d.mu.Lock()
		ok, never := d.fits(c)
		if ok {
			d.used += c.n
			d.byTenant[c.tenant] += c.n
			d.mu.Unlock()
			return true
		}
		if never || d.wait <= 0 || !c.mayWait {
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

// release gives back n bytes of tenant's taken by acquire.
func (d *dataBudget) release(tenant string, n int64) {
	if d == nil || n <= 0 {
		return
	}
	d.mu.Lock()
	d.used -= n
	if d.byTenant[tenant] -= n; d.byTenant[tenant] <= 0 {
		delete(d.byTenant, tenant)
	}
	close(d.freed)
	d.freed = make(chan struct{})
	d.mu.Unlock()
}

// begin records s's message, of tenant, on its first reservation and arms
// its DATA deadline: expired runs (under d.mu, so never after end) when
// the data has not all arrived in time.
func (d *dataBudget) begin(s *Session, tenant string, expired func(tenant string)) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.msgs[s] != nil {
		return
	}
	h := &msgHold{tenant: tenant}
	d.msgs[s] = h
	timeout := d.timeout
	if timeout == 0 {
		timeout = DefaultDataTimeout
	}
	if timeout > 0 {
		h.timer = time.AfterFunc(timeout, func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.msgs[s] == h {
				h.fired = true
				expired(h.tenant)
			}
		})
	}
}

// end forgets s's message and disarms its deadline; nil when none began.
func (d *dataBudget) end(s *Session) *msgHold {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	h := d.msgs[s]
	if h == nil {
		return nil
	}
	delete(d.msgs, s)
	if h.timer != nil {
		h.timer.Stop()
	}
	return h
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

// tenantInUse reports the bytes tenant's messages hold now.
func (d *dataBudget) tenantInUse(tenant string) int64 {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.byTenant[tenant]
}

// SetDataLimits sets each tenant's share of the message memory budget
// (bytes; 0: derived, a quarter of the budget or the room one message of
// MaxMessageBytes needs, whichever is more) and the DATA deadline (0:
// DefaultDataTimeout; negative: none). Messages already begun keep the
// deadline they started with.
func (b *Backend) SetDataLimits(perTenant int64, dataTimeout time.Duration) {
	d := b.mem
	d.mu.Lock()
	defer d.mu.Unlock()
	d.perTenant, d.timeout = max(perTenant, 0), dataTimeout
}

var (
	errDataMemory = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
		Message: "Insufficient system resources for the message now, try again later"}
	// errDataTimeout answers a message whose data did not arrive within
	// the DATA deadline, or a read timed out (RFC 3463 4.4.2: bad
	// connection); the connection is then closed.
	errDataTimeout = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2},
		Message: "Timeout waiting for the message data, closing connection"}
)

// copiesTooLarge is the reply to a message whose per-recipient copies
// would exceed Config.MaxCopyBytes; most says how many recipients fit.
func copiesTooLarge(most int64) *smtp.SMTPError {
	return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: "Message too large for this many recipients (tracking makes one copy per recipient): send at most " +
			strconv.FormatInt(max(most, 1), 10) + " recipients per message"}
}

// hold reserves n bytes of the budget for this session's message, until
// releaseHeld; false (and the refusal counted) when the budget, or the
// tenant's share of it, stayed full. The first call arms the message's
// DATA deadline.
func (s *Session) hold(n int64) bool {
	d := s.b.mem
	d.begin(s, s.tenant.Name, s.dataExpired)
	c := claim{tenant: s.tenant.Name, held: s.held, n: n,
		share: d.tenantShare(s.b.oneMessage()), mayWait: s.held == 0}
	if !d.acquire(c) {
		s.b.reject("data_memory")
		s.b.log.Warn("submission message memory exhausted", "tenant", s.tenant.Name, "bytes", n,
			"tenant_bytes", d.tenantInUse(s.tenant.Name), "share", c.share)
		return false
	}
	s.held += n
	return true
}

// oneMessage is what the largest message may hold: its read buffer and
// prepared copy (about twice MaxMessageBytes, and a little), plus its
// per-recipient copies up to MaxCopyBytes. A tenant's derived share is at
// least this, so that a message the other bounds allow is never refused
// 452 for ever by its tenant's share.
func (b *Backend) oneMessage() int64 {
	return 2*b.cfg.MaxMessageBytes + smallHold + max(b.maxCopies, 0)
}

// dataExpired cuts a message whose data is late (dataBudget.begin's
// timer goroutine): the read blocked on the network fails at once, as a
// timeout (readDataHeld answers errDataTimeout), and a guarded
// connection reads end-of-file from then on, so the session ends after
// that reply instead of reading the rest of the data as commands.
func (s *Session) dataExpired(tenant string) {
	s.b.reject("data_timeout")
	s.b.log.Warn("submission message data late: connection cut", "tenant", tenant)
	if s.conn == nil {
		return
	}
	nc := s.conn.Conn()
	// The deadline first: after Hangup a guarded connection sets none.
	_ = nc.SetReadDeadline(time.Now()) // a network deadline: the real clock
	guard.Hangup(nc)
}

// releaseHeld gives back everything the session's message held. After a
// cut on a connection without a guard (which has no hang-up), it shuts
// the connection's read side for the same effect.
func (s *Session) releaseHeld() {
	h := s.b.mem.end(s)
	if h == nil {
		return
	}
	if h.fired && s.conn != nil {
		if _, ok := guard.Find(s.conn.Conn()); !ok {
			closeRead(s.conn.Conn())
		}
	}
	s.b.mem.release(h.tenant, s.held)
	s.held = 0
}

// closeRead shuts the read side of nc, or of the connection it wraps (a
// *tls.Conn's), so later reads see end-of-file.
func closeRead(nc net.Conn) {
	for range 4 {
		switch v := nc.(type) {
		case interface{ CloseRead() error }:
			_ = v.CloseRead()
			return
		case interface{ NetConn() net.Conn }:
			nc = v.NetConn()
		default:
			return
		}
	}
}

// DefaultDataMemory is the process-wide budget of message bytes in flight
// when Config.DataMemory is 0: a tenth of the memory this process may use
// (the lowest of GOMEMLIMIT, the cgroup's limit and the machine's RAM),
// since the Go heap under sluice's GOGC=400 may grow to about five times
// what is live (BenchmarkDataMemoryCounted: the runtime's memory peaked
// at 3.5–3.9 × the bytes counted for concurrent 4 MiB DATAs, the garbage
// of the doubling read buffer and of the copies, and 1.9 × for tracked
// copies; so a full budget is about 0.4 of the memory, not 0.1); at least four messages of maxMessage bytes, so that the
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
