package bounce

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// hostileMessages are crafted returns that push each parser and rule
// window to its bounds: the classifier reads at most MaxMessageBytes,
// maxText per part and maxHead of text for rules, and Go's regexps run in
// linear time, so each should cost about what an ordinary large message
// costs. BenchmarkHostile times them (speed is measured here, never
// asserted in a test).
func hostileMessages() map[string][]byte {
	hdr := "From: MAILER-DAEMON@mx.example\r\nTo: b.tok123456@bounces.brand.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
	m := map[string][]byte{}
	// Many failed recipients, each with a reply: the segmenter, the
	// per-recipient classification and maxRecipients.
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		fmt.Fprintf(&sb, "<user%d@dom%d.example>: host mx.example said: 550 5.1.1 <user%d@dom%d.example>: Recipient address rejected: User unknown\r\n", i, i%97, i, i%97)
	}
	m["many-recipients"] = []byte(hdr + "\r\n" + sb.String())
	// One line of almost-addresses, no newline: the address pattern.
	m["address-like-line"] = []byte(hdr + "\r\n" + strings.Repeat("a.b-c_d@e.f-g.", 1<<17))
	// Rule trigger words without their completions, no sentence breaks:
	// every windowed rule ([^.\n]{0,40}) tries at every word.
	m["trigger-words"] = []byte(hdr + "\r\n" + strings.Repeat("mailbox user recipient account address sender quota blocked relay policy ", 1<<13))
	// The same in scripts the prefilter folds slowly (non-ASCII path,
	// NFC normalisation): Greek, Cyrillic, Vietnamese decomposed.
	m["non-ascii-words"] = []byte(hdr + "Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		strings.Repeat("γραμματοκιβώτιο παραλήπτης ящик пользователь Hô\u0323p thư đâ\u0300y 사서함 收件人 ", 1<<12))
	// Deep and wide MIME: nested multiparts to maxDepth and beyond, and
	// many parts.
	var deep strings.Builder
	deep.WriteString(hdr + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&deep, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	m["deep-mime"] = []byte(deep.String())
	var wide strings.Builder
	wide.WriteString(hdr + "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"w\"\r\n\r\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&wide, "--w\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; u%d@x.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n", i)
	}
	m["wide-mime"] = []byte(wide.String())
	// A header of thousands of encoded words.
	m["encoded-words"] = []byte("From: MAILER-DAEMON@mx.example\r\nSubject: " + strings.Repeat("=?utf-8?B?w6nDqcOp?= ", 1<<14) +
		"\r\n\r\n550 5.1.1 <a@b.example> User unknown\r\n")
	// Attached messages within attached messages (forwarded bounces).
	inner := hdr + "\r\n550 5.1.1 <x@y.example> User unknown\r\n"
	for i := 0; i < 12; i++ {
		inner = "From: Ann <ann@corp.example>\r\nSubject: Fwd: returned\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"f" +
			fmt.Sprint(i) + "\"\r\n\r\n--f" + fmt.Sprint(i) + "\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "\r\n--f" + fmt.Sprint(i) + "--\r\n"
	}
	m["nested-forwards"] = []byte(inner)
	// A large body labelled base64 that is text, and one that is base64.
	m["false-base64"] = []byte(hdr + "Content-Transfer-Encoding: base64\r\n\r\n" + strings.Repeat("550 5.1.1 user unknown, sorry. ", 1<<15))
	m["true-base64"] = []byte(hdr + "Content-Transfer-Encoding: base64\r\n\r\n" + strings.Repeat("NTUwIDUuMS4xIHVzZXIgdW5rbm93bg==\r\n", 1<<15))
	// Eight times larger (to MaxMessageBytes): the text bounds keep the
	// cost from growing with the message.
	m["trigger-words-8x"] = bytes.Repeat(m["trigger-words"], 8)
	m["address-like-line-8x"] = []byte(hdr + "\r\n" + strings.Repeat("a.b-c_d@e.f-g.", 1<<20))
	return m
}

// BenchmarkHostile classifies each crafted message; compare its ns/op
// with BenchmarkClassifyCorpus's per-message cost.
func BenchmarkHostile(b *testing.B) {
	c := New()
	for name, raw := range hostileMessages() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Message(bytes.NewReader(raw)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
