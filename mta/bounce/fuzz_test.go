package bounce

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMessage feeds arbitrary bytes to Message, seeded with the corpus: it
// must not panic, must return at least one Result, and every Result must
// be well formed.
func FuzzMessage(f *testing.F) {
	for _, file := range corpus(f) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// corpus3's DSNs seed the per-recipient and success paths that
	// settleReason and the success Status go through; corpus4's the TNEF,
	// charset-sniffing, mixed-action and unsubscribe paths; corpus5's the
	// HTML-only notices, inline returned copies and loose complaints;
	// corpus6's broken MIME (unclosed and mismatched boundaries, false
	// transfer-encoding labels, raw 8-bit headers), global DSNs, zipped
	// copies, windows-1258 and people's letters; corpus7's odd address
	// types (X400, unknown, utf-8 xtext), multipart/alternative notices
	// inside reports and DSNs carrying DSNs; corpus8's multi-line provider
	// replies and forwarded notices inside people's letters.
	var more []string
	for _, dir := range []string{"corpus3", "corpus4", "corpus5", "corpus6", "corpus7", "corpus8"} {
		m, err := filepath.Glob(filepath.Join("testdata", dir, "*.eml"))
		if err != nil {
			f.Fatal(err)
		}
		more = append(more, m...)
	}
	for _, file := range more {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("Content-Type: multipart/report; boundary=x\n\n--x\nContent-Type: message/rfc822\n\n--x--"))
	c := New()
	valid := map[Class]bool{}
	for _, cl := range Classes() {
		valid[cl] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := c.Message(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("error on an in-memory reader: %v", err)
		}
		if len(res) == 0 || len(res) > maxRecipients {
			t.Fatalf("got %d results", len(res))
		}
		for _, r := range res {
			checkResult(t, r, valid)
		}
	})
}

// FuzzParseReply checks that ParseReply and Reply accept anything.
func FuzzParseReply(f *testing.F) {
	for _, tt := range replyCases {
		f.Add(tt.reply)
	}
	for _, r := range ruleTable() {
		f.Add(r.example)
	}
	f.Add("550-5.1.1 a\r\n550 5.1.1 b")
	f.Add("5.")
	c := New()
	valid := map[Class]bool{}
	for _, cl := range Classes() {
		valid[cl] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, enh, text := ParseReply(s)
		if code != 0 && (code < 200 || code > 599) {
			t.Fatalf("code %d", code)
		}
		if enh != "" && validEnhanced(enh) != enh {
			t.Fatalf("enhanced %q", enh)
		}
		if strings.ContainsAny(text, "\r\n") {
			t.Fatalf("text has line breaks: %q", text)
		}
		checkResult(t, c.Reply(code, enh, text), valid)
	})
}

// checkResult asserts the invariants every Result keeps.
func checkResult(t *testing.T, r Result, valid map[Class]bool) {
	t.Helper()
	if !valid[r.Class] {
		t.Fatalf("class %q", r.Class)
	}
	if r.Status != "" && validEnhanced(r.Status) != r.Status {
		t.Fatalf("status %q", r.Status)
	}
	if len(r.Diagnostic) > maxReason || !utf8.ValidString(r.Diagnostic) {
		t.Fatalf("diagnostic %q", r.Diagnostic)
	}
	if _, ok := ReasonClass(r.Reason); !ok {
		t.Fatalf("reason %q outside the taxonomy", r.Reason)
	}
	if r.Hard != (r.Class == HardInvalidRecipient) {
		t.Fatalf("hard %v for %s", r.Hard, r.Class)
	}
	if r.Class.Suppress() != (r.Class == HardInvalidRecipient || r.Class == Complaint) {
		t.Fatal("suppress")
	}
	if r.MessageID != "" && len(r.MessageID) != 16 {
		t.Fatalf("message id %q", r.MessageID)
	}
	if r.VERP != "" && !strings.HasPrefix(r.VERP, "b.") {
		t.Fatalf("verp %q", r.VERP)
	}
}

// FuzzExtract drives the extraction code added for multi-recipient and
// decorated notices (dropFooters, isList, the segmenter's boundaries,
// prose and subject recipients) with arbitrary text: it must not panic,
// every recipient found must occur in the input, and footers are only
// ever removed, never invented.
func FuzzExtract(f *testing.F) {
	f.Add("Delivery has failed to these recipients: a@example.net; b@example.net\n\n550 5.1.1 User unknown\n\nThis email has been scanned for viruses.\n")
	f.Add("  a@example.net\n    550 5.1.1 unknown\n  b@example.net\n    552 full\n-- \nsig\n\n")
	f.Add("Your message to a@example.net, b@example.net and c@example.net could not be delivered.\r\n\r\nDisclaimer: x\r\n")
	f.Add("--\n\n\n-- \r\n")
	c := New()
	valid := map[Class]bool{}
	for _, cl := range Classes() {
		valid[cl] = true
	}
	f.Fuzz(func(t *testing.T, body string) {
		if d := c.dropFooters(body); len(d) > len(body) {
			t.Fatalf("dropFooters grew the text: %d > %d", len(d), len(body))
		}
		m := "From: MAILER-DAEMON@mx.example.net\r\nSubject: Undeliverable: " + body + "\r\n\r\n" + body
		res, err := c.Message(strings.NewReader(m))
		if err != nil || len(res) == 0 {
			t.Fatalf("res %v err %v", res, err)
		}
		for _, r := range res {
			checkResult(t, r, valid)
			if r.Recipient != "" && !strings.Contains(strings.ToLower(m), strings.ToLower(r.Recipient)) {
				t.Fatalf("recipient %q not in the input", r.Recipient)
			}
		}
	})
}
