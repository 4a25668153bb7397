package fleet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"sluice/internal/clock"
)

// Options configure Open. Zero values take the documented defaults.
type Options struct {
	// URL is the Redis server: redis://[:password@]host:port[/db], or
	// rediss:// for TLS. Required.
	URL string
	// Password, when set, overrides the URL's.
	Password string
	// TLSConfig, when set, is used for rediss:// (a private CA, a client
	// certificate); default: the system roots, server name from the URL.
	TLSConfig *tls.Config
	// Prefix starts every key; default "sluice:". For a Redis Cluster,
	// put a hash tag in it ("{sluice}:") so the scripts' keys share a slot.
	Prefix string
	// NodeID names this node (see NodeID). Required.
	NodeID string
	// Version is reported in heartbeats.
	Version string
	// Timeout bounds dialling and each command's read and write; default
	// 1 s. A dead Redis costs a caller at most this once: afterwards calls
	// answer from the local fallback until a probe succeeds.
	Timeout time.Duration
	// Heartbeat is how often the node's heartbeat is refreshed, and NodeTTL
	// how long it lives without one; defaults 2 s and 10 s.
	Heartbeat, NodeTTL time.Duration
	// Now is the clock; default clock.Now.
	Now func() time.Time
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Client is a node's connection to the fleet's Redis. It is safe for
// concurrent use; its parts (Replicator, Leases, Rate, Backoff, the
// registry) share its connection pool and its health.
type Client struct {
	rdb    *redis.Client
	opts   Options
	log    *slog.Logger
	prefix string

	// Health: down is set by a failed call; while down, calls go to the
	// local fallback and one probe per retryEvery is let through.
	down      atomic.Bool
	nextProbe atomic.Int64 // unix nanos (real time: it paces network attempts)

	roundTrips    atomic.Uint64
	redisErrors   atomic.Uint64
	degradedCalls atomic.Uint64
	liveCount     atomic.Int64 // last seen live nodes, ≥ 1

	closeOnce sync.Once
}

// retryEvery paces probes of a Redis that failed.
const retryEvery = 500 * time.Millisecond

// Open connects to Redis. Only a bad URL fails: an unreachable Redis
// starts the client degraded, and it recovers by itself.
func Open(ctx context.Context, opts Options) (*Client, error) {
	if opts.NodeID == "" {
		return nil, errors.New("fleet: open: node id is required")
	}
	if err := validNodeID(opts.NodeID); err != nil {
		return nil, fmt.Errorf("fleet: open: %w", err)
	}
	ro, err := redis.ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("fleet: open: redis URL: %w", err)
	}
	if opts.Password != "" {
		ro.Password = opts.Password
	}
	if ro.TLSConfig != nil && opts.TLSConfig != nil {
		tc := opts.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = ro.TLSConfig.ServerName
		}
		ro.TLSConfig = tc
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Prefix == "" {
		opts.Prefix = "sluice:"
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 2 * time.Second
	}
	if opts.NodeTTL <= 0 {
		opts.NodeTTL = 10 * time.Second
	}
	opts.Now = clock.Or(opts.Now)
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout = opts.Timeout, opts.Timeout, opts.Timeout
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = -1 // one attempt: the caller falls back, not the client
	ro.Protocol = 2    // RESP2: no push notifications needed
	ro.DisableIdentity = true
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	c := &Client{rdb: redis.NewClient(ro), opts: opts, log: opts.Logger, prefix: opts.Prefix}
	c.liveCount.Store(1)
	c.rdb.AddHook(tripCounter{&c.roundTrips})
	pctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := c.observe(c.rdb.Ping(pctx).Err()); err != nil {
		c.log.Warn("fleet: redis unreachable at start: degraded until it answers", "err", err)
	}
	return c, nil
}

// Close closes the connection pool.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() { err = c.rdb.Close() })
	return err
}

// NodeID is this node's id.
func (c *Client) NodeID() string { return c.opts.NodeID }

// Healthy reports whether the last call to Redis succeeded.
func (c *Client) Healthy() bool { return !c.down.Load() }

// key builds a key under the prefix.
func (c *Client) key(parts ...string) string { return c.prefix + strings.Join(parts, ":") }

// try reports whether a call should go to Redis now: always when healthy,
// once per retryEvery when not (the probe that detects recovery).
func (c *Client) try() bool {
	if !c.down.Load() {
		return true
	}
	now := time.Now().UnixNano()
	next := c.nextProbe.Load()
	return now >= next && c.nextProbe.CompareAndSwap(next, now+int64(retryEvery))
}

// observe records a call's outcome in the client's health and returns
// err. redis.Nil (no such key) is an answer, not a failure, and a
// cancelled context is the caller's doing; any other
// error (network, timeout, LOADING, READONLY…) makes the client degraded.
func (c *Client) observe(err error) error {
	if errors.Is(err, context.Canceled) {
		return err // the caller gave up: says nothing about Redis
	}
	if err == nil || errors.Is(err, redis.Nil) {
		if c.down.CompareAndSwap(true, false) {
			c.log.Info("fleet: redis answers again: shared state restored")
		}
		return nil
	}
	c.redisErrors.Add(1)
	if !c.down.Swap(true) {
		c.nextProbe.Store(time.Now().Add(retryEvery).UnixNano())
		c.log.Warn("fleet: redis failed: degraded mode (local fallbacks)", "err", err)
	}
	return err
}

// degraded counts one call answered by a local fallback.
func (c *Client) degraded() { c.degradedCalls.Add(1) }

// share is limit divided among the live nodes last seen, rounded up, and
// at least 1: each node's part of a fleet-wide limit while Redis is down.
func (c *Client) share(limit int) int {
	n := max(1, int(c.liveCount.Load()))
	return max(1, (limit+n-1)/n)
}

// Stats are the client's counters, for metrics.
type Stats struct {
	Healthy       bool
	RoundTrips    uint64 // commands and pipelines sent (one network round trip each)
	RedisErrors   uint64 // failed Redis calls
	DegradedCalls uint64 // calls answered by a local fallback
	LiveNodes     int    // last seen
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	return Stats{Healthy: c.Healthy(), RoundTrips: c.roundTrips.Load(), RedisErrors: c.redisErrors.Load(),
		DegradedCalls: c.degradedCalls.Load(), LiveNodes: int(c.liveCount.Load())}
}

// tripCounter counts round trips: a command, or a whole pipeline.
type tripCounter struct{ n *atomic.Uint64 }

func (h tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}
