package configs

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sluice/internal/certs"
	"sluice/internal/reload"
	"sluice/tracking/token"
)

// `sluice edge`'s options carry [tracking]'s listeners and retention,
// the keyring and the logger; the fleet's member options only with
// [cluster] redis set.
func TestStandaloneEdgeOptions(t *testing.T) {
	t.Parallel()
	cfg := parseMapping(t, "[tracking]\nlisten = \"127.0.0.1:9\"\nretention = \"48h\"\n")
	out, err := cfg.WebhookOutbox()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &certs.Watched{Reloads: reload.New(log), Logger: log}
	o, err := cfg.StandaloneEdge(out, w, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Dir != cfg.DataDir || o.Listen != "127.0.0.1:9" || o.HTTPSAddr != "" || o.Certs != nil ||
		o.Events.Retention != 48*time.Hour || o.Edge.Keyring == nil ||
		o.Edge.Logger != log || o.Logger != log {
		t.Errorf("standalone edge options %+v", o)
	}
	if o.Fleet != nil {
		t.Errorf("fleet options without [cluster]: %+v", o.Fleet)
	}
	cfg.Cluster.Redis = "redis://127.0.0.1:1"
	if o, err = cfg.StandaloneEdge(out, w, "v1"); err != nil || o.Fleet == nil || o.Fleet.Version != "v1" || o.Fleet.Logger != log {
		t.Errorf("fleet options %+v %v", o.Fleet, err)
	}
}

// The keyring's generated secret goes into data_dir, created on first
// start (`sluice edge` reads the keyring before opening any store).
func TestKeyringCreatesDataDir(t *testing.T) {
	t.Parallel()
	cfg := parseMapping(t, "")
	cfg.DataDir = filepath.Join(cfg.DataDir, "fresh")
	if kr, err := cfg.Keyring(); err != nil || kr == nil {
		t.Fatalf("keyring in a new data_dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, token.SecretFile)); err != nil {
		t.Errorf("secret not kept: %v", err)
	}
}
