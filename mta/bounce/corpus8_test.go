package bounce

import "testing"

// corpus8MinAccuracy is the class accuracy on testdata/corpus8 below which
// TestCorpus8 fails. corpus8 (133 messages, 134 results) was written blind
// (testdata/corpus8/README.md), before the rule tables were read, aimed
// at the big providers' synchronous replies as worded today. Before any
// rule was changed for it the classifier scored 0.948 (127/134) against
// the truth as written, recipient recall 1.0 (120/120), two wrong
// suppressions: Mail.ru's "invalid mailbox … unavailable: account is
// blocked" read as an unknown user (a blocked account is disabled, soft),
// and a person's "Fw: Undeliverable" pasting an NDR about our own address
// read as a bounce. The other misses: QQ's "Mailbox not found or access
// denied" read as a refusal of the sending host (1); Exim's null-MX "an MX
// or SRV record indicated no SMTP service" unclassified (1); and three
// truths that contradicted the calls corpora 2 to 7 made, revised on
// review (README.md): a Gmail delay DSN reporting Yahoo's TSS04, a delay
// notice quoting "451 4.7.1 Try again later" and Yandex's "…ratelimit"
// deferral are rate_limited, not soft_temporary. After the fixes by kind
// (kinds8_test.go), 1.0.
const corpus8MinAccuracy = 0.97

// corpus8MinRecall is the recipient recall below which TestCorpus8 fails.
const corpus8MinRecall = 0.97

// corpus8MinMessages keeps the corpus from shrinking by accident.
const corpus8MinMessages = 130

// TestCorpus8 classifies every message of testdata/corpus8 against its
// hand-written truth, with corpus2's tally, and fails below
// corpus8MinAccuracy or corpus8MinRecall, or on any suppression the truth
// does not call for.
func TestCorpus8(t *testing.T) {
	t.Parallel()
	checkCorpus(t, "corpus8", corpus8MinMessages, corpus8MinAccuracy, corpus8MinRecall)
}
