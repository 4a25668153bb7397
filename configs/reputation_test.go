package configs

import (
	"strings"
	"testing"
)

func TestReputationDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	const hash = "$2a$10$abcdefghijklmnopqrstuuJ0aNLdH5yZ0Ttr1B3zDq5qK8ZcKx3uW"
	cfg, err := Parse("[reputation]\ncomplaint_warn = 0.002\n" +
		"[[tenant]]\nname = \"acme\"\npassword_hash = \"" + hash + "\"\nsender_domains = [\"acme.example\"]\n" +
		"[tenant.reputation]\ncomplaint_pause = 0.0\nmin_volume = 200\n" +
		"[[tenant]]\nname = \"beta\"\npassword_hash = \"" + hash + "\"\nsender_domains = [\"beta.example\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Reputation
	if !r.Enabled || r.WindowMessages != 10000 || r.MinVolume != 1000 || r.ComplaintPause != 0.003 || r.ComplaintWarn != 0.002 || r.FBLDomains != nil {
		t.Errorf("section %+v", r)
	}
	if cfg.Tenants[1].Reputation.Set() {
		t.Errorf("beta has overrides: %+v", cfg.Tenants[1].Reputation)
	}
	// The tenant's keys over the section's: 0 turns its pause off.
	th := cfg.Tenants[0].Reputation.Over(r.Thresholds)
	if !cfg.Tenants[0].Reputation.Set() || th.ComplaintPause != 0 || th.MinVolume != 200 || th.ComplaintWarn != 0.002 || th.HardBouncePause != 0.05 {
		t.Errorf("acme's thresholds %+v", th)
	}
}

func TestReputationBadValuesNameTheKey(t *testing.T) {
	t.Parallel()
	const hash = "$2a$10$abcdefghijklmnopqrstuuJ0aNLdH5yZ0Ttr1B3zDq5qK8ZcKx3uW"
	tenant := "[[tenant]]\nname = \"acme\"\npassword_hash = \"" + hash + "\"\nsender_domains = [\"acme.example\"]\n"
	for _, tc := range []struct{ toml, key string }{
		{"[reputation]\ncomplaint_pause = 3.0\n", "reputation.complaint_pause"},
		{"[reputation]\nhard_bounce_warn = -0.1\n", "reputation.hard_bounce_warn"},
		{"[reputation]\nblock_pause = nan\n", "reputation.block_pause"},
		{"[reputation]\nmin_volume = 0\n", "reputation.min_volume"},
		{"[reputation]\nwindow_messages = 5\n", "reputation.window_messages"},
		{"[reputation]\nwindow_time = \"10m\"\n", "reputation.window_time"},
		{"[reputation]\nsave_interval = \"10ms\"\n", "reputation.save_interval"},
		{"[reputation]\nmax_campaigns = -1\n", "reputation.max_campaigns"},
		{"[reputation]\nfbl_domains = [\"yahoo.com\", \"a b\"]\n", "reputation.fbl_domains[1]"},
		{"[reputation]\nwindow_time = \"a day\"\n", "not a duration"},
		{tenant + "[tenant.reputation]\nunsubscribe_pause = 1.5\n", "tenant[0].reputation.unsubscribe_pause"},
		{tenant + "[tenant.reputation]\nmin_volume = -3\n", "tenant[0].reputation.min_volume"},
		{tenant + "[tenant.reputation]\ncomplaint = 0.1\n", "tenant.reputation.complaint: unknown key"},
		{"[accounting]\nmax_size = -2\n", "accounting.max_size"},
		{"[accounting]\nkeep = -7\n", "accounting.keep"},
		{"[accounting]\nkinds = [\"delivered\", \"opened\"]\n", "accounting.kinds"},
	} {
		_, err := Parse(tc.toml)
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%q: err %v, want one naming %s", tc.toml, err, tc.key)
		}
	}
}

func TestAccountingSectionResolved(t *testing.T) {
	t.Parallel()
	cfg, err := Parse("data_dir = \"/var/lib/sluice\"\n[accounting]\nenabled = true\n")
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounting
	if !a.Enabled || a.Path != "/var/lib/sluice/accounting" || a.MaxSize != 100<<20 || a.Daily == nil || !*a.Daily || a.Keep != 30 || len(a.Kinds) != 8 {
		t.Errorf("accounting %+v", a)
	}
}
