package main

import (
	"fmt"
	"strings"
	"time"
)

// maxLine is the longest body line, without CRLF (RFC 5322 §2.1.1
// recommends at most 78 characters).
const maxLine = 78

// words make a plain-text body that reads like prose, so that anything
// looking at the body (DKIM canonicalisation, line scanning) does the
// work a real message costs.
var words = strings.Fields(`the quick brown fox jumps over a lazy dog while
your order has shipped and will arrive on tuesday please find the receipt
below thank you for shopping with us if you have any questions reply to
this message or visit our help centre account statement balance payment
received invoice number reference subscription renewal reminder weekly
newsletter update security notice sign in from a new device confirm your
address to keep receiving our messages unsubscribe at any time`)

// messages builds the test messages: realistic headers, a text/plain body
// of CRLF lines no longer than maxLine, about size bytes in all.
type messages struct {
	from       string
	rcptDomain string
	total      int
	body       []byte // shared by all messages; never written after build
	runID      int64
	domains    int // >1: message i goes to d<i mod domains>.rcptDomain
}

// newMessages prepares a builder for total messages of about size bytes.
func newMessages(from, rcptDomain string, size, total, domains int) *messages {
	m := &messages{from: from, rcptDomain: rcptDomain, total: total, runID: time.Now().UnixNano(), domains: domains}
	head := len(m.header(0, time.Now()))
	m.body = buildBody(size - head)
	return m
}

// rcpt is the recipient of message i.
func (m *messages) rcpt(i int) string {
	if m.domains > 1 {
		return fmt.Sprintf("rcpt%d@d%d.%s", i, i%m.domains, m.rcptDomain)
	}
	return fmt.Sprintf("rcpt%d@%s", i, m.rcptDomain)
}

// header returns the header block of message i, ending with the empty
// line that separates it from the body.
func (m *messages) header(i int, now time.Time) string {
	dom := m.from
	if at := strings.LastIndexByte(dom, '@'); at >= 0 {
		dom = dom[at+1:]
	}
	var b strings.Builder
	b.Grow(512)
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: Bench Sender <%s>\r\n", m.from)
	fmt.Fprintf(&b, "To: <%s>\r\n", m.rcpt(i))
	fmt.Fprintf(&b, "Subject: Load test message %d of %d\r\n", i+1, m.total)
	fmt.Fprintf(&b, "Message-ID: <%x.%d@%s>\r\n", m.runID, i, dom)
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=us-ascii\r\n")
	b.WriteString("Content-Transfer-Encoding: 7bit\r\n")
	b.WriteString("\r\n")
	return b.String()
}

// buildBody returns CRLF-terminated lines of words, each at most maxLine
// characters, totalling about n bytes (at least one line).
func buildBody(n int) []byte {
	body := make([]byte, 0, max(n, 0)+maxLine+2)
	line := make([]byte, 0, maxLine)
	w := 0
	for len(body) == 0 || len(body)+len(line)+2 < n {
		word := words[w%len(words)]
		if len(line) > 0 && len(line)+1+len(word) > maxLine {
			body = append(append(body, line...), '\r', '\n')
			line = line[:0]
			continue // the word starts the next line
		}
		w++
		if len(line) > 0 {
			line = append(line, ' ')
		}
		line = append(line, word...)
		if w > 1<<24 { // bound the loop whatever n is
			break
		}
	}
	if len(line) > 0 {
		body = append(append(body, line...), '\r', '\n')
	}
	return body
}
