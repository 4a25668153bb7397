package tenants

import (
	"errors"
	"maps"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"sluice/mta/submit"
	"sluice/queue"
)

func strp(s string) *string { return &s }

// A tenant's tracking host: set at create or update, normalised, one
// tenant's only, not inside another tenant's domains, cleared by "";
// every change audited and fed to the edge's map without a restart.
func TestTrackingHosts(t *testing.T) {
	t.Parallel()
	s := openStore(t, Seed{Name: "legacy", Domains: []string{"legacy.example"}})
	var mu sync.Mutex
	var fed []map[string]string
	if err := s.FeedHosts(func(m map[string]string) {
		mu.Lock()
		fed = append(fed, maps.Clone(m))
		mu.Unlock()
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTenant("op", Tenant{Name: "acme", TrackingHost: "T.Acme.Example."}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "beta")
	if _, _, err := s.AddDomain("op", "beta", "beta.example"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		host string
		want error
	}{
		{"taken by acme", "t.acme.example", ErrClaimed},
		{"inside a seed's domain", "t.legacy.example", ErrClaimed},
		{"inside acme's... no: inside beta's own domain is fine for beta", "t.beta.example", nil},
		{"malformed", "t acme", ErrInvalid},
		{"wildcard", "*.beta.example", ErrInvalid},
	} {
		_, err := s.UpdateTenant("op", "beta", Update{TrackingHost: strp(tc.host)})
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := s.UpdateTenant("op", "acme", Update{TrackingHost: strp("t.beta.example")}); !errors.Is(err, ErrClaimed) {
		t.Errorf("host taken by beta: %v", err)
	}
	if _, err := s.UpdateTenant("op", "acme", Update{TrackingHost: strp("links.beta.example")}); !errors.Is(err, ErrClaimed) {
		t.Errorf("host inside beta's domain: %v", err)
	}
	hosts, err := s.TrackingHosts()
	if err != nil || len(hosts) != 2 || hosts["t.acme.example"] != "acme" || hosts["t.beta.example"] != "beta" {
		t.Fatalf("TrackingHosts = %v, %v", hosts, err)
	}
	if _, err := s.UpdateTenant("op", "acme", Update{TrackingHost: strp("")}); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Tenant("acme"); a.TrackingHost != "" {
		t.Fatalf("cleared host: %q", a.TrackingHost)
	}
	mu.Lock()
	last := fed[len(fed)-1]
	n := len(fed)
	mu.Unlock()
	if len(last) != 1 || last["t.beta.example"] != "beta" || n < 4 {
		t.Fatalf("hosts fed %d times, last %v", n, last)
	}
	audit, _ := s.Audit("acme")
	if len(audit) != 2 || audit[0].Detail != "allow_unverified=false transactional=false tracking_host=t.acme.example" || audit[1].Detail != "tracking_host=" {
		t.Fatalf("audit: %+v", audit)
	}
}

// hostTracker records the host a tracker was made for.
type hostTracker struct{ host string }

func (h hostTracker) Track(string, queue.ID, string, queue.Stream, []byte) ([]byte, bool, error) {
	return nil, false, nil
}

// The submission's view of a tenant with a tracking host gets the tracker
// for that host; the others keep the default one; a change of host is
// seen at the next AUTH.
func TestDirectoryTrackerPerHost(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	if _, err := s.CreateTenant("op", Tenant{Name: "acme", TrackingHost: "t.acme.example"}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "beta")
	ca, _, _ := s.AddCredential("op", "acme")
	cb, _, _ := s.AddCredential("op", "beta")
	def := hostTracker{host: "default"}
	d := NewDirectory(s, DirectoryOptions{Tracker: def,
		TrackerFor: func(h string) submit.Tracker { return hostTracker{host: h} }})
	trackerOf := func(user string) string {
		t.Helper()
		tn, _, ok := d.Lookup(user)
		if !ok {
			t.Fatalf("lookup %s failed", user)
		}
		return tn.Tracker.(hostTracker).host
	}
	if got := trackerOf(ca.ID); got != "t.acme.example" {
		t.Errorf("acme's tracker: %s", got)
	}
	if got := trackerOf(cb.ID); got != "default" {
		t.Errorf("beta's tracker: %s", got)
	}
	if _, err := s.UpdateTenant("op", "acme", Update{TrackingHost: strp("links.acme.example")}); err != nil {
		t.Fatal(err)
	}
	if got := trackerOf(ca.ID); got != "links.acme.example" {
		t.Errorf("acme's tracker after the change: %s", got)
	}
}

// TestEdgeHostsAreNoTenants: the edge's own names (the base URL's host,
// ACME hosts) serve every tenant's tokens; a tenant may not take one as
// its tracking host (it would turn every other tenant's links and
// one-click unsubscribes there into 404s), in any spelling, and one a
// tenant was given before the option was set is not fed to the edge.
func TestEdgeHostsAreNoTenants(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tenants.db")
	open := func(edge ...string) *Store {
		s, err := Open(Options{Path: path, BcryptCost: bcrypt.MinCost, EdgeHosts: edge})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	if _, err := s.CreateTenant("op", Tenant{Name: "rogue", TrackingHost: "t.esp.example"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open("T.ESP.Example.", "links.esp.example")
	defer s.Close()
	if hosts, err := s.TrackingHosts(); err != nil || len(hosts) != 0 {
		t.Fatalf("TrackingHosts = %v, %v: an edge host fed as a tenant's", hosts, err)
	}
	for _, h := range []string{"t.esp.example", "T.ESP.EXAMPLE.", "links.esp.example"} {
		if _, err := s.UpdateTenant("op", "rogue", Update{TrackingHost: strp(h)}); !errors.Is(err, ErrClaimed) {
			t.Errorf("tracking host %q: %v, want ErrClaimed", h, err)
		}
		if _, err := s.CreateTenant("op", Tenant{Name: "other", TrackingHost: h}); !errors.Is(err, ErrClaimed) {
			t.Errorf("create with tracking host %q: %v, want ErrClaimed", h, err)
		}
	}
	if _, err := s.UpdateTenant("op", "rogue", Update{TrackingHost: strp("t.rogue.example")}); err != nil {
		t.Fatal(err)
	}
	if hosts, _ := s.TrackingHosts(); hosts["t.rogue.example"] != "rogue" {
		t.Fatalf("TrackingHosts = %v", hosts)
	}
}
