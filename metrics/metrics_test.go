package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sluice/internal/clock"
	"sluice/internal/event"
	"sluice/mta/guard"
	"sluice/queue"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// scrape serves m's registry over real HTTP, as the admin listener does,
// and returns the exposition text.
func scrape(t *testing.T, m *Set) string {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(m.Registry(), promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s: %s", resp.Status, body)
	}
	return string(body)
}

// wantLines fails unless every line is in the exposition text.
func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		have[l] = true
	}
	for _, l := range lines {
		if !have[l] {
			t.Errorf("scrape lacks %q", l)
		}
	}
}

type fakeSpool struct{ st queue.Stats }

func (f fakeSpool) Counts() (q, i, d, dl, fl int64) {
	return f.st.Queued, f.st.InFlight, f.st.Deferred, f.st.Delivered, f.st.Failed
}
func (f fakeSpool) Stats() queue.Stats { return f.st }
func (f fakeSpool) SegmentStats() queue.SegmentStats {
	return queue.SegmentStats{Files: 2, Bytes: 128 << 20, Live: 3 << 20, Count: 30}
}

type fakeEdge map[string]uint64

func (f fakeEdge) EachCount(fn func(string, uint64)) {
	for k, v := range f {
		fn(k, v)
	}
}

type fakeEvents events.Metrics

func (f fakeEvents) Metrics() events.Metrics { return events.Metrics(f) }

type fakeWebhooks webhook.Metrics

func (f fakeWebhooks) Metrics() webhook.Metrics { return webhook.Metrics(f) }

type fakeListener guard.Stats

func (f fakeListener) Stats() guard.Stats { return guard.Stats(f) }

// TestCollectorsScrape: each collector reads its source at scrape time
// and exposes it under the documented names the dashboard and alert
// rules use, ages from the injected clock.
func TestCollectorsScrape(t *testing.T) {
	t.Parallel()
	now := clock.Now()
	at := func() time.Time { return now }
	m := New()
	m.RegisterQueue(fakeSpool{queue.Stats{Queued: 3, InFlight: 2, Deferred: 1, Messages: 4, Oldest: now.Add(-90 * time.Second)}},
		func() int64 { return 5 }, at)
	m.RegisterSpoolFS(t.TempDir())
	m.RegisterJournal(func() int64 { return 7 }, func() uint64 { return 2 })
	m.RegisterEdge(fakeEdge{"open": 6, "click_machine": 1})
	m.RegisterEvents(fakeEvents{Recorded: 10, Dropped: 1, Written: 8, Queued: 2})
	m.RegisterWebhooks(fakeWebhooks{Removed: 4, Endpoints: []webhook.EndpointMetrics{
		{Tenant: "acme", Sent: 9, Requests: 3, Failed: 1, Expired: 2, Rejected: 1, Pending: 5, Oldest: now.Add(-time.Minute)},
		{Tenant: "idle"},
	}}, at)
	g := m.Guards()
	g.RegisterListener("submission", fakeListener{Conns: 4, PreAuth: 1})
	text := scrape(t, m)
	wantLines(t, text,
		`sluice_queue_recipients{state="queued"} 3`,
		`sluice_queue_recipients{state="in_flight"} 2`,
		`sluice_queue_recipients{state="deferred"} 1`,
		`sluice_queue_messages 4`,
		`sluice_queue_oldest_message_age_seconds 90`,
		`sluice_delivery_in_flight_recipients 5`,
		`sluice_spool_segment_files 2`,
		`sluice_spool_segment_bytes 1.34217728e+08`,
		`sluice_spool_segment_live_bytes 3.145728e+06`,
		`sluice_spool_segment_bodies 30`,
		`sluice_events_journal_depth 7`,
		`sluice_events_journal_failures_total 2`,
		`sluice_tracking_requests_total{kind="open"} 6`,
		`sluice_tracking_requests_total{kind="click_machine"} 1`,
		`sluice_events_recorded_total 10`,
		`sluice_events_dropped_total 1`,
		`sluice_events_written_total 8`,
		`sluice_events_queued 2`,
		`sluice_webhook_events_removed_total 4`,
		`sluice_webhook_events_sent_total{tenant="acme"} 9`,
		`sluice_webhook_requests_total{tenant="acme"} 3`,
		`sluice_webhook_failed_requests_total{tenant="acme"} 1`,
		`sluice_webhook_events_dropped_total{reason="expired",tenant="acme"} 2`,
		`sluice_webhook_events_dropped_total{reason="rejected",tenant="acme"} 1`,
		`sluice_webhook_outbox_events{tenant="acme"} 5`,
		`sluice_webhook_outbox_oldest_age_seconds{tenant="acme"} 60`,
		`sluice_webhook_outbox_oldest_age_seconds{tenant="idle"} 0`,
		`sluice_smtp_connections_open{listener="submission"} 4`,
		`sluice_smtp_connections_preauth{listener="submission"} 1`,
	)
	for _, name := range []string{"sluice_spool_filesystem_free_bytes ", "sluice_spool_filesystem_size_bytes ", "go_goroutines ", "process_"} {
		if !strings.Contains(text, "\n"+name) {
			t.Errorf("scrape lacks %s", name)
		}
	}
}

// TestSpoolFSMissingDir: a data_dir that cannot be read gives no sample
// rather than a wrong one, and the scrape still succeeds.
func TestSpoolFSMissingDir(t *testing.T) {
	t.Parallel()
	m := New()
	dir := t.TempDir() + "/gone"
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	m.RegisterSpoolFS(dir)
	if text := scrape(t, m); strings.Contains(text, "\nsluice_spool_filesystem_free_bytes ") {
		t.Error("a sample for a missing directory")
	}
}

// TestHooksCount: the hooks handed to components count under the
// documented names and labels.
func TestHooksCount(t *testing.T) {
	t.Parallel()
	m := New()
	sub := m.SubmitHooks()
	sub.SessionOpened()
	sub.Accepted("acme", 1000, 3)
	sub.Rejected("sender_domain")
	sub.Unsigned("acme")
	m.ObserveCommit(2*time.Millisecond, 5, nil)
	m.ObserveCommit(0, 0, errors.New("disk"))
	m.ConnOpened()
	m.ConnOpened()
	m.ConnClosed()
	m.ConnDropped("slow")
	m.Return("sync", "hard_invalid_recipient")
	m.ShapingTransition("gmail", "backoff")
	g := m.Guards()
	g.Listener("inbound").Refused("per_addr")
	g.Listener("submission").Accepted()
	g.Listener("submission").PreAuthCut("timeout")
	th := g.Throttle()
	th.Failed()
	th.Lockout("pair")
	th.Refused("locked")
	th.Delayed(2 * time.Second)
	sub.Latency(3 * time.Millisecond)
	text := scrape(t, m)
	if !regexp.MustCompile(`(?m)^sluice_build_info\{goversion="go[0-9.]+",revision="[^"]+",version="[^"]+"\} 1$`).MatchString(text) {
		t.Errorf("no sluice_build_info line in\n%s", text)
	}
	wantLines(t, text,
		`sluice_submission_sessions 1`,
		`sluice_submission_latency_seconds_bucket{le="0.005"} 1`,
		`sluice_submission_latency_seconds_count 1`,
		`sluice_submission_messages_total{tenant="acme"} 1`,
		`sluice_submission_recipients_total{tenant="acme"} 3`,
		`sluice_submission_bytes_total{tenant="acme"} 1000`,
		`sluice_submission_rejections_total{reason="sender_domain"} 1`,
		`sluice_dkim_unsigned_messages_total{tenant="acme"} 1`,
		`sluice_queue_commit_seconds_count 1`,
		`sluice_queue_commit_writes_sum 5`,
		`sluice_queue_commit_errors_total 1`,
		`sluice_delivery_connections 1`,
		`sluice_delivery_connections_dropped_total{reason="slow"} 1`,
		`sluice_returns_total{class="hard_invalid_recipient",path="sync"} 1`,
		`sluice_shaping_transitions_total{rule="gmail",to="backoff"} 1`,
		`sluice_smtp_connections_refused_total{listener="inbound",reason="per_addr"} 1`,
		`sluice_smtp_connections_accepted_total{listener="submission"} 1`,
		`sluice_smtp_preauth_cut_total{listener="submission",reason="timeout"} 1`,
		`sluice_submission_auth_failures_total 1`,
		`sluice_submission_auth_lockouts_total{scope="pair"} 1`,
		`sluice_submission_auth_refused_total{reason="locked"} 1`,
		`sluice_submission_auth_delay_seconds_sum 2`,
	)
}

// TestDeliveryMetricNamesEveryOutcome: the help text of
// sluice_delivery_recipients_total lists every delivery outcome (it once
// missed suppressed), each outcome is counted under its own result label,
// and only deliveries are observed as latency.
func TestDeliveryMetricNamesEveryOutcome(t *testing.T) {
	t.Parallel()
	m := New()
	for _, k := range event.Outcomes() {
		m.Outcome(k, 3*time.Second)
	}
	text := scrape(t, m)
	var help string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "# HELP sluice_delivery_recipients_total ") {
			help = l
		}
	}
	for _, k := range event.Outcomes() {
		if !strings.Contains(help, string(k)) {
			t.Errorf("help %q does not name %s", help, k)
		}
		wantLines(t, text, `sluice_delivery_recipients_total{result="`+string(k)+`"} 1`)
	}
	wantLines(t, text, `sluice_delivery_latency_seconds_count 1`, `sluice_delivery_latency_seconds_sum 3`)
}
