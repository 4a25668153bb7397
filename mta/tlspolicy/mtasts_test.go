package tlspolicy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"sluice/mta/outbound"
)

// MTA-STS enforce with a valid certificate for the MX name: delivered
// over TLS, verified, counted as a success for the policy domain.
func TestSTSEnforceValidCertDelivers(t *testing.T) {
	t.Parallel()
	e := newSTSEnv(t, "enforce")
	cert := e.ca.issue(t, 24*time.Hour, "mx1.example.test")
	s := startSink(t, &cert)
	p, c, err := deliver(t, e.resolver(t), e.stats, "example.test", "mx1.example.test", s.addr)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if p.Source != SourceMTASTS || p.Name() != "mta-sts enforce" {
		t.Errorf("policy %s from %s, want mta-sts enforce", p.Name(), p.Source)
	}
	if !c.TLSVerified() {
		t.Error("session not reported verified")
	}
	if got := s.received(); len(got) != 1 || !got[0] {
		t.Errorf("sink got %v, want one message over TLS", got)
	}
	if n := e.stats.Counts()[CountKey{SourceMTASTS, ModeMTASTS, ResultSuccess}]; n != 1 {
		t.Errorf("success count %d, want 1", n)
	}
}

// The enforce failures: each defers (temporary error), delivers nothing,
// and is counted with its TLS-RPT result type.
func TestSTSEnforceFailuresDefer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sink   func(e *stsEnv) *sink
		host   string
		want   ResultType
		reason string
	}{
		{"no STARTTLS", func(*stsEnv) *sink { return startSink(t, nil) },
			"mx1.example.test", ResultSTARTTLSNotSupported, "mta-sts enforce: STARTTLS not offered by mx1.example.test"},
		{"wrong name", func(e *stsEnv) *sink {
			c := e.ca.issue(t, 24*time.Hour, "other.example.test")
			return startSink(t, &c)
		}, "mx1.example.test", ResultHostMismatch, "mta-sts enforce: certificate name mismatch for mx1.example.test"},
		{"expired", func(e *stsEnv) *sink {
			c := e.ca.issue(t, -time.Minute, "mx1.example.test")
			return startSink(t, &c)
		}, "mx1.example.test", ResultCertExpired, "mta-sts enforce: certificate expired for mx1.example.test"},
		{"untrusted", func(e *stsEnv) *sink {
			c := newCA(t, e.clock.Now()).issue(t, 24*time.Hour, "mx1.example.test")
			return startSink(t, &c)
		}, "mx1.example.test", ResultCertNotTrusted, "mta-sts enforce: certificate not trusted for mx1.example.test"},
		{"wildcard matches one label", func(e *stsEnv) *sink {
			c := e.ca.issue(t, 24*time.Hour, "a.b.mx.example.test")
			return startSink(t, &c)
		}, "a.b.mx.example.test", ResultValidationFailure, "mta-sts enforce: MX host a.b.mx.example.test not in the policy's mx patterns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSTSEnv(t, "enforce")
			s := tt.sink(e)
			_, _, err := deliver(t, e.resolver(t), e.stats, "example.test", tt.host, s.addr)
			if err == nil {
				t.Fatal("delivered, want deferred")
			}
			if outbound.IsPermanent(err) {
				t.Errorf("error %v is permanent, want temporary", err)
			}
			if got := Classify(err); got != tt.want {
				t.Errorf("result %s, want %s (err %v)", got, tt.want, err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not say %q", err, tt.reason)
			}
			if got := s.received(); len(got) != 0 {
				t.Errorf("sink got %d messages, want none", len(got))
			}
		})
	}
}

// Testing mode: the same failures deliver, and are reported.
func TestSTSTestingDeliversAndReports(t *testing.T) {
	t.Parallel()
	e := newSTSEnv(t, "testing")
	cert := e.ca.issue(t, 24*time.Hour, "other.example.test")
	s := startSink(t, &cert)
	p, c, err := deliver(t, e.resolver(t), e.stats, "example.test", "mx1.example.test", s.addr)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if !p.Testing || p.Enforced() {
		t.Errorf("policy %s: testing %v enforced %v", p.Name(), p.Testing, p.Enforced())
	}
	if Classify(c.TLSPolicyErr()) != ResultHostMismatch {
		t.Errorf("TLSPolicyErr = %v, want a name mismatch", c.TLSPolicyErr())
	}
	if got := s.received(); len(got) != 1 || !got[0] {
		t.Errorf("sink got %v, want one message over TLS", got)
	}
	rep := e.stats.Take()
	if len(rep) != 1 || rep[0].PolicyType != "sts" || rep[0].Domain != "example.test" ||
		rep[0].Failures[FailureKey{ResultHostMismatch, "mx1.example.test", loopback, loopback}] != 1 {
		t.Errorf("report data %+v, want one host mismatch for example.test from and to 127.0.0.1", rep)
	}
	// And without STARTTLS at all: delivered in clear, reported.
	plain := startSink(t, nil)
	_, c, err = deliver(t, e.resolver(t), e.stats, "example.test", "mx1.example.test", plain.addr)
	if err != nil || Classify(c.TLSPolicyErr()) != ResultSTARTTLSNotSupported {
		t.Errorf("deliver in clear: err %v, policy err %v", err, c.TLSPolicyErr())
	}
}

// Under enforce, an MX outside the policy's patterns is refused before
// dialling; "*.mx.example.test" matches exactly one label.
func TestSTSAllowsMX(t *testing.T) {
	t.Parallel()
	e := newSTSEnv(t, "enforce")
	p := e.resolver(t).Domain(context.Background(), "EXAMPLE.test.")
	for host, want := range map[string]bool{
		"mx1.example.test": true, "MX1.Example.Test.": true, "a.mx.example.test": true,
		"a.b.mx.example.test": false, "mx.example.test": false, "mx2.example.test": false,
	} {
		if got := p.AllowsMX(host); got != want {
			t.Errorf("AllowsMX(%q) = %v, want %v", host, got, want)
		}
	}
}

// A fetched policy survives a restart (a new Resolver over the same
// directory) and is enforced while the policy server is down (§5.1).
func TestSTSPersistedAndEnforcedWhenServerDown(t *testing.T) {
	t.Parallel()
	e := newSTSEnv(t, "enforce")
	if p := e.resolver(t).Domain(context.Background(), "example.test"); p.Mode != ModeMTASTS {
		t.Fatalf("first resolver: %s, want mta-sts", p.Mode)
	}
	files, _ := filepath.Glob(filepath.Join(e.cfg.Dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("persisted files %v, want one", files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("policy file mode %v (%v), want 0600", fi.Mode(), err)
	}
	e.ps.srv.Close()
	e.clock.Advance(time.Hour) // past the TXT cache: the TXT is asked again

	r2 := e.resolver(t) // the restart
	plain := startSink(t, nil)
	p, _, err := deliver(t, r2, e.stats, "example.test", "mx1.example.test", plain.addr)
	if !errors.Is(err, outbound.ErrTLSRequired) {
		t.Fatalf("deliver after restart with server down: %v, want deferred for no STARTTLS", err)
	}
	if p.Source != SourceMTASTS || p.Testing {
		t.Errorf("policy after restart %s from %s", p.Name(), p.Source)
	}
	if len(plain.received()) != 0 {
		t.Error("delivered in clear after restart")
	}
	// Once it expires and cannot be refetched, there is no policy.
	e.clock.Advance(24 * time.Hour)
	if p := r2.Domain(context.Background(), "example.test"); p.Mode != ModeOpportunistic {
		t.Errorf("after expiry: %s, want opportunistic", p.Mode)
	}
	if n := e.stats.Counts()[CountKey{SourceMTASTS, ModeMTASTS, ResultSTSPolicyFetchError}]; n == 0 {
		t.Error("fetch errors not counted")
	}
}

// The policy is fetched once, reused while fresh, and fetched again in the
// last quarter of its max_age.
func TestSTSRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	e := newSTSEnv(t, "enforce")
	r := e.resolver(t)
	ctx := context.Background()
	r.Domain(ctx, "example.test")
	e.clock.Advance(10 * time.Hour)
	r.Domain(ctx, "example.test")
	if n := e.ps.fetches.Load(); n != 1 {
		t.Fatalf("fetches %d, want 1 while fresh", n)
	}
	e.clock.Advance(9 * time.Hour) // 19 h of 24: within the refresh margin
	r.Domain(ctx, "example.test")
	if n := e.ps.fetches.Load(); n != 2 {
		t.Fatalf("fetches %d, want 2 near expiry", n)
	}
}

// RFC 8461 §3.3's fetch rules: only a 200 text/plain body of at most
// 64 KiB from a WebPKI-valid server counts; anything else is no policy,
// reported with its result type.
func TestSTSFetchRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		edit func(e *stsEnv)
		want ResultType
	}{
		{"redirect not followed", "", func(e *stsEnv) { e.ps.srv.Config.Handler = redirect() }, ResultSTSPolicyFetchError},
		{"html", "", func(e *stsEnv) { e.ps.srv.Config.Handler = contentType("text/html") }, ResultSTSPolicyFetchError},
		{"too large", "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 60\n" + strings.Repeat("#: x\n", 14000), nil, ResultSTSPolicyFetchError},
		{"untrusted server", "", func(e *stsEnv) { e.cfg.RootCAs = newCA(t, e.clock.Now()).pool }, ResultSTSPolicyFetchError},
		{"invalid policy", "version: STSv1\nmode: enforce\nmax_age: 60\n", nil, ResultSTSPolicyInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSTSEnv(t, "enforce")
			if tt.body != "" {
				e.ps.body.Store(tt.body)
			}
			if tt.edit != nil {
				tt.edit(e)
			}
			p := e.resolver(t).Domain(context.Background(), "example.test")
			if p.Mode != ModeOpportunistic {
				t.Errorf("policy %s, want none (opportunistic)", p.Name())
			}
			if n := e.stats.Counts()[CountKey{SourceMTASTS, ModeMTASTS, tt.want}]; n != 1 {
				t.Errorf("counts %v, want one %s", e.stats.Counts(), tt.want)
			}
		})
	}
}

// A failed `_mta-sts` lookup is asked again only after a minute, not for
// every message: a domain with broken DNS must not cost a query (and,
// under the domain's lock, up to DNSTimeout of every worker) per message.
// A policy cached before the failure stays in force meanwhile.
func TestSTSLookupFailureCachedBriefly(t *testing.T) {
	t.Parallel()
	e := newSTSEnv(t, "enforce")
	r := e.resolver(t)
	ctx := context.Background()
	if p := r.Domain(ctx, "example.test"); p.Mode != ModeMTASTS {
		t.Fatalf("before the failure: %s, want mta-sts", p.Mode)
	}
	e.dns.SetRcode("_mta-sts.example.test", dns.RcodeServerFailure)
	e.clock.Advance(time.Hour) // past the TXT cache
	asked := func() int { return e.dns.Queries("_mta-sts.example.test", dns.TypeTXT) }
	before := asked()
	for i := 0; i < 50; i++ {
		if p := r.Domain(ctx, "example.test"); p.Mode != ModeMTASTS || p.Testing {
			t.Fatalf("lookup %d while the TXT fails: %s, want the cached enforce policy", i, p.Name())
		}
	}
	if n := asked() - before; n != 1 {
		t.Fatalf("50 policies during a SERVFAIL asked the TXT %d times, want 1", n)
	}
	e.clock.Advance(txtFailTTL + time.Second)
	r.Domain(ctx, "example.test")
	if n := asked() - before; n != 2 {
		t.Fatalf("after the failure's minute: %d queries in all, want 2", n)
	}
	e.dns.SetRcode("_mta-sts.example.test", dns.RcodeSuccess)
	e.clock.Advance(txtFailTTL + time.Second)
	if p := r.Domain(ctx, "example.test"); p.Mode != ModeMTASTS {
		t.Fatalf("after recovery: %s, want mta-sts", p.Mode)
	}
	if n := asked() - before; n != 3 {
		t.Fatalf("after recovery: %d queries in all, want 3", n)
	}
}

// A lookup cut by the caller's deadline or cancellation is not the
// domain's failure: it is not cached, and the next caller asks again.
func TestSTSLookupCutByCallerNotCached(t *testing.T) {
	t.Parallel()
	e := newSTSEnv(t, "enforce")
	e.cfg.DNSTimeout = 3 * time.Second
	r := e.resolver(t)
	release := e.dns.Hold("_mta-sts.example.test")
	asked := func() int { return e.dns.Queries("_mta-sts.example.test", dns.TypeTXT) }
	// A deadline that has passed while ctx's own timer has not fired yet
	// (Err still nil): the window in which the exchange is cut first.
	if p := r.Domain(expiredCtx{context.Background()}, "example.test"); p.Mode != ModeOpportunistic {
		t.Fatalf("cut lookup: %s, want opportunistic (no policy known)", p.Mode)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	r.Domain(ctx2, "example.test")
	release()
	before := asked()
	if p := r.Domain(context.Background(), "example.test"); p.Mode != ModeMTASTS {
		t.Fatalf("after the cut lookups: %s, want mta-sts (asked again, not a cached failure)", p.Mode)
	}
	if asked() == before {
		t.Fatal("the TXT was not asked again after lookups the caller cut")
	}
}

// expiredCtx has a deadline in the past but reports no error yet.
type expiredCtx struct{ context.Context }

func (expiredCtx) Deadline() (time.Time, bool) { return time.Now().Add(-time.Second), true }

// The per-domain caches do not grow for ever: once their TXT answers
// expire, domains mailed once are forgotten (a bulk sender's long tail of
// domains), while a policy still in force is kept.
func TestResolverForgetsDomainsNoLongerMailed(t *testing.T) {
	t.Parallel()
	e := newSTSEnv(t, "enforce")
	r := e.resolver(t)
	ctx := context.Background()
	if p := r.Domain(ctx, "example.test"); p.Mode != ModeMTASTS {
		t.Fatalf("example.test: %s, want mta-sts", p.Mode)
	}
	const n = 5000
	for i := range n {
		r.Domain(ctx, fmt.Sprintf("d%d.first.test", i))
	}
	e.clock.Advance(time.Hour) // every TXT answer expired
	for i := range n {
		r.Domain(ctx, fmt.Sprintf("d%d.second.test", i))
	}
	r.mu.Lock()
	txt, sts, locks := len(r.txt), len(r.sts), len(r.locks)
	_, kept := r.sts["example.test"]
	r.mu.Unlock()
	t.Logf("after %d + %d domains: txt %d, sts %d, locks %d", n, n, txt, sts, locks)
	for name, got := range map[string]int{"txt": txt, "sts": sts, "locks": locks} {
		if got > n+1 {
			t.Errorf("%s holds %d domains after %d new ones (the first %d expired): not pruned", name, got, n, n)
		}
	}
	if !kept {
		t.Error("example.test's policy (in force for a day) was forgotten")
	}
	if p := r.Domain(ctx, "example.test"); p.Mode != ModeMTASTS || p.Testing {
		t.Fatalf("example.test after pruning: %s, want its enforce policy", p.Name())
	}
}

// A refresh lock pruned while a caller was about to take it is not the one
// the caller ends up holding: the caller takes the domain's current lock,
// so two refreshes of one domain never run at once (review of dfd43f5).
func TestLockDomainSurvivesPruning(t *testing.T) {
	e := newSTSEnv(t, "enforce")
	r := e.resolver(t)
	pruned := false
	r.lockWait = func() {
		if pruned {
			return
		}
		pruned = true
		r.mu.Lock()
		delete(r.locks, "example.test") // as maybePruneLocked does
		r.mu.Unlock()
	}
	l := r.lockDomain("example.test")
	defer l.Unlock()
	r.mu.Lock()
	current := r.locks["example.test"]
	r.mu.Unlock()
	if l != current {
		t.Fatal("lockDomain returned a lock pruned from the map: another caller would take a second one")
	}
}
