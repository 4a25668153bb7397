package accounting

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/internal/logging"
	"sluice/tracking/events"
)

// Every logged event gives one line, with the receiver's answer; opens
// and clicks are left out by default.
func TestOneLinePerEvent(t *testing.T) {
	t.Parallel()
	r := newRig(t, Options{})
	r.record(events.KindDelivered, 3)
	r.record(events.KindOpen, 2) // not logged by default
	r.record(events.KindFailed, 2)
	r.waitLines(5)
	lines := readAll(t, r.dir)
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5", len(lines))
	}
	f := lines[3]
	if f.Type != "failed" || f.Code != 550 || f.Enhanced != "5.1.1" || f.MX != "mx.example.net" || f.Attempt != 2 ||
		f.Class != "hard_invalid_recipient" || f.Reason != "user_unknown" || f.Reply != "no such user" || f.Tenant != "acme" {
		t.Errorf("failed line = %+v", f)
	}
	if lines[0].Type != "delivered" || lines[0].Time == "" || lines[0].MsgID != msgID(1) {
		t.Errorf("delivered line = %+v", lines[0])
	}
}

// The recipient appears as log.recipients says, never in clear by
// default.
func TestRecipientRedaction(t *testing.T) {
	t.Parallel()
	lookup := func(tenant string, msg uint64, rcpt uint32) string { return "Alice@Example.NET" }
	hash := func(tenant, addr string) string { return "hmac:" + tenant }
	for _, tc := range []struct {
		name              string
		mode              logging.Mode
		hash              logging.Hasher
		rcpt, hsh, domain string
	}{
		{"hash", logging.Hash, hash, "", "hmac:acme", ""},
		{"hash before the spool's key", logging.Hash, nil, "", "", "example.net"},
		{"domain", logging.Domain, hash, "", "", "example.net"},
		{"full", logging.Full, hash, "Alice@Example.NET", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, Options{Recipients: tc.mode, Hash: tc.hash, Recipient: lookup})
			r.record(events.KindDelivered, 1)
			r.waitLines(1)
			l := readAll(t, r.dir)[0]
			if l.Rcpt != tc.rcpt || l.RcptHash != tc.hsh || l.RcptDomain != tc.domain {
				t.Errorf("rcpt %q hash %q domain %q, want %q %q %q", l.Rcpt, l.RcptHash, l.RcptDomain, tc.rcpt, tc.hsh, tc.domain)
			}
			data, _ := os.ReadFile(filepath.Join(r.dir, "accounting.jsonl"))
			if tc.mode != logging.Full && strings.Contains(strings.ToLower(string(data)), "alice") {
				t.Errorf("address in clear: %s", data)
			}
		})
	}
}

// A restart resumes where the log stopped: lines recorded while the
// writer was down are written once, none twice.
func TestRestartResumes(t *testing.T) {
	t.Parallel()
	r := newRig(t, Options{})
	r.record(events.KindDelivered, 4)
	r.waitLines(4)
	r.close()
	// Recorded with no writer running: they wait in the outbox.
	r.open(Options{})
	r.w.Stop(t.Context())
	r.record(events.KindDeferred, 3)
	r.restart(Options{})
	r.record(events.KindDelivered, 2)
	r.waitLines(5)
	checkOnce(t, readAll(t, r.dir), 9)
}

// A crash after the lines are fsync'd but before the outbox learns it
// (the acknowledgement failed) doubles nothing: the new writer reads
// the log's last sequence back.
func TestCrashBeforeAckDoublesNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, Options{})
	r.record(events.KindDelivered, 2)
	r.waitLines(2)
	r.close()

	flaky := &flakyStore{}
	flaky.fail.Store(true)
	r.store = flaky
	r.openWith(flaky, Options{})
	r.record(events.KindDelivered, 3)
	waitFor(t, func() bool { return r.w.Stats().Lines == 3 && r.w.Stats().WriteErrors > 0 }, "written, not acknowledged")
	r.close() // the "crash": lines in the file, still in the outbox
	r.store = nil
	r.open(Options{})
	r.record(events.KindDelivered, 1)
	r.waitLines(1) // the 3 were skipped, not written again
	checkOnce(t, readAll(t, r.dir), 6)
}

// A partial last line (power lost in the middle of a write) is cut at
// start and the line written again whole.
func TestPartialLineCut(t *testing.T) {
	t.Parallel()
	r := newRig(t, Options{})
	r.record(events.KindDelivered, 2)
	r.waitLines(2)
	r.close()
	// A third line is written but never acknowledged, then cut short
	// in the file, as power lost mid-write leaves it.
	r.store = nil
	flaky := &flakyStore{}
	flaky.fail.Store(true)
	r.openWith(flaky, Options{})
	r.record(events.KindDelivered, 1)
	waitFor(t, func() bool { return r.w.Stats().Lines == 1 }, "written, not acknowledged")
	r.close()
	path := filepath.Join(r.dir, "accounting.jsonl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)-10], 0o640); err != nil {
		t.Fatal(err)
	}
	r.store = nil
	r.open(Options{})
	r.record(events.KindDelivered, 1)
	r.waitLines(2) // the cut line, then the new one
	checkOnce(t, readAll(t, r.dir), 4)
}

// A full disk stops the log, not the events: they keep committing, the
// failures are counted and retried, no partial line stays, and every
// line appears once when space returns.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	fsys := &fullFS{}
	r := newRig(t, Options{FS: fsys})
	r.record(events.KindDelivered, 3)
	r.waitLines(3)
	fsys.full.Store(true)
	start := time.Now()
	r.record(events.KindDelivered, 50) // commits while the log cannot
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("events waited %v for the log", d)
	}
	waitFor(t, func() bool { return r.w.Stats().WriteErrors >= 3 }, "retried write failures")
	if b := r.w.Stats().Backlog; b != 50 {
		t.Errorf("backlog %d while full, want 50", b)
	}
	checkOnce(t, readAll(t, r.dir), 3) // no partial line, nothing lost so far
	fsys.full.Store(false)
	r.waitLines(53)
	checkOnce(t, readAll(t, r.dir), 53)
	if fsys.failed.Load() < 3 {
		t.Errorf("%d failed writes", fsys.failed.Load())
	}
}

// openWith opens the rig with the writer reading through s, a wrapper
// of the (new) events store.
func (r *rig) openWith(s *flakyStore, opts Options) {
	r.t.Helper()
	opts.Dir, opts.Now = r.dir, r.clk.Now
	opts.RetryFirst, opts.RetryMax = time.Millisecond, 5*time.Millisecond
	w, err := New(opts)
	if err != nil {
		r.t.Fatal(err)
	}
	ev, err := events.Open(r.db, events.Options{Now: r.clk.Now, BatchDelay: -1, InTx: w.Append, Retention: -1})
	if err != nil {
		r.t.Fatal(err)
	}
	s.Store = ev
	r.w, r.ev, r.store = w, ev, s
	w.Start(s)
	r.t.Cleanup(r.close)
}

// A new events file (the old one deleted or lost) numbers its lines from
// 1 again while the log still ends with the old file's last sequence:
// the new lines are written all the same, none taken for one already in
// the log.
func TestNewEventsFileLosesNoLines(t *testing.T) {
	t.Parallel()
	r := newRig(t, Options{})
	r.record(events.KindDelivered, 3)
	r.waitLines(3)
	r.close()
	if err := os.Remove(r.db); err != nil {
		t.Fatal(err)
	}
	r.store = nil
	r.open(Options{})
	r.record(events.KindDelivered, 2)
	r.waitLines(2)
	lines := readAll(t, r.dir)
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5 (lines of the new events file lost)", len(lines))
	}
	for i, l := range lines {
		if want := msgID(uint64(i + 1)); l.MsgID != want {
			t.Fatalf("line %d: msgid %s, want %s", i, l.MsgID, want)
		}
	}
	// And the next start, reading the new numbering back, doubles nothing.
	r.restart(Options{})
	r.record(events.KindDelivered, 1)
	r.waitLines(1)
	if got := len(readAll(t, r.dir)); got != 6 {
		t.Fatalf("%d lines after a restart, want 6", got)
	}
}
