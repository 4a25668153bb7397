package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// NewJSON logs JSON at its level, which its LevelVar changes, with
// recipients as configured; a bad level or mode is an error.
func TestNewJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, lv, r, err := NewJSON(&buf, "warn", "domain")
	if err != nil {
		t.Fatal(err)
	}
	r.SetHasher(fakeHash)
	log.Info("dropped at warn")
	log.Warn("kept", "tenant", "acme", "rcpt", "ann@example.net")
	lv.Set(slog.LevelDebug)
	log.Debug("kept at debug")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines %q", lines)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	if m["msg"] != "kept" || m["rcpt"] != nil || m["rcpt_domain"] != "example.net" {
		t.Fatalf("first line %v", m)
	}
	if _, lv, _, err := NewJSON(&buf, "", ""); err != nil || lv.Level() != slog.LevelInfo {
		t.Errorf("empty level: %v, %v", lv, err)
	}
	for _, bad := range [][2]string{{"loud", "hash"}, {"info", "clear"}} {
		if _, _, _, err := NewJSON(&buf, bad[0], bad[1]); err == nil {
			t.Errorf("NewJSON(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
