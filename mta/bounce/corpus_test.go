package bounce

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// golden is the expected outcome for one recipient of a corpus message.
// Fields left out of the JSON file must come back empty.
type golden struct {
	Recipient    string `json:"recipient"`
	Status       string `json:"status"`
	Class        Class  `json:"class"`
	Hard         bool   `json:"hard"`
	MessageID    string `json:"message_id,omitempty"`
	VERP         string `json:"verp,omitempty"`
	FeedbackType string `json:"feedback_type,omitempty"`
}

// corpus lists testdata/*.eml, each with its golden .json beside it.
func corpus(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Fatalf("corpus has %d messages, want at least 40", len(files))
	}
	return files
}

// TestCorpus classifies every message of the corpus and compares the
// recipient, status, class, hardness, identifiers and feedback type with
// the golden file.
func TestCorpus(t *testing.T) {
	t.Parallel()
	c := New()
	classes := map[Class]bool{}
	for _, file := range corpus(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			gj, err := os.ReadFile(strings.TrimSuffix(file, ".eml") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var want []golden
			if err := json.Unmarshal(gj, &want); err != nil {
				t.Fatalf("golden: %v", err)
			}
			res, err := c.Message(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			got := make([]golden, len(res))
			for i, r := range res {
				got[i] = golden{r.Recipient, r.Status, r.Class, r.Hard, r.MessageID, r.VERP, r.FeedbackType}
				classes[r.Class] = true
				if len(r.Diagnostic) > maxReason {
					t.Errorf("result %d: diagnostic of %d bytes", i, len(r.Diagnostic))
				}
			}
			if len(got) != len(want) {
				t.Fatalf("got %d results, want %d:\n got  %+v\n want %+v\n full %+v", len(got), len(want), got, want, res)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("result %d:\n got  %+v\n want %+v\n rule %q reason %q", i, got[i], want[i], res[i].Rule, res[i].Reason)
				}
			}
		})
	}
	t.Cleanup(func() {
		for _, cl := range Classes() {
			if !classes[cl] && !t.Failed() {
				t.Errorf("no corpus message of class %s", cl)
			}
		}
	})
}
