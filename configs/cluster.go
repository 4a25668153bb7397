package configs

import (
	"fmt"
	"net/url"
	"time"
)

// Cluster configures fleet mode (package sluice/fleet): several nodes
// sharing suppressions, throttles and a registry of live nodes on one
// Redis (or Valkey). With Redis empty the node runs alone and needs no
// Redis at all: the embedded default.
type Cluster struct {
	// Redis is the server's URL: redis://[:password@]host:port[/db], or
	// rediss:// for TLS. Default "": a single node, no Redis.
	Redis string `toml:"redis"`
	// Password, when set, overrides the URL's (keep it out of the URL so
	// that the URL can be logged). Default "".
	Password string `toml:"password"`
	// Prefix starts every Redis key, so that several fleets can share one
	// Redis; for a Redis Cluster put a hash tag in it ("{sluice}:").
	// Default "sluice:".
	Prefix string `toml:"prefix"`
	// NodeID names this node in the fleet: 1 to 16 of a-z, 0-9 and '-'
	// (not first). Default "": generated once into data_dir/node_id.
	NodeID string `toml:"node_id"`
	// TLSCA is a PEM file of the CA that signed Redis's certificate, for a
	// private CA (rediss:// only). Default "": the system roots.
	TLSCA string `toml:"tls_ca"`
	// LeaseTTL is how long a connection lease lives without renewal: a
	// crashed node's connection slots come back after it. Default "15s".
	LeaseTTL Duration `toml:"lease_ttl"`
	// StreamMaxLen trims the fleet's log of suppression changes (entries,
	// approximately); a node further behind than that resyncs fully.
	// Default 1000000.
	StreamMaxLen int64 `toml:"stream_max_len"`
	// StatsEvery is how often this node publishes its `ctl stats`
	// counters for the fleet's totals. Default "10s".
	StatsEvery Duration `toml:"stats_every"`
	// StatsTTL is how long a stopped node's last numbers still count in
	// the fleet's totals (shown as stale). Default "24h".
	StatsTTL Duration `toml:"stats_ttl"`
	// EraseRetention is how long a privacy erasure waits in Redis (the
	// address in clear) for a member that is down; a node away longer
	// misses it and logs so. Default "720h" (30 days).
	EraseRetention Duration `toml:"erase_retention"`
}

// Cluster defaults.
const (
	defaultClusterPrefix       = "sluice:"
	defaultClusterLeaseTTL     = 15 * time.Second
	defaultClusterStreamMaxLen = 1_000_000
	defaultClusterStatsEvery   = 10 * time.Second
	defaultClusterStatsTTL     = 24 * time.Hour
	defaultClusterEraseKeep    = 30 * 24 * time.Hour
)

// Enabled reports whether fleet mode is on (a Redis is configured).
func (c Cluster) Enabled() bool { return c.Redis != "" }

// Resolve fills the defaults of unset keys and validates the section; an
// error names the key. The zero value (no Redis) is valid.
func (c *Cluster) Resolve() error {
	c.fill()
	return c.validate()
}

// fill sets the defaults of the keys left unset (or set to zero).
func (c *Cluster) fill() {
	if c.Prefix == "" {
		c.Prefix = defaultClusterPrefix
	}
	if c.LeaseTTL.Duration == 0 {
		c.LeaseTTL.Duration = defaultClusterLeaseTTL
	}
	if c.StreamMaxLen == 0 {
		c.StreamMaxLen = defaultClusterStreamMaxLen
	}
	if c.StatsEvery.Duration == 0 {
		c.StatsEvery.Duration = defaultClusterStatsEvery
	}
	if c.StatsTTL.Duration == 0 {
		c.StatsTTL.Duration = defaultClusterStatsTTL
	}
	if c.EraseRetention.Duration == 0 {
		c.EraseRetention.Duration = defaultClusterEraseKeep
	}
}

// validate checks the [cluster] table.
func (c Cluster) validate() error {
	if c.Redis != "" {
		u, err := url.Parse(c.Redis)
		switch {
		case err != nil:
			return keyError("cluster.redis", "not a URL (want redis://host:port or rediss://host:port)")
		case u.Scheme != "redis" && u.Scheme != "rediss":
			return keyError("cluster.redis", "scheme %q: want redis:// or rediss://", u.Scheme)
		case u.Host == "":
			return keyError("cluster.redis", "no host (want redis://host:port)")
		}
		if c.TLSCA != "" && u.Scheme != "rediss" {
			return keyError("cluster.tls_ca", "set, but cluster.redis is not rediss:// (TLS)")
		}
	} else if c.TLSCA != "" || c.Password != "" || c.NodeID != "" {
		return keyError("cluster.redis", "required when other cluster keys are set")
	}
	if err := validNodeID(c.NodeID); c.NodeID != "" && err != nil {
		return keyError("cluster.node_id", "%v", err)
	}
	if len(c.Prefix) > 64 {
		return keyError("cluster.prefix", "longer than 64 bytes")
	}
	if c.LeaseTTL.Duration < time.Second {
		return keyError("cluster.lease_ttl", "must be at least 1s")
	}
	if c.StreamMaxLen < 1000 {
		return keyError("cluster.stream_max_len", "must be at least 1000")
	}
	switch {
	case c.StatsEvery.Duration < time.Second:
		return keyError("cluster.stats_every", "must be at least 1s")
	case c.StatsTTL.Duration < c.StatsEvery.Duration:
		return keyError("cluster.stats_ttl", "must be at least cluster.stats_every")
	case c.EraseRetention.Duration < time.Hour:
		return keyError("cluster.erase_retention", "must be at least 1h")
	}
	return nil
}

// validNodeID is fleet's rule for node ids (ids go into Redis keys and,
// later, into message ids and tokens): 1 to 16 of a-z, 0-9 and '-', not
// first.
func validNodeID(id string) error {
	if len(id) < 1 || len(id) > 16 {
		return fmt.Errorf("%q: want 1 to 16 characters", id)
	}
	for i, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' && i > 0) {
			return fmt.Errorf("%q: want only a-z, 0-9 and '-' (not first)", id)
		}
	}
	return nil
}
