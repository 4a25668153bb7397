package tenants

// Change tells a watcher that the store changed.
type Change struct {
	// Tenant is the tenant whose data changed.
	Tenant string
	// Revision is the store's revision after the change.
	Revision uint64
	// Remote is true for a change imported from another node (fleet):
	// it must not be published again.
	Remote bool
}

// Watch registers fn, called after every committed change (in the
// writer's goroutine, after its transaction: fn must be quick and must
// not write to the store). Watchers cannot be removed: they live as long
// as the store.
func (s *Store) Watch(fn func(Change)) {
	s.watchMu.Lock()
	s.watchers = append(s.watchers, fn)
	s.watchMu.Unlock()
}

// notify calls the watchers with c.
func (s *Store) notify(c Change) {
	s.watchMu.Lock()
	ws := s.watchers
	s.watchMu.Unlock()
	for _, fn := range ws {
		fn(c)
	}
}
