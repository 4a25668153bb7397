package configs

import "time"

// Queue configures retries and how much work is in flight.
type Queue struct {
	// RetryFirst is the wait after the first temporary failure; it doubles
	// per attempt up to RetryMax. Defaults "5m" and "1h" (like Postfix).
	RetryFirst Duration `toml:"retry_first"`
	RetryMax   Duration `toml:"retry_max"`
	// MaxAge: a message still failing temporarily after this long fails
	// with reason "expired". Default "120h" (5 days).
	MaxAge Duration `toml:"max_age"`
	// MaxInFlight caps the recipients claimed for delivery at once (the
	// memory bound of delivery). Default 5000.
	MaxInFlight int `toml:"max_in_flight"`
	// MaxReadyBytes bounds the estimated memory of the recipients claimed
	// and waiting to be delivered (ids, addresses and small state; never
	// bodies). Beyond it the scheduler stops claiming and mail stays due
	// in the spool, untouched. Default 8388608 (8 MiB).
	MaxReadyBytes int64 `toml:"max_ready_bytes"`
	// DirectoryRetention is how long (message, recipient) → address entries
	// are kept after acceptance to attribute late returns. Default "720h".
	DirectoryRetention Duration `toml:"directory_retention"`
	// SegmentThreshold: bodies of at least this many bytes are kept in
	// append-only segment files beside the spool (data_dir/spool.db.segments/)
	// rather than in bbolt; 0 = the default 16384, -1 = off for new mail
	// (segments already written are still read).
	SegmentThreshold int `toml:"segment_threshold"`
}

// validate checks the [queue] table.
func (q Queue) validate() error {
	if q.RetryFirst.Duration <= 0 || q.RetryMax.Duration < q.RetryFirst.Duration {
		return keyError("queue.retry_max", "need 0 < retry_first <= retry_max")
	}
	if q.MaxAge.Duration <= 0 {
		return keyError("queue.max_age", "must be positive")
	}
	if q.SegmentThreshold < -1 {
		return keyError("queue.segment_threshold", "must be -1 (off), 0 (default, 16384) or a size in bytes")
	}
	if q.MaxInFlight <= 0 {
		return keyError("queue.max_in_flight", "must be positive")
	}
	if q.MaxReadyBytes < 64<<10 {
		return keyError("queue.max_ready_bytes", "must be at least 65536")
	}
	if q.DirectoryRetention.Duration < 24*time.Hour {
		return keyError("queue.directory_retention", "must be at least 24h (returns arrive days late)")
	}
	return nil
}
