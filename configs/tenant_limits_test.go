package configs

import (
	"strings"
	"testing"
)

// TestTenantLimits: rate_limit, rate_burst and daily_quota parse, are
// unset (unlimited) by default, and a bad value is refused naming its key.
func TestTenantLimits(t *testing.T) {
	t.Parallel()
	const hash = "$2a$10$abcdefghijklmnopqrstuuJ0aNLdH5yZ0Ttr1B3zDq5qK8ZcKx3uW"
	tenant := "[[tenant]]\nname = \"acme\"\npassword_hash = \"" + hash + "\"\nsender_domains = [\"acme.example\"]\n"
	cfg, err := Parse(tenant)
	if err != nil {
		t.Fatal(err)
	}
	if tn := cfg.Tenants[0]; tn.RateLimit != 0 || tn.RateBurst != 0 || tn.DailyQuota != 0 {
		t.Fatalf("defaults %v %v %v, want unlimited", tn.RateLimit, tn.RateBurst, tn.DailyQuota)
	}
	cfg, err = Parse(tenant + "rate_limit = 0.5\nrate_burst = 3\ndaily_quota = 10000\n")
	if err != nil {
		t.Fatal(err)
	}
	if tn := cfg.Tenants[0]; tn.RateLimit != 0.5 || tn.RateBurst != 3 || tn.DailyQuota != 10000 {
		t.Fatalf("parsed %v %v %v", tn.RateLimit, tn.RateBurst, tn.DailyQuota)
	}
	for _, tc := range []struct{ name, toml, want string }{
		{"negative rate", "rate_limit = -1.0\n", "tenant[0].rate_limit: must not be negative"},
		{"nan rate", "rate_limit = nan\n", "tenant[0].rate_limit"},
		{"infinite rate", "rate_limit = inf\n", "tenant[0].rate_limit"},
		{"negative burst", "rate_limit = 1.0\nrate_burst = -2\n", "tenant[0].rate_burst: must not be negative"},
		{"burst alone", "rate_burst = 5\n", "tenant[0].rate_burst: needs rate_limit"},
		{"negative quota", "daily_quota = -5\n", "tenant[0].daily_quota: must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tenant + tc.toml)
			if err == nil {
				t.Fatal("accepted")
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line naming %q", msg, tc.want)
			}
		})
	}
}
