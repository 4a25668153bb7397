package tenants

import (
	"context"
	"log/slog"
	"slices"
	"time"
)

// DefaultRetireEvery is how often RunRetirement drops the retiring keys
// whose grace period is over, by default; the next change of a domain
// drops them too.
const DefaultRetireEvery = time.Hour

// RunRetirement drops the retiring DKIM keys past Options.RotationGrace
// ([Store.RetireKeys], audited as "system") now and every interval
// (default DefaultRetireEvery) until ctx ends. What it dropped is logged
// (their DNS records can go), and so is a failure, tried again at the
// next tick.
func (s *Store) RunRetirement(ctx context.Context, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		every = DefaultRetireEvery
	}
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if k, err := s.RetireKeys("system"); err != nil {
			log.Error("tenants: retire DKIM keys", "err", err)
		} else if k > 0 {
			log.Info("tenants: retired DKIM keys dropped; their DNS records can go", "keys", k)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// NamesWith lists configured (the config's tenants) followed by every
// stored tenant not among them, so that tenants created through ctl
// count at once in operations across tenants. On a store error it
// returns configured alone, with the error.
func (s *Store) NamesWith(configured []string) ([]string, error) {
	names := slices.Clone(configured)
	stored, err := s.StoredTenants()
	if err != nil {
		return names, err
	}
	for _, n := range stored {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, nil
}
