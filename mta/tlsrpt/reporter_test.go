package tlsrpt

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/miekg/dns"

	"sluice/mta/tlspolicy"
)

// checkReport holds a received report to the RFC 8460 §4.4 schema and to
// the traffic env.traffic made for domain: ok successes, n
// starttls-not-supported at mx1 and n certificate-expired at mx2.
func checkReport(t *testing.T, r *Report, domain string, day time.Time, ok, n uint64) {
	t.Helper()
	if r.OrganizationName != "Sluice Test" || r.ContactInfo != "postmaster@sender.test" {
		t.Errorf("organization %q contact %q", r.OrganizationName, r.ContactInfo)
	}
	if !r.DateRange.Start.Equal(day) || !r.DateRange.End.Equal(day.Add(24*time.Hour-time.Second)) {
		t.Errorf("date-range %v – %v, want the UTC day %v", r.DateRange.Start, r.DateRange.End, day)
	}
	if r.ReportID != day.Format("20060102")+"."+domain+"@mta.sender.test" {
		t.Errorf("report-id %q", r.ReportID)
	}
	if len(r.Policies) != 1 {
		t.Fatalf("%d policies, want 1: %+v", len(r.Policies), r.Policies)
	}
	p := r.Policies[0]
	want := PolicyDesc{Type: "sts", Domain: domain, MXHost: []string{"*." + domain}}
	if p.Policy.Type != want.Type || p.Policy.Domain != want.Domain || len(p.Policy.MXHost) != 1 ||
		p.Policy.MXHost[0] != want.MXHost[0] || len(p.Policy.String) == 0 || p.Policy.String[0] != "version: STSv1" {
		t.Errorf("policy %+v", p.Policy)
	}
	if p.Summary.Successful != ok || p.Summary.Failed != 2*n {
		t.Errorf("summary %+v, want %d successful, %d failed", p.Summary, ok, 2*n)
	}
	wantF := []FailureDetail{
		{ResultType: "certificate-expired", ReceivingMXHostname: "mx2." + domain, FailedSessionCount: n},
		{ResultType: "starttls-not-supported", ReceivingMXHostname: "mx1." + domain, FailedSessionCount: n,
			ReceivingIP: "192.0.2.25", SendingMTAIP: "2001:db8::7"},
	}
	if len(p.FailureDetails) != len(wantF) {
		t.Fatalf("failure-details %+v, want %+v", p.FailureDetails, wantF)
	}
	for i := range wantF {
		if p.FailureDetails[i] != wantF[i] {
			t.Errorf("failure-details[%d] = %+v, want %+v", i, p.FailureDetails[i], wantF[i])
		}
	}
}

// TestHTTPSReportAfterADay: a day of traffic to a domain publishing an
// https rua reaches it once the UTC day is over and its delay has passed,
// gzipped JSON with the day's counts; the next day's traffic is not in it.
func TestHTTPSReportAfterADay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dns.AddTXT("_smtp._tls.example.net", "v=TLSRPTv1; rua=https://example.com/tlsrpt")
	r := e.open()
	day := utcDay(e.clock.Now())

	e.traffic("example.net", 3)
	e.tick(r)
	e.clock.Advance(13*time.Hour + 59*time.Minute) // 23:59: still today
	e.traffic("example.net", 2)                    // not flushed before midnight
	e.clock.Advance(11 * time.Minute)              // 00:10 tomorrow, within the delay
	e.tick(r)                                      // flushes them into the day they were gathered in
	if got, _ := e.rv.got(); len(got) != 0 {
		t.Fatalf("report sent before the day's delay: %+v", got)
	}
	e.traffic("example.net", 100) // tomorrow's
	e.clock.Advance(e.delay)
	e.tick(r)
	got, paths := e.rv.got()
	if len(got) != 1 || paths[0] != "POST /tlsrpt" {
		t.Fatalf("got %d reports, requests %q; want one POST /tlsrpt", len(got), paths)
	}
	raw, ct := e.rv.body(0)
	if ct != "application/tlsrpt+gzip" {
		t.Errorf("Content-Type %q", ct)
	}
	checkReport(t, got[0], "example.net", day, 5, 2)
	checkSchema(t, raw)

	// The next day rolls over the same way, with only its own counts.
	e.nextDay()
	e.tick(r)
	if got, _ = e.rv.got(); len(got) != 2 {
		t.Fatalf("got %d reports after the second day, want 2", len(got))
	}
	checkReport(t, got[1], "example.net", day.Add(24*time.Hour), 100, 1)
}

// TestNoRecordNoReport: domains without a TLSRPT record, with an invalid
// one or with two, get nothing, and their counts are dropped rather than
// kept; a domain with a record among them still gets its report.
func TestNoRecordNoReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dns.AddTXT("_smtp._tls.two.test", "v=TLSRPTv1; rua=https://example.com/a")
	e.dns.AddTXT("_smtp._tls.two.test", "v=TLSRPTv1; rua=https://example.com/b")
	e.dns.AddTXT("_smtp._tls.bad.test", "v=TLSRPTv1; rua=https://u:p@example.com/c")
	e.dns.AddTXT("_smtp._tls.wants.test", "v=TLSRPTv1; rua=https://example.com/wants")
	e.dns.AddTXT("silent.test", "v=spf1 -all")
	r := e.open()
	for _, d := range []string{"silent.test", "nxdomain.test", "two.test", "bad.test", "wants.test"} {
		e.traffic(d, 1)
	}
	e.tick(r)
	e.nextDay()
	e.tick(r)
	if _, paths := e.rv.got(); len(paths) != 1 || paths[0] != "POST /wants" {
		t.Errorf("requests %q, want only POST /wants", paths)
	}
	if n := len(e.mail.got()); n != 0 {
		t.Errorf("%d messages enqueued", n)
	}
	days, err := r.store.days()
	if err != nil || len(days) != 0 {
		t.Errorf("days left in the store: %v, %v", days, err)
	}
	if ps, _ := r.store.pendings(); len(ps) != 0 {
		t.Errorf("%d reports pending", len(ps))
	}
}

// TestRestartKeepsCounts: counts flushed before a restart (Close, or a
// tick before a crash) are in the report the next process sends.
func TestRestartKeepsCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dns.AddTXT("_smtp._tls.example.net", "v=TLSRPTv1; rua=https://example.com/r")
	day := utcDay(e.clock.Now())

	r1, err := Open(e.config())
	if err != nil {
		t.Fatal(err)
	}
	e.traffic("example.net", 7)
	if err := r1.Close(); err != nil { // a clean stop flushes
		t.Fatal(err)
	}

	e.stats = &tlspolicy.Stats{} // a new process, new statistics
	r2, err := Open(e.config())
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	e.traffic("example.net", 3)
	e.tick(r2)
	r2.store.close() // a crash: no flush

	e.stats = &tlspolicy.Stats{}
	r3 := e.open()
	e.nextDay()
	e.tick(r3)
	got, _ := e.rv.got()
	if len(got) != 1 {
		t.Fatalf("%d reports, want 1", len(got))
	}
	checkReport(t, got[0], "example.net", day, 10, 2)
}

// TestRetryFailedPost: a receiver answering 503 gets the report again
// after RetryBase, not before, then twice RetryBase later; a report that
// keeps failing is given up after MaxAttempts.
func TestRetryFailedPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dns.AddTXT("_smtp._tls.example.net", "v=TLSRPTv1; rua=https://example.com/r")
	cfg := e.config()
	cfg.RetryBase, cfg.MaxAttempts = 10*time.Minute, 3
	r, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	e.traffic("example.net", 1)
	e.tick(r)
	e.nextDay()
	e.rv.status.Store(http.StatusServiceUnavailable)
	tick := func(advance time.Duration, wantRequests int) {
		t.Helper()
		e.clock.Advance(advance)
		_ = r.Tick(context.Background())
		if _, paths := e.rv.got(); len(paths) != wantRequests {
			t.Fatalf("after +%v: %d requests, want %d", advance, len(paths), wantRequests)
		}
	}
	tick(0, 1)              // first attempt fails
	tick(9*time.Minute, 1)  // before RetryBase: nothing
	tick(time.Minute, 2)    // second attempt fails
	tick(19*time.Minute, 2) // before 2×RetryBase: nothing
	e.rv.status.Store(0)    // the receiver recovers
	tick(time.Minute, 3)    // third attempt delivers
	tick(24*time.Hour, 3)   // and nothing more is sent
	if got, _ := e.rv.got(); len(got) != 1 {
		t.Fatalf("%d reports received", len(got))
	}

	// Another day, a receiver that never recovers: three attempts, then
	// the report is dropped.
	e.rv.status.Store(http.StatusInternalServerError)
	e.traffic("example.net", 1)
	e.tick(r)
	e.nextDay()
	for _, d := range []time.Duration{0, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 24 * time.Hour} {
		e.clock.Advance(d)
		_ = r.Tick(context.Background())
	}
	if _, paths := e.rv.got(); len(paths) != 6 {
		t.Errorf("%d requests, want 3 + 3", len(paths))
	}
	if ps, _ := r.store.pendings(); len(ps) != 0 {
		t.Errorf("%d reports still pending after MaxAttempts", len(ps))
	}
}

// TestLookupFailureRetried: a SERVFAIL on the reporting record keeps the
// day's counts; once the record resolves, the report goes.
func TestLookupFailureRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dns.AddTXT("_smtp._tls.example.net", "v=TLSRPTv1; rua=https://example.com/r")
	e.dns.SetRcode("_smtp._tls.example.net", dns.RcodeServerFailure)
	r := e.open()
	day := utcDay(e.clock.Now())
	e.traffic("example.net", 2)
	e.tick(r)
	e.nextDay()
	if err := r.Tick(context.Background()); err == nil {
		t.Error("tick with a failing lookup reported no error")
	}
	if got, _ := e.rv.got(); len(got) != 0 {
		t.Fatal("report sent without a record")
	}
	e.dns.SetRcode("_smtp._tls.example.net", dns.RcodeSuccess)
	e.clock.Advance(time.Minute)
	e.tick(r)
	got, _ := e.rv.got()
	if len(got) != 1 {
		t.Fatalf("%d reports after the lookup recovered", len(got))
	}
	checkReport(t, got[0], "example.net", day, 2, 1)
}

// TestRun: Run ticks on its own every Interval, sends the report of the
// day that ended, and on cancellation flushes what was gathered since its
// last tick before returning.
func TestRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dns.AddTXT("_smtp._tls.example.net", "v=TLSRPTv1; rua=https://example.com/r")
	cfg := e.config()
	cfg.Interval = 5 * time.Millisecond
	r, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	e.traffic("example.net", 1)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	e.nextDay()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	select {
	case <-e.rv.posted:
	case <-time.After(10 * time.Second):
		t.Fatal("Run sent no report")
	}
	e.traffic("other.test", 1)
	cancel()
	<-done
	days, err := r.store.days()
	if err != nil || len(days) != 1 || !days[0].Equal(utcDay(e.clock.Now())) {
		t.Fatalf("after Run: days %v, %v; want today's counts flushed", days, err)
	}
}
