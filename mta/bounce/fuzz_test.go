package bounce

import (
	"bytes"
	"os"
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
	if len(r.Reason) > maxReason || !utf8.ValidString(r.Reason) {
		t.Fatalf("reason %q", r.Reason)
	}
	if r.Class.Suppress() != (r.Class == HardInvalidRecipient || r.Class == Complaint) {
		t.Fatal("suppress")
	}
	if (r.Class == HardInvalidRecipient || r.Class == Complaint) && !r.Hard {
		t.Fatalf("%s not hard", r.Class)
	}
	if r.Hard && (r.Class == SoftMailboxFull || r.Class == SoftTemporary || r.Class == RateLimited || r.Class == AutoReply) {
		t.Fatalf("%s hard", r.Class)
	}
	if r.MessageID != "" && len(r.MessageID) != 16 {
		t.Fatalf("message id %q", r.MessageID)
	}
	if r.VERP != "" && !strings.HasPrefix(r.VERP, "b.") {
		t.Fatalf("verp %q", r.VERP)
	}
}
