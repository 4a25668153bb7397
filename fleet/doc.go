// Package fleet is what the nodes of a sluice fleet share, on Redis
// (go-redis v9; Valkey works too): a registry of live nodes, the fleet's
// suppressions, and fleet-wide throttles (connection leases, GCRA rates,
// shared backoff). Each node keeps its own bbolt spool; Redis holds only
// what nodes must agree on, and losing it loses nothing.
//
// # Suppressions
//
// The node's spool is the replica: RCPT-time lookups (queue.Store.Suppressed)
// stay local and never cost a Redis round trip. Redis holds a hash
// <prefix>supp:all of every suppression (the resync source) and a stream
// <prefix>supp:log of changes (suppress, lift, re-seed), written together
// by one Lua script, and an epoch <prefix>epoch, a random name of the data
// set. [Replicator.Publish] writes changes to a durable outbox in the
// spool first and pushes them in order, now or when Redis is back.
// [Replicator.Run] reads the stream with XREAD BLOCK from the last id the
// node applied (persisted with its epoch), applies entries through
// queue.Store.SuppressMany, and resyncs fully (HSCAN, then the stream from
// the id noted before the scan) when its cursor was trimmed away or the
// epoch changed. A Redis that lost its data has no epoch: every node
// re-seeds the hash from its own suppressions, the first one creates a
// new epoch, and each node that added anything appends a re-seed entry
// that makes the others rescan. Never pub/sub alone: a node that blinked
// would stay stale for good.
//
// # Throttles
//
// [Leases] are connection slots per key (source|site) in a sorted set
// scored by expiry, taken and renewed by scripts on Redis's clock; a
// crashed node's slots come back after the TTL. [Rate] is GCRA in a
// script, on Redis's clock (TIME), so nodes' clocks do not matter.
// [Backoff] shares "slow down until" after a throttle reply. When Redis
// does not answer, every call answers from a local fallback with this
// node's share of the limit (limit ÷ live nodes last seen, rounded up),
// and the shared state is used again as soon as a probe succeeds.
package fleet
