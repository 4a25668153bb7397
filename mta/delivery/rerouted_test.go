package delivery

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
)

// lockedBuffer is a log sink safe for the engine's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestReroutedLogged: the delivery log line of a recipient whose mail
// moved to another source (s1's warm-up allowance of 1 is spent) says
// why in "rerouted"; a line of mail that did not move has no such key.
func TestReroutedLogged(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	var logs lockedBuffer
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		twoSources(cfg, "warm.sluice.test", "old.sluice.test")
		cfg.Shaping = newPolicy(t, h, nil)
		w, err := shaping.NewWarmup(shaping.WarmupOptions{Now: h.clk.Now,
			Sources: []shaping.WarmupSource{{Name: "s1", Curve: []int{1}}}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Warmup = w
	})
	h.start()
	for _, r := range enqueueN(h, "r", 6) {
		h.events.wait(t, r, 1, "delivered")
	}
	moved, stayed := 0, 0
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line["msg"] != "delivery" {
			continue
		}
		why, ok := line["rerouted"].(string)
		switch {
		case ok && line["source"] == "s2" && strings.Contains(why, "source s1 warming up"):
			moved++
		case !ok:
			stayed++
		default:
			t.Errorf("delivery line %v", line)
		}
	}
	if moved == 0 || stayed == 0 {
		t.Fatalf("%d delivery lines with rerouted, %d without; want both:\n%s", moved, stayed, logs.String())
	}
}

// TestClipRerouted: why a mail moved is cut to MaxRerouted bytes at a
// rune boundary (it may quote a receiver's long reply).
func TestClipRerouted(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "short", strings.Repeat("x", MaxRerouted), "x" + strings.Repeat("é", MaxRerouted)} {
		got := clipRerouted(in)
		if len(in) <= MaxRerouted && got != in {
			t.Errorf("clip(%q) = %q", in, got)
		}
		if len(got) > MaxRerouted || len(got) < MaxRerouted-1 && len(in) > MaxRerouted || !utf8.ValidString(got) {
			t.Errorf("clip of %d bytes = %d bytes (valid UTF-8 %v)", len(in), len(got), utf8.ValidString(got))
		}
	}
}
