package tlspolicy

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// errNoSTS: the domain publishes no `_mta-sts` record.
var errNoSTS = errors.New("tlspolicy: no MTA-STS record")

// stsPolicy returns domain's MTA-STS policy, nil when none applies (no
// record, mode none, nothing usable fetched and nothing cached). RFC 8461
// §5.1: a cached, unexpired policy is used as long as the TXT id is
// unchanged; a changed id, or expiry near, fetches again; a failed fetch
// or TXT lookup keeps the cached policy until it expires.
func (r *Resolver) stsPolicy(ctx context.Context, domain string) *Policy {
	if _, ok := dns.IsDomainName(domain); !ok || !validPattern(domain) {
		return nil
	}
	defer r.lockDomain(domain).Unlock()

	now := r.cfg.Now()
	c := r.cached(domain)
	if c != nil && !now.Before(c.Expires) {
		c = nil
	}
	id, txtErr := r.lookupTXT(ctx, domain, now)
	var problem ResultType
	switch {
	case txtErr != nil:
		// No record or no answer: a cached policy stays in force (§5.1).
	case c != nil && c.ID == id && now.Before(c.Expires.Add(-refreshMargin(c))):
		// Fresh and unchanged.
	default:
		fresh, res := r.refresh(ctx, domain, id, now)
		if fresh != nil {
			c = fresh
		} else {
			problem = res
			r.cfg.Stats.resolveFailure(r.policy(domain, ModeMTASTS, SourceMTASTS), "", res)
		}
	}
	if c == nil || c.Policy.Mode == STSNone {
		return nil
	}
	p := r.policy(domain, ModeMTASTS, SourceMTASTS)
	pol := c.Policy
	p.STS = &pol
	p.Testing = pol.Mode == STSTesting
	p.Problem = problem
	return p
}

// refresh fetches, parses, caches and persists domain's policy; on
// failure it returns the TLS-RPT result type.
func (r *Resolver) refresh(ctx context.Context, domain, id string, now time.Time) (*cachedSTS, ResultType) {
	body, err := r.fetch(ctx, domain)
	if err != nil {
		return nil, ResultSTSPolicyFetchError
	}
	pol, err := ParsePolicy(body)
	if err != nil {
		return nil, ResultSTSPolicyInvalid
	}
	c := &cachedSTS{Domain: domain, ID: id, Policy: *pol, Fetched: now,
		Expires: now.Add(time.Duration(pol.MaxAge) * time.Second)}
	r.mu.Lock()
	r.sts[domain] = c
	r.mu.Unlock()
	// A policy that cannot be persisted is still used; the next restart
	// fetches it again.
	_ = r.saveDisk(c)
	return c, ""
}

// refreshMargin is how long before expiry a policy is fetched again even
// if its id is unchanged: a quarter of its max_age, at most a day.
func refreshMargin(c *cachedSTS) time.Duration {
	return min(c.Expires.Sub(c.Fetched)/4, 24*time.Hour)
}

// cached returns domain's policy from memory, or from Dir the first time.
func (r *Resolver) cached(domain string) *cachedSTS {
	r.mu.Lock()
	c, ok := r.sts[domain]
	r.mu.Unlock()
	if ok {
		return c
	}
	c = r.loadDisk(domain)
	r.mu.Lock()
	defer r.mu.Unlock()
	// A refresh stored a policy meanwhile: it is newer than the disk's.
	if fresh, ok := r.sts[domain]; ok {
		return fresh
	}
	r.sts[domain] = c
	return c
}

// callerCut reports whether a lookup may have failed because of the
// caller's context rather than the DNS: cancelled, or past its deadline
// (the exchange is cut at the deadline before ctx's own timer fires, so
// ctx.Err can still be nil). Such a failure is not the domain's, and is
// not cached.
func callerCut(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl.Add(-10*time.Millisecond))
}

// txtFailTTL is how long a failed `_mta-sts` lookup is reused.
const txtFailTTL = time.Minute

// lookupTXT returns the id of domain's `_mta-sts` record (§3.1), reusing an
// answer for TXTCacheTTL. A failed lookup (timeout, SERVFAIL, refused) is
// reused for txtFailTTL: otherwise a domain whose DNS is broken costs a
// query — and, under the domain's lock, up to DNSTimeout of every worker's
// time — per message (RFC 2308 §7.1 allows caching a server failure for up
// to 5 minutes). A cached policy stays in force meanwhile (RFC 8461 §5.1).
func (r *Resolver) lookupTXT(ctx context.Context, domain string, now time.Time) (string, error) {
	r.mu.Lock()
	e, ok := r.txt[domain]
	r.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.id, e.err
	}
	a, err := query(ctx, r.cfg.Servers, r.cfg.DNSTimeout, "_mta-sts."+domain, dns.TypeTXT)
	if err != nil {
		if !callerCut(ctx) {
			r.mu.Lock()
			r.txt[domain] = txtEntry{err: err, expires: now.Add(min(txtFailTTL, r.cfg.TXTCacheTTL))}
			r.maybePruneLocked(now)
			r.mu.Unlock()
		}
		return "", err
	}
	var txts []string
	for _, rr := range a.records {
		if t, ok := rr.(*dns.TXT); ok {
			txts = append(txts, joinTXT(t.Txt))
		}
	}
	e = txtEntry{expires: now.Add(r.cfg.TXTCacheTTL)}
	if len(txts) == 0 {
		e.err = errNoSTS
	} else {
		e.id, e.err = ParseTXT(txts)
	}
	r.mu.Lock()
	r.txt[domain] = e
	r.maybePruneLocked(now)
	r.mu.Unlock()
	return e.id, e.err
}

// joinTXT joins a record's character-strings, unescaping miekg/dns's
// presentation format.
func joinTXT(parts []string) string {
	var b []byte
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if c != '\\' || i+1 >= len(p) {
				b = append(b, c)
				continue
			}
			if i+3 < len(p) && isDigit(p[i+1]) && isDigit(p[i+2]) && isDigit(p[i+3]) {
				b = append(b, (p[i+1]-'0')*100+(p[i+2]-'0')*10+(p[i+3]-'0'))
				i += 3
				continue
			}
			b = append(b, p[i+1])
			i++
		}
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lockDomain takes domain's refresh lock (one refresh per domain at a
// time) and returns it locked. A lock pruned from the map while this
// caller waited for it (maybePruneLocked deletes only locks it could
// take, but a waiter may already hold the pointer) is let go and the
// domain's current one taken instead, so that two callers never refresh
// one domain at once.
func (r *Resolver) lockDomain(domain string) *sync.Mutex {
	for {
		r.mu.Lock()
		l, ok := r.locks[domain]
		if !ok {
			l = &sync.Mutex{}
			r.locks[domain] = l
		}
		r.mu.Unlock()
		if r.lockWait != nil {
			r.lockWait()
		}
		l.Lock()
		r.mu.Lock()
		current := r.locks[domain] == l
		r.mu.Unlock()
		if current {
			return l
		}
		l.Unlock()
	}
}
