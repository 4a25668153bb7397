package bounce

import "testing"

// corpus7MinAccuracy is the class accuracy on testdata/corpus7 below which
// TestCorpus7 fails. corpus7 wave 1 (172 messages, 178 results) was written
// blind (testdata/corpus7/README.md), before the rule tables were read.
// Before any rule was changed for it the classifier scored 0.893
// (159/178), recipient recall 0.994 (157/158), three wrong suppressions:
// a postmaster (a person, writing from postmaster@ to a support address)
// telling us a user had left, read as a bounce; Gmail's "account … is
// inactive" and Axigen's "Account is inactive", read as dead where the
// corpus calls an inactive mailbox disabled (soft). The other misses, by
// kind: TLS failures of our own relay (TLS not offered, certificate not
// verified, DANE) read as policy from their 4.7.x status, and Exchange
// Online's "STARTTLS is required" read as a bare 4xx (4); Spanish Domino,
// BOL's "usuário inexistente", Aliyun's "RCPT (…) dosn't exist" (3);
// MailEnable's "domain name … does not appear to be registered" (1);
// OpenSMTPD's delay notice (1); Dovecot's "mailbox for user is full);
// forwarding disabled" read as a disabled account (1); NetEase's RP:TRC
// rate code read as an IP block from its ?ip= link (1); a Korean
// "recipient refuses the sender" (1); Charter's "blocked by the anti-spam
// filter" at RCPT TO read as content (1); a utf-8 xtext address
// (jos\x{E9}@…) not decoded (recall, 1); an out-of-office "I left Firm7"
// with bounce words and no RFC 3834 headers (1); Mandrill quoting
// Gmail's "421 4.7.0 Try again later, closing connection" (1, a truth
// revised on review to rate_limited: that exact reply is the example of
// the existing try-later-policy rule). After fixes by kind
// (kinds7_test.go), 1.0. Wave 2 (29 messages, 30 results), written after
// those fixes with the rules read, scored 0.967 (29/30) on its first run,
// recall 1.0, no wrong suppression: Gmail's "Messages missing a valid
// Message-ID header are not accepted" read as policy from its 5.7.1
// (fixed: missing/non-compliant headers are content). After, 208/208.
const corpus7MinAccuracy = 0.95

// corpus7MinRecall is the recipient recall below which TestCorpus7 fails.
const corpus7MinRecall = 0.95

// corpus7MinMessages keeps the corpus from shrinking by accident.
const corpus7MinMessages = 195

// TestCorpus7 classifies every message of testdata/corpus7 against its
// hand-written truth, with corpus2's tally, and fails below
// corpus7MinAccuracy or corpus7MinRecall, or on any suppression the truth
// does not call for.
func TestCorpus7(t *testing.T) {
	t.Parallel()
	checkCorpus(t, "corpus7", corpus7MinMessages, corpus7MinAccuracy, corpus7MinRecall)
}
