package configs

import (
	"strings"
	"testing"
)

// TestTenantTransactional: [[tenant]] transactional defaults to true (the
// operator wrote the table; existing setups keep sending transactional
// mail) and false is kept; submission memory keys are checked.
func TestTenantTransactional(t *testing.T) {
	t.Parallel()
	const hash = "$2a$10$abcdefghijklmnopqrstuuJ0aNLdH5yZ0Ttr1B3zDq5qK8ZcKx3uW"
	tenant := "[[tenant]]\nname = \"acme\"\npassword_hash = \"" + hash + "\"\nsender_domains = [\"acme.example\"]\n"
	for toml, want := range map[string]bool{"": true, "transactional = true\n": true, "transactional = false\n": false} {
		cfg, err := Parse(tenant + toml)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Tenants[0].TransactionalAllowed(); got != want {
			t.Errorf("%q: TransactionalAllowed %v, want %v", toml, got, want)
		}
	}
	for toml, want := range map[string]string{
		"[submission]\ndata_memory = 1000\n":         "submission.data_memory",
		"[submission]\ndata_memory = -2\n":           "submission.data_memory",
		"[submission]\nmax_copy_bytes = -5\n":        "submission.max_copy_bytes",
		"[submission]\ndata_memory_wait = \"-1s\"\n": "submission.data_memory_wait",
	} {
		if _, err := Parse(toml); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error naming %s", toml, err, want)
		}
	}
	if _, err := Parse("[submission]\ndata_memory = -1\nmax_copy_bytes = 1048576\ndata_memory_wait = \"1s\"\n"); err != nil {
		t.Errorf("valid memory keys refused: %v", err)
	}
}

// TestSecurityKeysMapped: the keys of the hostile-input fixes reach the
// components: a [[tenant]]'s transactional = false the submission's
// tenant, the edge's connection caps its config.
func TestSecurityKeysMapped(t *testing.T) {
	t.Parallel()
	const hash = "$2a$10$abcdefghijklmnopqrstuuJ0aNLdH5yZ0Ttr1B3zDq5qK8ZcKx3uW"
	cfg, err := Parse("[tracking]\nmax_conns_per_addr = 7\nmax_conns = 99\n[[tenant]]\nname = \"acme\"\npassword_hash = \"" + hash +
		"\"\nsender_domains = [\"acme.example\"]\ntransactional = false\n")
	if err != nil {
		t.Fatal(err)
	}
	if ts := cfg.SubmitTenants(); len(ts) != 1 || !ts[0].NoTransactional {
		t.Errorf("submission tenant %+v: want NoTransactional", ts[0])
	}
	ec, err := cfg.EdgeConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if ec.MaxConnsPerAddr != 7 || ec.MaxConns != 99 {
		t.Errorf("edge caps %d, %d; want 7, 99", ec.MaxConnsPerAddr, ec.MaxConns)
	}
}
