package configs

import (
	"strings"
	"testing"
	"time"
)

// TestWarmupAndBlocklistKeys: bad warm-up and blocklist values stop
// start-up with one line naming the key; good ones reach mta/shaping's
// types as written.
func TestWarmupAndBlocklistKeys(t *testing.T) {
	t.Parallel()
	const src = "[[source]]\nname = \"ip1\"\naddress = \"192.0.2.10\"\n"
	bad := []struct{ name, toml, want string }{
		{"start not a date", src + "warmup = true\nwarmup_start = \"15/01/2025\"\n", "source[0].warmup_start"},
		{"start not a day", src + "warmup = true\nwarmup_start = \"2025-02-30\"\n", "source[0].warmup_start"},
		{"negative curve", src + "warmup = true\nwarmup_curve = [50, -1]\n", "source[0].warmup_curve: day 2"},
		{"negative site", src + "warmup = true\nwarmup_sites = { yahoo = [10, -5] }\n", "source[0].warmup_sites.yahoo: day 2"},
		{"empty site", src + "warmup = true\nwarmup_sites = { gmail = [] }\n", "source[0].warmup_sites.gmail: must list"},
		{"unknown site", src + "warmup = true\nwarmup_sites = { yahooo = [10] }\n", "source[0].warmup_sites.yahooo: no shaping rule"},
		{"keys without warmup", src + "warmup_curve = [10]\n", "source[0].warmup: "},
		{"retry not a duration", "[delivery]\nblocklist_retry = [\"1h\", \"soon\"]\n", "delivery.blocklist_retry[1]"},
		{"retry not positive", "[delivery]\nblocklist_retry = [\"0s\"]\n", "delivery.blocklist_retry[0]"},
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
	cfg, err := Parse(src + "warmup = true\nwarmup_start = \"2025-01-15\"\nwarmup_curve = [5, 10]\nwarmup_sites = { yahoo = [1], default = [2, 3] }\n" +
		"[[source]]\nname = \"ip2\"\n[delivery]\nblocklist_retry = [\"30m\", \"2h\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	ws := cfg.WarmupSources()
	if len(ws) != 1 || ws[0].Name != "ip1" || !ws[0].Start.Equal(time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)) ||
		len(ws[0].Curve) != 2 || len(ws[0].Sites["yahoo"]) != 1 || len(ws[0].Sites["default"]) != 2 {
		t.Fatalf("WarmupSources = %+v", ws)
	}
	if r := cfg.Delivery.BlocklistRetries(); len(r) != 2 || r[0] != 30*time.Minute || r[1] != 2*time.Hour {
		t.Fatalf("BlocklistRetries = %v", r)
	}
	def, err := Parse(src + "warmup = true\n")
	if err != nil {
		t.Fatal(err)
	}
	if ws := def.WarmupSources(); len(ws) != 1 || ws[0].Curve != nil || !ws[0].Start.IsZero() || def.Delivery.BlocklistRetries() != nil {
		t.Fatalf("defaults: %+v, retries %v; want the shipped curve, the first day seen, the default schedule", ws, def.Delivery.BlocklistRetries())
	}
}
