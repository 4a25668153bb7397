package events

import (
	"errors"
	"sync/atomic"
)

// ErrNotOpen is what a Ref answers before Set.
var ErrNotOpen = errors.New("events: store not open yet")

// Ref is a Store known before it is open, for a subscriber that both
// writes into the store's transactions (its hook, an option of Open, so
// built first) and records or reads through the store once it runs (the
// reputation guard: its own events and its saved windows). Set it once
// Open returns, before the subscriber runs; until then Record drops and
// View and Update fail with ErrNotOpen.
type Ref struct{ s atomic.Pointer[Store] }

// Set makes r refer to s.
func (r *Ref) Set(s *Store) { r.s.Store(s) }

// Record is Store.Record; false (dropped) before Set.
func (r *Ref) Record(ev Event) bool {
	s := r.s.Load()
	return s != nil && s.Record(ev)
}

// View is Store.View.
func (r *Ref) View(fn func(*Tx) error) error {
	if s := r.s.Load(); s != nil {
		return s.View(fn)
	}
	return ErrNotOpen
}

// Update is Store.Update.
func (r *Ref) Update(fn func(*Tx) error) error {
	if s := r.s.Load(); s != nil {
		return s.Update(fn)
	}
	return ErrNotOpen
}
