package shaping

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/mta/bounce"
)

// A policy return slows its (source, site) down as ObserveReturn does,
// is counted by rule, source and class, and marks the pair blocklisted
// only when the return names a DNS blocklist; the marks and the
// transitions are logged.
func TestPolicyReturnsAndLogs(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	var transitions []string
	p, err := New(returnRules, Options{Now: clock.Now, OnTransition: LoggedTransitions(log, func(rule, to string) {
		transitions = append(transitions, rule+" "+to)
	})})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBlocklist(BlocklistOptions{Path: filepath.Join(t.TempDir(), "blocklist.json"), Now: clock.Now,
		OnChange: LoggedBlocklistChanges(log)})
	if err != nil {
		t.Fatal(err)
	}
	site := p.Site("gmail.com", []string{"alt1.gmail-smtp-in.l.google.com"})
	k := Key{Source: "src-a1", Site: site}
	start := clock.Now()
	for i := range 20 {
		clock.Set(start.Add(time.Duration(i) * time.Second))
		p.Reserve(k, 50)
	}
	for range 5 {
		p.Observe(k, Delivered, "")
	}
	var counted []string
	observe := PolicyReturns(p, b, func(rule, source, class string) { counted = append(counted, rule+" "+source+" "+class) })

	observe("src-a1", site.Name(), bounce.PolicyBlocked, "reputation")
	if len(transitions) == 0 || !strings.HasPrefix(transitions[0], "gmail ") {
		t.Fatalf("the return cut nothing: transitions %v", transitions)
	}
	if _, blocked := b.Blocked("src-a1", site.Name()); blocked {
		t.Fatal("a reputation return marked the source blocklisted")
	}
	observe("src-a1", site.Name(), bounce.PolicyBlocked, string(bounce.ReasonBlockedIP))
	if _, blocked := b.Blocked("src-a1", site.Name()); !blocked {
		t.Fatal("a return naming a DNS blocklist did not mark the source")
	}
	if want := "gmail src-a1 " + string(bounce.PolicyBlocked); len(counted) != 2 || counted[0] != want {
		t.Fatalf("counted %v, want twice %q", counted, want)
	}
	for _, line := range []string{`msg="shaping transition" site=gmail rule=gmail`, `msg="source blocklisted" source=src-a1 site=gmail`} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, logs.String())
		}
	}
	// A nil blocklist and counter are allowed.
	PolicyReturns(p, nil, nil)("src-a1", site.Name(), bounce.PolicyBlocked, string(bounce.ReasonBlockedIP))
}
