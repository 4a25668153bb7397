package configs

import (
	"strings"
	"testing"

	"sluice/queue"
)

// TestTenantsSettings: the [tenants] keys, [[tenant]] priority and
// delivery.priorities parse with their defaults, and each bad value stops
// the config with one line naming its key.
func TestTenantsSettings(t *testing.T) {
	t.Parallel()
	const hash = "$2a$10$abcdefghijklmnopqrstuuJ0aNLdH5yZ0Ttr1B3zDq5qK8ZcKx3uW"
	tenant := "[[tenant]]\nname = \"acme\"\npassword_hash = \"" + hash + "\"\nsender_domains = [\"acme.example\"]\n"
	bad := []struct{ name, toml, want string }{
		{"cost low", "[tenants]\nbcrypt_cost = 3\n", "tenants.bcrypt_cost"},
		{"cost high", "[tenants]\nbcrypt_cost = 20\n", "tenants.bcrypt_cost"},
		{"resolver", "[tenants]\nresolvers = [\"ns.example\"]\n", "tenants.resolvers[0]"},
		{"return label", "[tenants]\nreturn_path_label = \"-x\"\n", "tenants.return_path_label"},
		{"empty tracking label", "[tenants]\ntracking_label = \"\"\n", "tenants.tracking_label"},
		{"return target", "[tenants]\nreturn_path_target = \"bounces\"\n", "tenants.return_path_target"},
		{"tracking target", "[tenants]\ntracking_target = \"https://t.example/\"\n", "tenants.tracking_target"},
		{"unknown key", "[tenants]\nbcrypt = 10\n", "tenants.bcrypt: unknown key"},
		{"priority", tenant + "priority = \"urgent\"\n", "tenant[0].priority"},
		{"priorities type", "[delivery]\npriorities = \"yes\"\n", "priorities"},
		{"rotation grace", "[tenants]\nrotation_grace = \"30m\"\n", "tenants.rotation_grace"},
		{"require aligned", "[dkim]\nrequire_aligned = \"some\"\n", "dkim.require_aligned"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.toml)
			if err == nil {
				t.Fatal("accepted bad config")
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line naming %q", msg, tc.want)
			}
		})
	}

	cfg, err := Parse("")
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.TenantStore; s.BcryptCost != 10 || s.ReturnPathLabel != "bounces" || s.TrackingLabel != "track" || s.ReturnPathTarget != "" || s.TrackingTarget != "" {
		t.Fatalf("defaults: %+v", s)
	}
	if !cfg.Delivery.PrioritiesEnabled() {
		t.Fatal("delivery.priorities is off by default")
	}
	cfg, err = Parse(tenant + "priority = \"High\"\n[delivery]\npriorities = false\nresolvers = [\"192.0.2.1\"]\n" +
		"[tenants]\nbcrypt_cost = 4\nreturn_path_target = \"mx.esp.example\"\ntracking_target = \"t.esp.example.\"\ntracking_label = \"click.t\"\n")
	if err != nil {
		t.Fatalf("good config rejected: %v", err)
	}
	if p, ok := cfg.Tenants[0].PriorityValue(); !ok || p != queue.PriorityHigh {
		t.Fatalf("priority High = %v, %v", p, ok)
	}
	if cfg.Delivery.PrioritiesEnabled() {
		t.Fatal("delivery.priorities = false ignored")
	}
	if rs, err := cfg.TenantResolvers(); err != nil || strings.Join(rs, ",") != "192.0.2.1:53" {
		t.Fatalf("resolvers default to delivery's: %v, %v", rs, err)
	}
	cfg, err = Parse("[delivery]\nresolvers = [\"192.0.2.1\"]\n[tenants]\nresolvers = [\"198.51.100.9:5353\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	if rs, _ := cfg.TenantResolvers(); strings.Join(rs, ",") != "198.51.100.9:5353" {
		t.Fatalf("tenants.resolvers = %v", rs)
	}
}
