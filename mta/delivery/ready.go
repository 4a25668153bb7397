package delivery

import (
	"context"
	"time"
	"unsafe"

	"sluice/queue"
)

// The engine's ready queues are the claimed recipients it holds in memory:
// each destination's queue of jobs (dest.go), in flight in the spool's
// sense (a crash makes them due again at restart). They are bounded by a
// budget, so memory does not grow with how much mail is due at once:
//
//   - entries: Config.MaxInFlight recipients in all;
//   - bytes: Config.MaxReadyBytes, an estimate of what those recipients
//     hold (ids, addresses and small state: bodies are read from the spool
//     per transaction and are never counted or kept here);
//   - per domain and scheduling class: Config.MaxPendingPerDomain, so one
//     destination's backlog never fills the budget ahead of everyone
//     else's mail, and one class's backlog (a campaign) never fills a
//     destination's queue ahead of another's (a password reset).
//
// The spool is read only when the budget has room, in due order, for what
// fits (queue.ClaimOptions.RoomClass), and destination by destination
// when one domain's backlog fills the due order's skip window (the
// spool's per-destination schedule: new mail to another domain never
// waits behind a busy one); beyond the budget the spool's schedule is the
// order, and due mail waits there untouched: no rewrite, no attempt
// counted. When a claim left due mail of domains without room, the
// scheduler waits until a quarter of a domain's share has settled (refill)
// rather than claiming after every completion, so claims stay batched.
//
// Priorities between streams are in roomFor (each class's own share of a
// domain's room), the spool's claim order and the destinations' take
// order (prio.go). Where later work plugs in: fleet-wide connection
// leases and rate limits bound roomFor by what the lease grants this node
// for the site; pauses and source moves are holds (the spool) or shaping
// decisions at dispatch, and need nothing here.

// defaultReadyBytes is Config.MaxReadyBytes's default: 8 MiB, about
// 40,000 recipients at the estimate below, so MaxInFlight binds first
// unless addresses are unusually long.
const defaultReadyBytes = 8 << 20

// Fixed costs of the in-memory structures per recipient: a WorkRcpt in
// its job's slice, and a share of its Work and job (charged once per
// recipient, so splitting a job keeps the sums exact).
var (
	rcptFixed = int64(unsafe.Sizeof(queue.WorkRcpt{}))
	workFixed = int64(unsafe.Sizeof(queue.Work{}) + unsafe.Sizeof(job{}) + unsafe.Sizeof((*job)(nil)))
)

// estRcptBytes is what a claim assumes each recipient will cost before it
// sees them: the fixed costs and 192 bytes of strings (address, tenant,
// sender, domain, pool). Each claimed recipient is then charged its own
// estimate (rcptBytes), so a claim overshoots the bytes budget only by
// the strings of its recipients beyond 192 bytes each.
var estRcptBytes = rcptFixed + workFixed + 192

// rcptBytes estimates the memory one claimed recipient of w holds.
func rcptBytes(w *queue.Work, r *queue.WorkRcpt) int64 {
	return rcptFixed + int64(len(r.Addr)) + workFixed +
		int64(len(w.Tenant)+len(w.From)+len(w.Domain)+len(w.Pool))
}

// workBytes is the estimate of all of w's recipients.
func workBytes(w *queue.Work) int64 {
	var n int64
	for i := range w.Rcpts {
		n += rcptBytes(w, &w.Rcpts[i])
	}
	return n
}

// free returns how many more recipients the budget lets a claim take.
func (e *Engine) free() int {
	n := int64(e.cfg.MaxInFlight) - e.inflight.Load()
	if b := (e.cfg.MaxReadyBytes - e.readyBytes.Load()) / estRcptBytes; b < n {
		n = b
	}
	return int(max(n, 0))
}

// roomFor is the claim's view of each domain's room in each class: its
// share of the ready queues less what it holds (snapshot taken before the
// claim).
func (e *Engine) roomFor(pending map[pendKey]int) func(string, queue.Class) int {
	return func(domain string, c queue.Class) int { return e.cfg.MaxPendingPerDomain - pending[pendKey{domain, c}] }
}

// refill is how many recipients must settle after a claim that left due
// mail of full domains before the next claim: a quarter of a domain's
// share (bounded by the whole budget's), at least one.
func (e *Engine) refill() int64 {
	return int64(max(1, min(e.cfg.MaxPendingPerDomain, e.cfg.MaxInFlight)/4))
}

// waitRoom waits, after a claim that skipped due mail of domains without
// room, until refill recipients settled since released (a count of
// e.released), or new mail may be due (Kick: the next claim reaches it
// through the spool's per-destination walk however deep the backlog
// ahead of it), or Config.roomWait passed. ok false means stop.
func (e *Engine) waitRoom(ctx context.Context, timer *time.Timer, released int64) bool {
	deadline := time.Now().Add(e.cfg.roomWait) // a scheduler timer: real time
	for {
		if e.released.Load()-released >= e.refill() || e.dueKick.Swap(false) {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return true
		}
		if !e.wait(ctx, timer, left) {
			return false
		}
	}
}
