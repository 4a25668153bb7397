package bounce

import "testing"

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
	checkCorpus(t, "corpus4", corpus4MinMessages, corpus4MinAccuracy, corpus4MinRecall)
}
