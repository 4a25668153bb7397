package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sluice/internal/clock"
	"sync"
	"sync/atomic"
	"time"
)

// userAgent identifies sluice's requests.
const userAgent = "sluice-webhook/1"

// maxEventBody is the body size, in bytes, above which a single event
// refused with 413 is dropped rather than retried. Events are bounded
// well below it (recipient address included), so in practice a single
// event's 413 is retried like any failure.
const maxEventBody = 64 << 10

// Config configures a Dispatcher. The zero value of each field gives its
// default.
type Config struct {
	// Client sends the requests. Default: a client of its own with dial,
	// TLS handshake and response header timeouts. Redirects are never
	// followed, whatever the client's CheckRedirect says.
	Client *http.Client
	// BatchSize caps the events of one request. Default 100.
	BatchSize int
	// Timeout bounds each request, answer included. Default 10s.
	Timeout time.Duration
	// RetryFirst is the wait after a first failure; it doubles with each
	// failure in a row up to RetryMax. Defaults 1s and 10m.
	RetryFirst, RetryMax time.Duration
	// MaxAge: entries queued longer ago are dropped. Default 72h.
	MaxAge time.Duration
	// Recipient, when set, fills in each event's recipient address at
	// send time.
	Recipient RecipientFunc
	// Now is the clock (signature timestamps, MaxAge). Default clock.Now (the real clock).
	Now func() time.Time
	// Logger receives failures. Default slog.Default().
	Logger *slog.Logger

	// sleep waits d or until ctx ends (tests observe the waits through
	// it); rnd draws the jitter, in [0, 1).
	sleep func(ctx context.Context, d time.Duration) error
	rnd   func() float64
}

func (c *Config) setDefaults() {
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.RetryFirst <= 0 {
		c.RetryFirst = time.Second
	}
	if c.RetryMax < c.RetryFirst {
		c.RetryMax = max(10*time.Minute, c.RetryFirst)
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 72 * time.Hour
	}
	if c.Now == nil {
		c.Now = clock.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.sleep == nil {
		c.sleep = sleep
	}
	if c.rnd == nil {
		c.rnd = rand.Float64
	}
}

// Dispatcher delivers an Outbox's entries: one sender goroutine per
// endpoint, each with at most one request in flight.
type Dispatcher struct {
	db      Store
	out     *Outbox
	cfg     Config
	client  *http.Client
	log     *slog.Logger
	started atomic.Bool
	removed atomic.Uint64
}

// NewDispatcher returns a dispatcher of out's entries, which are in db
// (the events store, whose transactions it reads and consumes the queues
// in). Run starts it.
func NewDispatcher(db Store, out *Outbox, cfg Config) (*Dispatcher, error) {
	if db == nil || out == nil {
		return nil, errors.New("webhook: dispatcher needs a database and an outbox")
	}
	cfg.setDefaults()
	var client http.Client
	if cfg.Client != nil {
		client = *cfg.Client
	} else {
		client = http.Client{Transport: newTransport()}
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Dispatcher{db: db, out: out, cfg: cfg, client: &client, log: cfg.Logger}, nil
}

// newTransport is the default client's transport.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   2,
		ForceAttemptHTTP2:     true,
	}
}

// Run delivers until ctx ends, then returns once every request in flight
// has been abandoned; what was not acknowledged stays in the outbox for
// the next run. At start, the queues of tenants that no longer have an
// endpoint are deleted (counted in Metrics.Removed). It may be called
// once.
func (d *Dispatcher) Run(ctx context.Context) error {
	if d.started.Swap(true) {
		return errors.New("webhook: dispatcher already started")
	}
	removed, tenants, err := d.out.prepare(d.db)
	if err != nil {
		return err
	}
	if removed > 0 || len(tenants) > 0 {
		d.removed.Add(removed)
		d.log.Warn("webhook: deleted the outbox of tenants without a webhook", "tenants", tenants, "events", removed)
	}
	var wg sync.WaitGroup
	for _, r := range d.out.routes {
		wg.Go(func() { d.send(ctx, r) })
	}
	wg.Wait()
	return nil
}

// send is r's sender: it posts the head of r's queue, in order, until ctx
// ends.
func (d *Dispatcher) send(ctx context.Context, r *route) {
	log := d.log.With("tenant", r.Tenant, "endpoint", r.host)
	limit := d.cfg.BatchSize
	failures := 0
	pause := func(res result) {
		failures++
		delay := wait(res, failures, d.cfg.RetryFirst, d.cfg.RetryMax, d.cfg.rnd)
		_ = d.cfg.sleep(ctx, delay)
	}
	for ctx.Err() == nil {
		h, err := d.out.readHead(d.db, r, limit, d.cfg.Now().Add(-d.cfg.MaxAge))
		if err == nil && len(h.live) == 0 && h.to != h.from {
			err = d.consume(r, h, log) // only expired or unreadable entries
		}
		if err != nil {
			log.Error("webhook: outbox", "err", err)
			pause(result{})
			continue
		}
		if len(h.live) == 0 {
			if h.to != h.from {
				continue // more may be stale behind them
			}
			select {
			case <-r.wake:
			case <-ctx.Done():
			}
			continue
		}
		res := d.post(ctx, r, h)
		if ctx.Err() != nil {
			return // abandoned: the batch stays queued
		}
		switch res.outcome {
		case delivered:
			if err := d.consume(r, h, log); err != nil {
				// Sent again after the pause: at least once.
				log.Error("webhook: outbox", "err", err)
				pause(result{})
				continue
			}
			r.sent.Add(uint64(len(h.live)))
			failures = 0
			limit = min(limit*2, d.cfg.BatchSize)
		case tooLarge:
			if len(h.live) > 1 {
				limit = len(h.live) / 2
				log.Info("webhook: batch too large, halving it", "events", len(h.live))
				continue
			}
			if res.size <= maxEventBody {
				// A proxy or WAF refusing everything with 413 would
				// otherwise discard the whole queue at full speed.
				r.failed.Add(1)
				log.Warn("webhook: endpoint refused a single event with 413, retrying",
					"status", res.status, "attempt", failures+1, "bytes", res.size)
				pause(res)
				continue
			}
			if err := d.consume(r, h, log); err != nil {
				log.Error("webhook: outbox", "err", err)
				pause(result{})
				continue
			}
			r.rejected.Add(1)
			log.Warn("webhook: event refused as too large, dropped", "status", res.status, "bytes", res.size)
		case retry:
			r.failed.Add(1)
			args := []any{"status", res.status, "attempt", failures + 1, "events", len(h.live)}
			if res.err != nil {
				args = append(args, "err", res.err.Error())
			}
			log.Warn("webhook: delivery failed", args...)
			pause(res)
		}
	}
}

// consume removes h's span from r's queue and counts the entries it
// dropped.
func (d *Dispatcher) consume(r *route, h head, log *slog.Logger) error {
	if err := d.out.advance(d.db, r, h.from, h.to); err != nil {
		return err
	}
	if h.expired > 0 || h.corrupt > 0 {
		r.expired.Add(uint64(h.expired))
		r.rejected.Add(uint64(h.corrupt))
		log.Warn("webhook: dropped events", "expired", h.expired, "corrupt", h.corrupt)
	}
	return nil
}

// post makes one attempt at delivering h's entries.
func (d *Dispatcher) post(ctx context.Context, r *route, h head) result {
	b, err := body(h.prefix, h.live, d.cfg.Recipient)
	if err != nil {
		return result{outcome: retry, err: err}
	}
	res := d.postBody(ctx, r, b)
	res.size = len(b)
	return res
}

// postBody POSTs b to r's endpoint.
func (d *Dispatcher) postBody(ctx context.Context, r *route, b []byte) result {
	now := d.cfg.Now()
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(b))
	if err != nil {
		return result{outcome: retry, err: errors.New("bad URL")} // checked by NewOutbox; not echoed: it may hold credentials
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(SignatureHeader, Sign(r.Secret, now, b))
	r.requests.Add(1)
	resp, err := d.client.Do(req)
	if err != nil {
		// The url.Error's URL may carry credentials: keep the cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return result{outcome: retry, err: fmt.Errorf("post: %w", err)}
	}
	defer resp.Body.Close()
	// Read a little of the answer so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return classify(resp, now)
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
