package events

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Tenants returns the names of the tenants with counters here, sorted:
// the tenants a store that has no tenants directory beside it (the
// standalone edge's) can report statistics for. It seeks from one
// tenant's counters to the next (counter keys are "tenant NUL …"), so it
// costs a seek per tenant, not a read per counter.
func (s *Store) Tenants() ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		c := bucket(tx, bucketCnt).Cursor()
		for k, _ := c.First(); k != nil; {
			i := bytes.IndexByte(k, 0)
			if i <= 0 {
				k, _ = c.Next() // not a counter key: skip it
				continue
			}
			out = append(out, string(k[:i]))
			// The first key after every "tenant NUL …" key.
			k, _ = c.Seek(append(bytes.Clone(k[:i]), 1))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events: tenants: %w", err)
	}
	return out, nil
}
