package reputation

import (
	"context"
	"time"
)

// Indexes of Counts. A Shared keeps the counts without knowing what each
// means, except CountFinished, the unit of the count window.
const (
	CountFinished     = int(cFinal)     // delivered or failed (the count window's unit)
	CountDelivered    = int(cDelivered) // accepted by the receiver
	CountFBLDelivered = int(cFBL)       // delivered to a feedback-loop receiver
	CountComplaints   = int(cComplaint) // feedback-loop complaints
	CountHardBounces  = int(cHard)      // dead addresses
	CountUnsubscribes = int(cUnsub)     // unsubscribes
	CountBlocks       = int(cBlock)     // policy and spam refusals
	NumCounts         = int(nCounters)
)

// Scope names one window: a tenant's own (Campaign "") or one of its
// campaigns'. Tenant is lower-cased.
type Scope struct{ Tenant, Campaign string }

// Shared is the fleet's part of the guard's windows (fleet.ReputationCounts
// in fleet mode; nil on a node alone): in a fleet, deliveries happen at
// every node and returns and complaints arrive at whichever node's MX the
// receiver picks, so a node's own windows see only its slice. With a
// Shared, the guard still counts into its own windows (what it judges on
// while Redis is down, and what it saves), hands every count to Add too,
// and judges on the fleet's sums whenever they are known.
//
// The guard calls Add, Sums and ClaimPause from its counting goroutine
// (Add and Sums with its lock held: they must not block on I/O), Sync
// from its Run loop only, Reset from Resume.
type Shared interface {
	// Add counts c for scope at t. It keeps them in memory for the next
	// Sync: no I/O.
	Add(scope Scope, t time.Time, c Counts)
	// Sums are the fleet's counts of scope over its count window and its
	// time window at now, including what Add counted here and Sync did
	// not send yet; ok is false when the fleet's counts are not known
	// (Redis down, or the scope not read yet): the guard judges on its own
	// windows then.
	Sums(scope Scope, now time.Time) (byCount, byTime Counts, ok bool)
	// Sync sends what Add counted since the last Sync and reads the
	// fleet's sums of the scopes this node counted in lately, in one round
	// trip. It returns the scopes whose sums it read (the guard judges
	// them: another node's counts may have crossed a threshold) and the
	// tenants whose windows another node started afresh (Reset): the guard
	// forgets its own windows of those.
	Sync(ctx context.Context) (read []Scope, reset []string)
	// Reset starts tenant's windows afresh at every node (Guard.Resume).
	// With Redis down it is done when Redis answers again.
	Reset(ctx context.Context, tenant string) error
	// ClaimPause reports whether this node is the one to pause tenant
	// now: false when another node claimed it a moment ago (its hold
	// reaches every node; a second "paused" event would say the same
	// thing twice). With Redis down, true.
	ClaimPause(ctx context.Context, tenant string) bool
}
