package events

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"

	"sluice/queue"
	"sluice/tracking/internal/binrec"
)

// A deferred or failed event carries the receiver's answer, so that a CRM
// can act on it: the SMTP code, the RFC 3463 enhanced status, the reply
// text, the bounce classifier's class and reason, the MX host and the
// attempt number.

// Bounds of the outcome's strings, in bytes; longer values are cut at a
// rune boundary.
const (
	// MaxReply bounds Reply.
	MaxReply = 512
	// maxEnhanced bounds Enhanced: "5.999.999" is the longest RFC 3463
	// code.
	maxEnhanced = 9
	// maxHost bounds MX (RFC 1035 §2.3.4: 255 octets).
	maxHost = 255
)

// Outcome is the receiver's answer to one delivery attempt, as the spool's
// journal records it (queue.JournalEntry: Code, Enhanced, Reply, MX,
// Attempt).
type Outcome struct {
	Code     int    // SMTP reply code, 0 if none
	Enhanced string // RFC 3463 status ("5.1.1"), "" if none
	Reply    string // reply text or local reason
	MX       string // the host that answered, "" if none was reached
	Attempt  uint32 // 1 for the first attempt
}

// Classify names the bounce classifier's class and reason for an SMTP
// reply from site (the MX host, which operator rules may select on).
// cmd/sluice passes a closure over mta/bounce's Classifier.ReplyFrom, so
// that this package does not depend on the classifier.
type Classify func(site string, code int, enhanced, reply string) (class, reason string)

// SetOutcome records o on ev (a deferred or failed event), with the class
// and reason classify gives its reply. An event that already has a Reason
// (a local decision such as ReasonSuppressed or ReasonOperatorBounce)
// keeps it and gets no class: nothing answered it. A nil classify, or an
// outcome with neither code nor text, leaves Class empty. The strings are
// bounded when the event is stored.
func (ev *Event) SetOutcome(o Outcome, classify Classify) {
	ev.Code, ev.Enhanced, ev.Reply, ev.MX, ev.Attempt = o.Code, o.Enhanced, o.Reply, o.MX, o.Attempt
	if ev.Reason != "" || classify == nil || (o.Code == 0 && o.Reply == "") {
		return
	}
	ev.Class, ev.Reason = classify(o.MX, o.Code, o.Enhanced, o.Reply)
}

// hasOutcome reports whether ev has any outcome field set (its record then
// has the outcome part).
func (ev *Event) hasOutcome() bool {
	return ev.Code != 0 || ev.Attempt != 0 || ev.Enhanced != "" || ev.Reply != "" || ev.Class != "" || ev.MX != ""
}

// normalizeOutcome bounds the outcome's fields: the reply text comes from
// a stranger's server and ends up in JSON a CRM parses and logs, so it is
// made valid UTF-8 without control characters.
func (ev *Event) normalizeOutcome() {
	if ev.Code < 0 || ev.Code > 999 {
		ev.Code = 0
	}
	ev.Enhanced = CleanEnhanced(ev.Enhanced)
	ev.Reply = CleanText(ev.Reply, MaxReply)
	ev.Class = CleanText(ev.Class, maxField)
	ev.MX = CleanText(ev.MX, maxHost)
}

// CleanText makes s fit for an event: invalid UTF-8 and control
// characters (C0, DEL, C1: CR and LF included, so a reply cannot forge a
// log line) become spaces, runs of spaces one, the ends trimmed, and the
// result cut to n bytes at a rune boundary.
func CleanText(s string, n int) string {
	clean := len(s) <= n && utf8.ValidString(s)
	for i := 0; clean && i < len(s); i++ {
		c := s[i]
		clean = c >= ' ' && c != 0x7f && !(c == 0xc2 && i+1 < len(s) && s[i+1] < 0xa0) &&
			!(c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' '))
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), n))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size <= 1 || r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == ' ' {
			space = b.Len() > 0
			continue
		}
		l := utf8.RuneLen(r)
		if space {
			l++
		}
		if b.Len()+l > n {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CleanEnhanced returns s if it is an RFC 3463 §2 status code
// (class "." subject "." detail: class 2, 4 or 5, subject and detail of
// one to three digits), else "".
func CleanEnhanced(s string) string {
	if len(s) < 5 || len(s) > maxEnhanced || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return ""
	}
	parts := 0
	digits := 0
	for i := 2; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
			if digits > 3 {
				return ""
			}
		case c == '.' && digits > 0 && parts == 0:
			parts, digits = 1, 0
		default:
			return ""
		}
	}
	if parts != 1 || digits == 0 {
		return ""
	}
	return s
}

// appendOutcome appends the outcome part of ev's record.
func appendOutcome(rec []byte, ev *Event) []byte {
	rec = binary.AppendUvarint(rec, uint64(max(ev.Code, 0)))
	rec = binary.AppendUvarint(rec, uint64(ev.Attempt))
	rec = binrec.AppendString(rec, ev.Enhanced)
	rec = binrec.AppendString(rec, ev.Reply)
	rec = binrec.AppendString(rec, ev.Class)
	return binrec.AppendString(rec, ev.MX)
}

// readOutcome reads the outcome part of a record into ev; r.Bad reports
// a damaged one.
func readOutcome(r *binrec.Reader, ev *Event) {
	ev.Code = int(r.Uvarint() & 0x3FF)
	ev.Attempt = uint32(r.Uvarint())
	ev.Enhanced = r.Str()
	ev.Reply = r.Str()
	ev.Class = r.Str()
	ev.MX = r.Str()
}

// OutcomeOf is the outcome a spool journal entry records (deferred,
// failed).
func OutcomeOf(e *queue.JournalEntry) Outcome {
	return Outcome{Code: int(e.Code), Enhanced: e.Enhanced, Reply: e.Reply, MX: e.MX, Attempt: e.Attempt}
}
