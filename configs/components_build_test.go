package configs

import (
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"sluice/mta/bounce"
	"sluice/queue"
	"sluice/tracking/events"
)

// The components configs builds whole: the shaping policy, the source
// gates (no warm-up without a warming source; the blocklist in
// data_dir) and the events store's subscribers as their sections say.
func TestComponentsBuilt(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := parseMapping(t, "[accounting]\nenabled = true\npath = \"acct\"\n")
	if p, err := cfg.ShapingPolicy(log, nil); err != nil || p == nil {
		t.Errorf("shaping policy: %v", err)
	}
	w, b, err := cfg.SourceGates(bounce.New(), log)
	if err != nil || w != nil || b == nil {
		t.Errorf("source gates: warm-up %v blocklist %v: %v", w, b, err)
	}
	spool, err := queue.Open(filepath.Join(cfg.DataDir, "spool.db"), queue.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer spool.Close()
	cfg.Accounting.Path = filepath.Join(cfg.DataDir, "acct")
	s, err := cfg.Subscribers(SubscriberDeps{Spool: spool, Events: &events.Ref{}, Logger: log})
	if err != nil || s.Outbox == nil || s.Guard == nil || s.Accounting == nil {
		t.Fatalf("subscribers %+v: %v", s, err)
	}
	cfg.Reputation.Enabled, cfg.Accounting.Enabled = false, false
	if s, err = cfg.Subscribers(SubscriberDeps{Spool: spool, Events: &events.Ref{}, Logger: log}); err != nil ||
		s.Outbox == nil || s.Guard != nil || s.Accounting != nil {
		t.Errorf("disabled subscribers %+v: %v", s, err)
	}
	cfg.Shaping.Rules = []ShapingRule{{Name: "bad", Domains: []string{"bad.test"}, Rate: "fast"}}
	if _, err := cfg.ShapingPolicy(log, nil); err == nil || !strings.Contains(err.Error(), "config: shaping.") {
		t.Errorf("bad rule: %v", err)
	}
}
