package accounting

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"sluice/internal/logging"
	"sluice/tracking/events"
)

// Line is one line of the accounting log: one event, as JSON. The field
// names are the schema (see the package doc); empty fields are left out.
type Line struct {
	// Seq orders the lines of one node's log and identifies each: a
	// consumer that reads a line twice (a file copied twice) can drop
	// the second by it.
	Seq uint64 `json:"seq"`
	// Time is when the event happened, RFC 3339 with nanoseconds, UTC.
	Time string `json:"time"`
	// Type is the event kind: sent, delivered, deferred, failed, bounce,
	// complaint, unsubscribe, deleted, open, click.
	Type string `json:"type"`
	// Tenant is the sending tenant; Campaign its X-Sluice-Campaign.
	Tenant   string `json:"tenant"`
	Campaign string `json:"campaign,omitempty"`
	// MsgID is the spool's message id (16 hex digits, as in "250 2.0.0
	// queued as <id>"); RcptIndex the recipient's index in RCPT TO order.
	MsgID     string `json:"msgid"`
	RcptIndex uint32 `json:"rcpt_index"`
	// The recipient, as log.recipients says: the address (full), its
	// keyed hash (hash, the one `ctl privacy export` prints) or its
	// domain (domain). Absent once the spool's directory forgot it.
	Rcpt       string `json:"rcpt,omitempty"`
	RcptHash   string `json:"rcpt_hash,omitempty"`
	RcptDomain string `json:"rcpt_domain,omitempty"`
	// The receiver's answer (deferred, failed): the MX that gave it, the
	// SMTP code (RFC 5321 §4.2), the RFC 3463 enhanced status, the reply
	// text (bounded, cleaned), the classifier's class, and the attempt.
	MX       string `json:"mx,omitempty"`
	Code     int    `json:"code,omitempty"`
	Enhanced string `json:"enhanced,omitempty"`
	Reply    string `json:"reply,omitempty"`
	Class    string `json:"class,omitempty"`
	Attempt  uint32 `json:"attempt,omitempty"`
	// Reason is the finer reason (the classifier's, "suppressed",
	// "operator_bounce", a machine open's rule).
	Reason string `json:"reason,omitempty"`
	// Machine marks opens and clicks made by software; Link is a click's
	// link index.
	Machine bool `json:"machine,omitempty"`
	Link    *int `json:"link,omitempty"`
}

// stored is an event as the outbox keeps it until it is written: the
// line without its sequence (the outbox key gives it) and recipient
// (looked up when written, outside the events store's transaction).
type stored struct {
	Line
	Msg uint64 `json:"m"`
}

// fromEvent makes the stored form of ev.
func fromEvent(ev *events.Event) stored {
	l := Line{
		Time: ev.Time.UTC().Format(time.RFC3339Nano), Type: string(ev.Kind),
		Tenant: ev.Tenant, Campaign: ev.Campaign, MsgID: msgID(ev.Message), RcptIndex: ev.Rcpt,
		MX: ev.MX, Code: ev.Code, Enhanced: ev.Enhanced, Reply: ev.Reply, Class: ev.Class,
		Attempt: ev.Attempt, Reason: ev.Reason, Machine: ev.Machine,
	}
	if ev.Kind == events.KindClick {
		link := ev.Link
		l.Link = &link
	}
	return stored{Line: l, Msg: ev.Message}
}

// msgID formats a spool message id as queue.ID.String does.
func msgID(id uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], id)
	return hex.EncodeToString(b[:])
}

// RecipientFunc returns the address of recipient rcpt of tenant's message
// msg, or "" when unknown (purged, or another tenant's message):
// webhook.DirectoryRecipients over the spool fits.
type RecipientFunc func(tenant string, msg uint64, rcpt uint32) string

// redactor fills in a line's recipient by the configured mode.
type redactor struct {
	mode      logging.Mode
	hash      logging.Hasher // the spool's HashAddr; nil: domain in hash mode
	recipient RecipientFunc  // nil: no recipient
}

func (r redactor) fill(l *Line, msg uint64) {
	if r.recipient == nil {
		return
	}
	addr := r.recipient(l.Tenant, msg, l.RcptIndex)
	if addr == "" {
		return
	}
	switch {
	case r.mode == logging.Full:
		l.Rcpt = addr
	case r.mode == logging.Hash && r.hash != nil:
		l.RcptHash = r.hash(l.Tenant, addr)
	default:
		if i := strings.LastIndexByte(addr, '@'); i >= 0 {
			l.RcptDomain = strings.ToLower(addr[i+1:])
		}
	}
}

// render decodes one stored line and returns the final JSON line (with
// its newline) of sequence seq.
func (r redactor) render(b []byte, rec []byte, seq uint64) ([]byte, error) {
	var s stored
	if err := json.Unmarshal(rec, &s); err != nil {
		return b, fmt.Errorf("accounting: stored line %d: %w", seq, err)
	}
	s.Line.Seq = seq
	r.fill(&s.Line, s.Msg)
	out, err := json.Marshal(&s.Line)
	if err != nil {
		return b, fmt.Errorf("accounting: line %d: %w", seq, err)
	}
	b = append(b, out...)
	return append(b, '\n'), nil
}

// lineHead is what recovery reads of a line written before.
type lineHead struct {
	Seq  uint64 `json:"seq"`
	Time string `json:"time"`
}
