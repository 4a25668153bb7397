package events

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// syncFreelist writes bbolt's freelist into the file with one last empty
// commit, so that the next Open reads it instead of rebuilding it by
// walking every page of the file (O(events stored): seconds from a cold
// disk for a store of millions of events, before `sluice serve` can bind
// a listener). The store runs with NoFreelistSync so that ordinary
// commits do not write a freelist that grows with the pages retention
// frees; a clean Close now pays that write once, and only a crash leaves
// the walk to the next Open. The writer and the purger have stopped when
// Close calls this, and Commit reads db.NoFreelistSync under the writer
// lock.
func syncFreelist(db *bolt.DB) error {
	db.NoFreelistSync = false
	if err := db.Update(func(*bolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("events: write freelist: %w", err)
	}
	return nil
}
