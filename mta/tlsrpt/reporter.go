package tlsrpt

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"sluice/internal/clock"
	"sluice/mta/mx"
	"sluice/mta/tlspolicy"
)

// Config configures a Reporter. Zero fields take the defaults given.
type Config struct {
	// Dir holds the store (tlsrpt.db), created 0700. Required.
	Dir string
	// Organization is the report's organization-name (§4.4). Required.
	Organization string
	// Submitter is the reporting domain: TLS-Report-Submitter, the sender
	// part of the file name (§5.1, §5.3) and the right-hand side of report
	// ids. Required, a host name.
	Submitter string
	// From is the address mailto reports come from (header and envelope).
	// Default "tlsrpt@" + Submitter.
	From string
	// Contact is the report's contact-info (§4.4). Default From.
	Contact string
	// Source returns the statistics gathered since its last call:
	// [tlspolicy.Stats.Take]. Required.
	Source func() []tlspolicy.DomainStats
	// Enqueue hands a mailto report to the node's queue: from and to are
	// the envelope, msg the message (to be DKIM-signed by the caller, as
	// for any mail the node sends). Nil: mailto ruas are skipped.
	Enqueue func(ctx context.Context, from, to string, msg []byte) error
	// DNSServers are asked for `_smtp._tls` TXT records ("ip:port").
	// Default: /etc/resolv.conf's.
	DNSServers []string
	// DNSTimeout bounds one DNS exchange. Default 3 s.
	DNSTimeout time.Duration
	// RootCAs verify https receivers; nil means the system's roots.
	RootCAs *x509.CertPool
	// DialContext dials https receivers; default a net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// HTTPTimeout bounds one POST. Default 30 s.
	HTTPTimeout time.Duration
	// Interval is how often Run flushes counts to disk and looks for work:
	// at most this much of the counts is lost by a crash. Default 1 min.
	Interval time.Duration
	// MaxDelay bounds the random delay after midnight UTC before a day's
	// reports go, so that senders do not all post at 00:00. Default 1 h.
	MaxDelay time.Duration
	// RetryBase is the delay before the first retry of a failed delivery,
	// doubled at each further one. Default 15 min.
	RetryBase time.Duration
	// MaxAttempts bounds the deliveries tried per rua. Default 6.
	MaxAttempts int
	// MaxAge is how long after its end a day's counts may still wait for
	// a reporting record lookup that keeps failing. Default 72 h.
	MaxAge time.Duration
	// Now is the clock of days, delays and retries. Default clock.Now.
	Now func() time.Time
	// Rand returns a uniform integer in [0, n), n > 0: the day's delay.
	// Default math/rand/v2.Int64N.
	Rand func(n int64) int64
	// Log receives one line per report sent or given up. Default
	// slog.Default().
	Log *slog.Logger
}

// Reporter accumulates TLS statistics and sends the daily reports. Its
// methods are safe for concurrent use; one per node.
type Reporter struct {
	cfg   Config
	store *store
	http  *http.Client

	mu        sync.Mutex // serialises Flush and Tick
	lastFlush time.Time
	carry     []tlspolicy.DomainStats // taken but not yet stored
	delays    map[time.Time]time.Duration
}

// Open validates cfg, fills its defaults and opens the store.
func Open(cfg Config) (*Reporter, error) {
	switch {
	case cfg.Dir == "":
		return nil, errors.New("tlsrpt: no report directory")
	case cfg.Organization == "":
		return nil, errors.New("tlsrpt: no organization name")
	case !validDomain(cfg.Submitter):
		return nil, fmt.Errorf("tlsrpt: submitter %q is not a domain name", cfg.Submitter)
	case cfg.Source == nil:
		return nil, errors.New("tlsrpt: no statistics source")
	}
	if cfg.From == "" {
		cfg.From = "tlsrpt@" + cfg.Submitter
	}
	if _, err := MailtoAddress(&url.URL{Scheme: "mailto", Opaque: cfg.From}); err != nil {
		return nil, fmt.Errorf("tlsrpt: from address %q: not a plain address", cfg.From)
	}
	if cfg.Contact == "" {
		cfg.Contact = cfg.From
	}
	if len(cfg.DNSServers) == 0 {
		s, err := mx.SystemServers("/etc/resolv.conf")
		if err != nil {
			return nil, fmt.Errorf("tlsrpt: resolvers: %w", err)
		}
		cfg.DNSServers = s
	}
	cfg.DNSTimeout = or(cfg.DNSTimeout, 3*time.Second)
	cfg.HTTPTimeout = or(cfg.HTTPTimeout, defaultHTTPTimeout)
	cfg.Interval = or(cfg.Interval, time.Minute)
	cfg.MaxDelay = or(cfg.MaxDelay, time.Hour)
	cfg.RetryBase = or(cfg.RetryBase, 15*time.Minute)
	cfg.MaxAge = or(cfg.MaxAge, 72*time.Hour)
	cfg.MaxAttempts = or(cfg.MaxAttempts, 6)
	cfg.Now = clock.Or(cfg.Now)
	if cfg.Rand == nil {
		cfg.Rand = rand.Int64N
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	st, err := openStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	return &Reporter{cfg: cfg, store: st, http: newHTTPClient(&cfg), delays: map[time.Time]time.Duration{}}, nil
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Close flushes the counts gathered since the last flush and closes the
// store.
func (r *Reporter) Close() error {
	return errors.Join(r.Flush(), r.store.close())
}

// Run works until ctx ends: every Interval, Tick. It returns once the last
// counts are flushed. Errors are logged and retried at the next tick.
func (r *Reporter) Run(ctx context.Context) {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := r.Flush(); err != nil {
				r.cfg.Log.Error("tlsrpt: flush", "err", err)
			}
			return
		case <-t.C:
			if err := r.Tick(ctx); err != nil {
				r.cfg.Log.Warn("tlsrpt: tick", "err", err)
			}
		}
	}
}

// Tick does one round of work: flush the counts, build the reports of
// every day ended (plus its delay), deliver the reports due.
func (r *Reporter) Tick(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.cfg.Now()
	err := r.flush(now)
	return errors.Join(err, r.closeDays(ctx, now), r.sendDue(ctx, now))
}

// Flush stores the counts gathered since the last flush.
func (r *Reporter) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flush(r.cfg.Now())
}

// flush takes the source's counts and adds them to the UTC day of the
// previous flush (the start of the period they were gathered in; the
// current day on the first flush), so that a day's last minutes go to
// that day even when the flush runs after midnight. Counts that cannot be
// stored are kept for the next flush.
func (r *Reporter) flush(now time.Time) error {
	r.carry = append(r.carry, r.cfg.Source()...)
	day := utcDay(now)
	if !r.lastFlush.IsZero() {
		day = utcDay(r.lastFlush)
	}
	if err := r.store.add(day, r.carry); err != nil {
		return err
	}
	r.carry, r.lastFlush = nil, now
	return nil
}

// utcDay is the start of t's UTC day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// delay is day's random delay after its end, chosen once per process.
func (r *Reporter) delay(day time.Time) time.Duration {
	d, ok := r.delays[day]
	if !ok {
		d = time.Duration(r.cfg.Rand(int64(r.cfg.MaxDelay)))
		r.delays[day] = d
	}
	return d
}

// closeDays turns every ended day's counts into reports: per policy
// domain, its reporting record is looked up; with none, the counts are
// dropped, with one, a report is built and queued for its ruas. A failed
// lookup leaves the domain for the next tick, up to MaxAge.
func (r *Reporter) closeDays(ctx context.Context, now time.Time) error {
	days, err := r.store.days()
	if err != nil {
		return err
	}
	var errs []error
	for _, day := range days {
		end := day.Add(24 * time.Hour)
		if now.Before(end.Add(r.delay(day))) {
			continue
		}
		delete(r.delays, day)
		if now.After(end.Add(r.cfg.MaxAge)) {
			r.cfg.Log.Warn("tlsrpt: counts too old to report, dropped", "day", day.Format(dayFormat))
			errs = append(errs, r.store.dropDay(day))
			continue
		}
		by, order, err := r.store.dayEntries(day)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, domain := range order {
			if ctx.Err() != nil {
				return errors.Join(append(errs, ctx.Err())...)
			}
			p, err := r.prepare(ctx, day, domain, by[domain], now)
			if err != nil {
				r.delays[day] = 0 // retried at the next tick
				errs = append(errs, err)
				continue
			}
			errs = append(errs, r.store.closeDomain(day, domain, p))
		}
	}
	return errors.Join(errs...)
}

// prepare builds domain's report for day when the domain publishes a
// reporting record; nil when it publishes none (or an invalid one, RFC
// 8460 §3), or is no domain name. An error is a lookup to retry.
func (r *Reporter) prepare(ctx context.Context, day time.Time, domain string, entries []entry, now time.Time) (*pending, error) {
	if !validDomain(domain) {
		return nil, nil
	}
	rec, err := r.discover(ctx, domain)
	if err != nil || rec == nil {
		return nil, err
	}
	rep := buildReport(r.cfg.Organization, r.cfg.Contact, r.cfg.Submitter, day, domain, entries)
	gz, err := gzipJSON(rep)
	if err != nil {
		return nil, err
	}
	p := &pending{Day: day, Domain: domain, ReportID: rep.ReportID, Gz: gz, Next: now}
	for _, u := range rec.RUA {
		p.RUA = append(p.RUA, u.String())
	}
	return p, nil
}

// discover returns domain's reporting record (`_smtp._tls.<domain>`, RFC
// 8460 §3), nil when it has none or none valid.
func (r *Reporter) discover(ctx context.Context, domain string) (*Record, error) {
	txts, err := tlspolicy.LookupTXT(ctx, r.cfg.DNSServers, r.cfg.DNSTimeout, "_smtp._tls."+domain)
	if err != nil {
		return nil, fmt.Errorf("tlsrpt: reporting record of %s: %w", domain, err)
	}
	rec, err := ParseRecord(txts)
	if err != nil {
		if len(txts) > 0 {
			r.cfg.Log.Info("tlsrpt: no usable reporting record", "rcpt_domain", domain, "err", err)
		}
		return nil, nil
	}
	return rec, nil
}

// validDomain reports whether s is a host name that may be written in a
// header, a file name and a DNS question: LDH labels, at least two.
func validDomain(s string) bool {
	if len(s) == 0 || len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := range len(l) {
			if c := l[i]; !isAlnum(c) && c != '-' {
				return false
			}
		}
	}
	return true
}
