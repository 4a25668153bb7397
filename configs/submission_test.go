package configs

import (
	"strings"
	"testing"
	"time"
)

// The keys of the per-tenant memory share and the DATA deadline (the
// verify round's N4): defaults 0 (derived in mta/submit), refused when
// negative, or a share that cannot hold the largest message or exceeds
// the whole budget.
func TestSubmissionDataShareKeys(t *testing.T) {
	t.Parallel()
	cfg, err := Parse("[submission]\nmax_message_bytes = 1048576\ndata_memory = 8388608\n" +
		"data_memory_per_tenant = 2097152\ndata_timeout = \"90s\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Submission; s.DataMemoryPerTenant != 2<<20 || s.DataTimeout.Duration != 90*time.Second {
		t.Errorf("parsed share %d, timeout %v", s.DataMemoryPerTenant, s.DataTimeout.Duration)
	}
	if cfg, err := Parse(""); err != nil || cfg.Submission.DataMemoryPerTenant != 0 {
		t.Errorf("defaults: %v, share %d", err, cfg.Submission.DataMemoryPerTenant)
	}
	base := "[submission]\nmax_message_bytes = 1048576\ndata_memory = 8388608\n"
	for toml, want := range map[string]string{
		base + "data_memory_per_tenant = -1\n":                                "submission.data_memory_per_tenant",
		base + "data_memory_per_tenant = 1048576\n":                           "submission.data_memory_per_tenant",
		base + "data_memory_per_tenant = 16777216\n":                          "submission.data_memory_per_tenant",
		base + "data_timeout = \"-1s\"\n":                                     "submission.data_timeout",
		base + "max_copy_bytes = 4194304\ndata_memory_per_tenant = 4194304\n": "submission.data_memory_per_tenant",
	} {
		if _, err := Parse(toml); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error naming %s", toml, err, want)
		}
	}
}
