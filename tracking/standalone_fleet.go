package tracking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"sluice/queue"
)

// In a fleet ([cluster] redis set), a standalone edge takes one-click
// unsubscribes into a small spool of its own instead of a node's admin
// API, and hands them to the fleet through Redis (package fleet's
// EdgeMember): no single node must be up for an opt-out to be taken
// (RFC 8058 §3.2: the POST must unsubscribe, and the 200 comes only once
// it is durable).

// SuppressionSpoolFile is the standalone edge's suppression spool, in its
// data_dir.
const SuppressionSpoolFile = "edge-suppressions.db"

// OpenSuppressionSpool opens (creating if needed) the standalone edge's
// suppression spool in dataDir. It is a queue.Store that only ever holds
// the edge's own suppressions, the fleet outbox of those not yet in
// Redis and the replication cursor: no message is queued there, so its
// mmap starts small (the spool's default pre-sizes 256 MiB for mail).
// now is its clock (nil: clock.Now).
func OpenSuppressionSpool(dataDir string, log *slog.Logger, now func() time.Time) (*queue.Store, error) {
	st, err := queue.Open(filepath.Join(dataDir, SuppressionSpoolFile), queue.Options{
		Now: now, Logger: log, InitialMmapSize: 1 << 20})
	if err != nil {
		return nil, fmt.Errorf("tracking: edge suppression spool: %w", err)
	}
	return st, nil
}

// FleetMember is a standalone edge's part in a fleet as the edge runs it
// (*fleet.EdgeMember): Run until the edge has stopped, then Close.
type FleetMember interface {
	Run(ctx context.Context) error
	Close()
}

// EdgeFleet runs a standalone edge's fleet side beside it and closes it
// after it, through Standalone's Webhooks and Events: Run is
// Standalone.Webhooks (the webhooks and the fleet member together, until
// the edge has stopped, so that the last unsubscribes answered are
// pushed), and EdgeFleet itself is Standalone.Events (the events store
// closed, then the member, then the suppression spool last, which the
// member's replicator reads until it returns).
type EdgeFleet struct {
	// Member is the edge's fleet member; required.
	Member FleetMember
	// Spool is the edge's suppression spool (OpenSuppressionSpool);
	// required.
	Spool interface{ Close() error }
	// Webhooks, when not nil, is the events store's webhook dispatcher
	// (what Standalone.Webhooks would be without a fleet).
	Webhooks func(ctx context.Context) error
	// Events, when not nil, is the events store (what Standalone.Events
	// would be without a fleet).
	Events interface {
		Close(ctx context.Context) error
	}
}

// Run runs the webhooks and the member until ctx ends and returns their
// errors joined.
func (f *EdgeFleet) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	var whErr error
	if f.Webhooks != nil {
		wg.Add(1)
		go func() { defer wg.Done(); whErr = f.Webhooks(ctx) }()
	}
	mErr := f.Member.Run(ctx)
	wg.Wait()
	return errors.Join(whErr, mErr)
}

// Close closes the events store, the member's connections, then the
// spool; Run must have returned.
func (f *EdgeFleet) Close(ctx context.Context) error {
	var evErr error
	if f.Events != nil {
		evErr = f.Events.Close(ctx)
	}
	f.Member.Close()
	return errors.Join(evErr, f.Spool.Close())
}
