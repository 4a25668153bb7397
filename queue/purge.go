package queue

import (
	"context"
	"time"
)

// DirectoryPurge says how RunDirectoryPurge keeps the recipient directory
// to its retention (queue.directory_retention).
type DirectoryPurge struct {
	// Retention is how long an entry outlives its message's acceptance:
	// returns (VERP bounces, feedback-loop reports, mailto unsubscribes)
	// arriving later are no longer attributed. Required.
	Retention time.Duration
	// Every is the time between purges. Default an hour.
	Every time.Duration
	// Batch bounds the entries one write transaction deletes, so a purge
	// never holds the spool's writer long. Default 10,000.
	Batch int
}

// RunDirectoryPurge deletes expired recipient-directory entries at once,
// then every p.Every, until ctx ends; it returns nil then. "Expired" is
// older than p.Retention by the store's clock (Options.Now). A pass goes on
// batch after batch until one deletes fewer than p.Batch, so a backlog
// (after downtime, or a shorter retention) is cleared in one pass. A failed
// batch ends its pass: the next pass tries again.
func (s *Store) RunDirectoryPurge(ctx context.Context, p DirectoryPurge) error {
	if p.Every <= 0 {
		p.Every = time.Hour
	}
	if p.Batch <= 0 {
		p.Batch = 10000
	}
	t := time.NewTicker(p.Every)
	defer t.Stop()
	for {
		for {
			k, err := s.PurgeDirectory(ctx, s.opts.Now().Add(-p.Retention), p.Batch)
			if err != nil || k < p.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
