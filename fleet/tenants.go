package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"sluice/tenants"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Tenants kept as data across a fleet. Each node keeps its own tenants
// store (package tenants); a change made on one node is pushed to Redis as
// the tenant's whole state (a bundle) and every other node imports it, so
// a tenant, credential or domain created on one node authenticates on the
// others within a poll (Poll, 250 ms by default).
//
// Redis keys (under the client's prefix):
//
//	tenants          hash: tenant → bundle (JSON; holds DKIM private keys
//	                 and credential hashes: Redis must be as private as
//	                 the store file)
//	tenants:ver      hash: tenant → version of its bundle
//	tenants:rev      counter: the last version given out
//
// A push writes the bundle, its version and the counter in one script, so
// a reader never sees a version without its bundle. Each node polls the
// counter (one GET); when it moved, it reads the versions (small) and only
// the bundles whose version it has not seen. Two nodes changing the same
// tenant at once: the later push wins (the bundle is the unit).
//
// Redis down loses nothing made locally: changed tenants stay marked and
// are pushed when it answers, across a restart of the node too (the marks
// are kept in the tenants store: MarkSynced, UnsyncedTenants). An emptied Redis is re-seeded: every node
// pushes the tenants Redis does not list.

// TenantStore is the tenants store as the fleet replicates it;
// *tenants.Store implements it.
type TenantStore interface {
	// WatchLocal calls fn after each change made on this node.
	WatchLocal(fn func(tenant string))
	StoredTenants() ([]string, error)
	// ExportTenantRev returns a tenant's bundle and its local revision.
	ExportTenantRev(name string) ([]byte, uint64, error)
	// ImportTenant replaces a tenant's state by a bundle; false when it
	// was already so. The tenant is then in step with the fleet.
	ImportTenant(bundle []byte) (bool, error)
	// MarkSynced records that a tenant at a revision is in the fleet, and
	// UnsyncedTenants lists those changed here since: the changes still
	// to push, kept across restarts.
	MarkSynced(name string, rev uint64) error
	UnsyncedTenants() ([]string, error)
}

// TenantSyncOptions configure a TenantSync.
type TenantSyncOptions struct {
	// Poll is how often Redis is asked for changes (and local changes
	// retried). Default 250 ms.
	Poll time.Duration
}

// TenantSync replicates a node's tenants store through Redis. Run it
// until shutdown.
type TenantSync struct {
	c    *Client
	st   TenantStore
	opts TenantSyncOptions
	log  *slog.Logger
	kick chan struct{}

	mu      sync.Mutex
	dirty   map[string]bool   // changed here, not yet pushed
	known   map[string]string // tenant → version last pushed or imported
	lastRev string            // tenants:rev at the last full pull
	seeded  bool

	pushed, imported, failed uint64
}

// pushTenantScript: KEYS bundles, versions, counter; ARGV tenant, bundle.
// Returns the new version.
var pushTenantScript = redis.NewScript(`
local v = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], v)
return v
`)

// Tenants returns the replication of st through c. Local changes are
// watched from now on.
func (c *Client) Tenants(st TenantStore, o TenantSyncOptions) *TenantSync {
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	s := &TenantSync{c: c, st: st, opts: o, log: c.log, kick: make(chan struct{}, 1),
		dirty: map[string]bool{}, known: map[string]string{}}
	// Changes made here that a previous run did not push (Redis was down
	// when it stopped or died): pushed first, and never overwritten by
	// the fleet's older bundle.
	unsynced, err := st.UnsyncedTenants()
	if err != nil {
		s.log.Error("fleet: tenants: changes not pushed before the last stop may be lost", "err", err)
	}
	for _, name := range unsynced {
		s.dirty[name] = true
	}
	st.WatchLocal(func(tenant string) {
		s.mu.Lock()
		s.dirty[tenant] = true
		s.mu.Unlock()
		select {
		case s.kick <- struct{}{}:
		default:
		}
	})
	return s
}

// Run pushes local changes and imports the others' until ctx is done.
func (s *TenantSync) Run(ctx context.Context) error {
	t := time.NewTicker(s.opts.Poll)
	defer t.Stop()
	for {
		s.step(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-s.kick:
		case <-t.C:
		}
	}
}

// step runs one round: seed (once per Redis life), push, pull. Errors
// are logged and retried at the next round.
func (s *TenantSync) step(ctx context.Context) {
	if !s.c.try() {
		s.c.degraded()
		return
	}
	if err := s.round(ctx); err != nil && ctx.Err() == nil {
		s.mu.Lock()
		s.failed++
		s.mu.Unlock()
		s.log.Warn("fleet: tenants sync", "err", err)
	}
}

func (s *TenantSync) round(ctx context.Context) error {
	if err := s.seed(ctx); err != nil {
		return err
	}
	if err := s.push(ctx); err != nil {
		return err
	}
	return s.pull(ctx)
}

// seed pushes every local tenant Redis does not list: at start and after
// Redis lost its data (its counter vanished).
func (s *TenantSync) seed(ctx context.Context) error {
	n, err := s.c.rdb.Exists(ctx, s.c.key("tenants", "rev")).Result()
	if err := s.c.observe(err); err != nil {
		return fmt.Errorf("fleet: tenants: %w", err)
	}
	s.mu.Lock()
	seeded := s.seeded && n == 1
	s.mu.Unlock()
	if seeded {
		return nil
	}
	listed, err := s.c.rdb.HKeys(ctx, s.c.key("tenants", "ver")).Result()
	if err := s.c.observe(err); err != nil {
		return fmt.Errorf("fleet: tenants: %w", err)
	}
	in := map[string]bool{}
	for _, name := range listed {
		in[name] = true
	}
	local, err := s.st.StoredTenants()
	if err != nil {
		return err
	}
	s.mu.Lock()
	for _, name := range local {
		if !in[name] {
			s.dirty[name] = true
		}
	}
	if n == 0 {
		s.known, s.lastRev = map[string]string{}, ""
	}
	s.seeded = true
	s.mu.Unlock()
	return nil
}

// push sends the tenants changed here.
func (s *TenantSync) push(ctx context.Context) error {
	s.mu.Lock()
	names := make([]string, 0, len(s.dirty))
	for n := range s.dirty {
		names = append(names, n)
	}
	s.mu.Unlock()
	keys := []string{s.c.key("tenants"), s.c.key("tenants", "ver"), s.c.key("tenants", "rev")}
	for _, name := range names {
		s.mu.Lock()
		delete(s.dirty, name) // a change during the push marks it again
		s.mu.Unlock()
		b, rev, err := s.st.ExportTenantRev(name)
		if err != nil {
			return err
		}
		v, err := pushTenantScript.Run(ctx, s.c.rdb, keys, name, b).Int64()
		if err := s.c.observe(err); err != nil {
			s.mu.Lock()
			s.dirty[name] = true
			s.mu.Unlock()
			return fmt.Errorf("fleet: tenants: push %s: %w", name, err)
		}
		s.mu.Lock()
		s.known[name] = strconv.FormatInt(v, 10)
		s.pushed++
		s.mu.Unlock()
		if err := s.st.MarkSynced(name, rev); err != nil {
			// Only costs a second push of the same bundle after a restart.
			s.log.Warn("fleet: tenants", "tenant", name, "err", err)
		}
	}
	return nil
}

// pull imports the bundles whose version this node has not seen.
func (s *TenantSync) pull(ctx context.Context) error {
	rev, err := s.c.rdb.Get(ctx, s.c.key("tenants", "rev")).Result()
	if err := s.c.observe(err); err != nil {
		return fmt.Errorf("fleet: tenants: %w", err)
	}
	s.mu.Lock()
	same := rev == s.lastRev
	s.mu.Unlock()
	if same {
		return nil
	}
	vers, err := s.c.rdb.HGetAll(ctx, s.c.key("tenants", "ver")).Result()
	if err := s.c.observe(err); err != nil {
		return fmt.Errorf("fleet: tenants: %w", err)
	}
	var want []string
	s.mu.Lock()
	for name, v := range vers {
		if s.known[name] != v && !s.dirty[name] { // a local change not yet pushed wins
			want = append(want, name)
		}
	}
	s.mu.Unlock()
	if len(want) > 0 {
		bundles, err := s.c.rdb.HMGet(ctx, s.c.key("tenants"), want...).Result()
		if err := s.c.observe(err); err != nil {
			return fmt.Errorf("fleet: tenants: %w", err)
		}
		for i, name := range want {
			raw, ok := bundles[i].(string)
			if !ok {
				continue // listed without a bundle: Redis lost it; the owner re-seeds
			}
			var changed bool
			if got, err2 := tenants.BundleTenant([]byte(raw)); err2 != nil || got != name {
				// The entry of one tenant must not overwrite another.
				err = fmt.Errorf("bundle stored as %q names tenant %q (%v)", name, got, err2)
			} else {
				changed, err = s.st.ImportTenant([]byte(raw))
			}
			if err != nil {
				// A bad bundle must not stop the others: skip it, keep
				// its version so that it is not retried until it changes.
				s.log.Error("fleet: tenants: import", "tenant", name, "err", err)
			}
			s.mu.Lock()
			s.known[name] = vers[name]
			if changed {
				s.imported++
			}
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	s.lastRev = rev
	s.mu.Unlock()
	return nil
}

// TenantSyncStats are the replication's counters, for metrics.
type TenantSyncStats struct {
	Pushed   uint64 // bundles written to Redis
	Imported uint64 // bundles from other nodes that changed this store
	Failed   uint64 // rounds that failed (Redis or the store)
	Pending  int    // local changes waiting for Redis
}

// Stats returns the counters.
func (s *TenantSync) Stats() TenantSyncStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return TenantSyncStats{Pushed: s.pushed, Imported: s.imported, Failed: s.failed, Pending: len(s.dirty)}
}
