package bounce

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpus3MinAccuracy is the class accuracy on testdata/corpus3 below which
// TestCorpus3 fails. corpus3 was written blind (testdata/corpus3/README.md):
// before any rule was changed for it the classifier scored 0.944 (168/178,
// recall 1.0, one wrong suppression: an ARF "other" report); after the
// fixes by kind, 1.0. The threshold is that minus a margin, for rules
// that other corpora may yet need to trade.
const corpus3MinAccuracy = 0.95

// corpus3MinRecall is the recipient recall below which TestCorpus3 fails.
const corpus3MinRecall = 0.95

// corpus3MinMessages keeps the corpus from shrinking by accident.
const corpus3MinMessages = 120

// TestCorpus3 classifies every message of testdata/corpus3 against its
// hand-written truth, with corpus2's tally: it logs class accuracy,
// recipient recall, hardness, status and reason agreement and the misses
// by kind, and fails below corpus3MinAccuracy or corpus3MinRecall, or on
// any suppression the truth does not call for (a dead-address or
// complaint verdict on a transient, policy or other notice: the one error
// that throws a good address away).
func TestCorpus3(t *testing.T) {
	t.Parallel()
	checkCorpus(t, "corpus3", corpus3MinMessages, corpus3MinAccuracy, corpus3MinRecall)
}

// checkCorpus classifies every message of testdata/<dir> against its
// hand-written truth (corpus2's format and tally) and fails with fewer
// than minMessages, below minAccuracy or minRecall, or on any suppression
// the truth does not call for. Corpora 3 and 4 share it.
func checkCorpus(t *testing.T, dir string, minMessages int, minAccuracy, minRecall float64) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < minMessages {
		t.Fatalf("%s has %d messages, want at least %d", dir, len(files), minMessages)
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
	if acc := float64(tl.classOK) / float64(tl.rows); acc < minAccuracy {
		t.Errorf("%s: class accuracy %.1f%% below %.1f%%", dir, 100*acc, 100*minAccuracy)
	}
	if rec := float64(tl.found) / float64(tl.named); rec < minRecall {
		t.Errorf("%s: recipient recall %.1f%% below %.1f%%", dir, 100*rec, 100*minRecall)
	}
	if tl.falseSuppress > 0 {
		t.Errorf("%s: %d results suppress an address the truth does not", dir, tl.falseSuppress)
	}
}
