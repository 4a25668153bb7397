package bounce

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpus4MinAccuracy is the class accuracy on testdata/corpus4 below which
// TestCorpus4 fails. corpus4 was written blind (testdata/corpus4/README.md)
// in two waves. Wave 1 (78 messages, 82 results) scored 0.793 before any
// rule was changed for it (recall 0.918, no wrong suppression: TNEF-only,
// unlabelled ISO-2022-JP, mailto unsubscribes, challenges, Domino in
// German, loose complaints, successes in a mixed DSN); wave 2 (25
// messages, 26 results), written after wave 1's fixes, scored 0.808
// (held-for-moderation notices, "no longer with the company" replies,
// Russian, Italian and Chinese wordings). After general fixes, 1.0.
const corpus4MinAccuracy = 0.95

// corpus4MinRecall is the recipient recall below which TestCorpus4 fails.
const corpus4MinRecall = 0.95

// corpus4MinMessages keeps the corpus from shrinking by accident.
const corpus4MinMessages = 60

// TestCorpus4 classifies every message of testdata/corpus4 against its
// hand-written truth, with corpus2's tally, and fails below
// corpus4MinAccuracy or corpus4MinRecall, or on any suppression the truth
// does not call for.
func TestCorpus4(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus4", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < corpus4MinMessages {
		t.Fatalf("corpus4 has %d messages, want at least %d", len(files), corpus4MinMessages)
	}
	known := map[Class]bool{}
	for _, cl := range Classes() {
		known[cl] = true
	}
	c := New()
	tl := corpus2Tally{perKind: map[string]*[2]int{}, misses: map[string][]string{}}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".eml")
		want := corpus2Load(t, strings.TrimSuffix(file, ".eml")+".json", known)
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Message(bytes.NewReader(raw))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			tl.crashing++
			continue
		}
		tl.add(name, want, got)
	}
	tl.report(t)
	if acc := float64(tl.classOK) / float64(tl.rows); acc < corpus4MinAccuracy {
		t.Errorf("class accuracy %.1f%% below corpus4MinAccuracy %.1f%%", 100*acc, 100*corpus4MinAccuracy)
	}
	if rec := float64(tl.found) / float64(tl.named); rec < corpus4MinRecall {
		t.Errorf("recipient recall %.1f%% below corpus4MinRecall %.1f%%", 100*rec, 100*corpus4MinRecall)
	}
	if tl.falseSuppress > 0 {
		t.Errorf("%d results suppress an address the truth does not", tl.falseSuppress)
	}
}
