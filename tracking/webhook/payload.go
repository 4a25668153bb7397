package webhook

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"sluice/queue"
	"sluice/tracking/events"
)

// Payload is the JSON body of a webhook request.
type Payload struct {
	// Events are in the order they were stored.
	Events []Event `json:"events"`
}

// Event is one event as sent.
type Event struct {
	// ID identifies the event for deduplication: 32 hex digits, the same
	// on every retry, unique across tenants and sluice processes.
	ID string `json:"id"`
	// Kind is sent, delivered, deferred, failed, bounce, complaint, open,
	// click or unsubscribe.
	Kind string `json:"kind"`
	// Time is when it happened, RFC 3339 with nanoseconds, UTC.
	Time string `json:"time"`
	// Tenant is the sending tenant.
	Tenant string `json:"tenant"`
	// Campaign is the message's X-Sluice-Campaign, or empty.
	Campaign string `json:"campaign"`
	// MessageID is the spool's message id, 16 hex digits, as in the
	// submission reply "250 2.0.0 queued as <id>".
	MessageID string `json:"message_id"`
	// Rcpt is the recipient's index in the message's RCPT TO order.
	Rcpt uint32 `json:"rcpt"`
	// Recipient is the recipient's address when the sender knows it (a
	// node, within queue.directory_retention), else absent.
	Recipient string `json:"recipient,omitempty"`
	// Link is the index of the clicked link, for clicks only.
	Link *int `json:"link,omitempty"`
	// Machine is true for opens and clicks made by software (security
	// scanners, prefetching image proxies) rather than a person.
	Machine bool `json:"machine"`
	// Reason says why: for a machine's open or click, the rule that
	// classified it ("head", "honeypot", "scanner_agent", "scanner_ip",
	// "early", "burst", "no_agent", "apple_mpp"); for a bounce or
	// complaint, its class; for a deferred or failed delivery the
	// receiver answered, the bounce classifier's reason ("user_unknown",
	// "blocked_ip", "rate_limited", …; see Class); "suppressed" or
	// "operator_bounce" for a failure decided here; empty when there is
	// nothing to say.
	Reason string `json:"reason"`
	// Proxy names the image proxy that fetched an open ("google",
	// "yahoo", "apple"), or is empty.
	Proxy string `json:"proxy"`
	// IP is the client's address as the edge keeps it (by default
	// truncated to /24 or /48), or empty.
	IP string `json:"ip"`
	// UAClass is the client's user agent class ("browser", "apple_proxy",
	// "google_proxy", "yahoo_proxy", "scanner", "unknown"), or empty.
	UAClass string `json:"ua_class"`

	// The receiver's answer, on deferred and failed events only (absent
	// on the others, and each absent when unknown):

	// SMTPCode is the SMTP reply code (550, 421…); absent when there was
	// no reply (DNS or network failure, expiry).
	SMTPCode int `json:"smtp_code,omitempty"`
	// EnhancedStatus is the RFC 3463 status ("5.1.1", "4.7.0").
	EnhancedStatus string `json:"enhanced_status,omitempty"`
	// Reply is the reply text (or local reason), at most 512 bytes of
	// UTF-8 without control characters.
	Reply string `json:"reply,omitempty"`
	// Class is the bounce classifier's class of the reply:
	// hard_invalid_recipient, soft_mailbox_full, soft_temporary,
	// policy_blocked, spam_blocked, rate_limited, other (mta/bounce).
	Class string `json:"class,omitempty"`
	// MX is the receiving host that answered.
	MX string `json:"mx,omitempty"`
	// Attempt is the delivery attempt's number, 1 for the first.
	Attempt uint32 `json:"attempt,omitempty"`

	// How a delivery attempt's session was secured, on delivered,
	// deferred and failed events when known (absent otherwise, and on
	// events queued before it was kept):

	// TLS is true when the session ran over TLS, false when the mail
	// went (or would have gone) in clear.
	TLS *bool `json:"tls,omitempty"`
	// TLSVerified is true when the receiver's certificate was verified
	// (WebPKI, MTA-STS or DANE), not merely used.
	TLSVerified bool `json:"tls_verified,omitempty"`
	// TLSVersion ("TLS 1.3") and TLSCipher (the IANA cipher suite name)
	// describe the session.
	TLSVersion string `json:"tls_version,omitempty"`
	TLSCipher  string `json:"tls_cipher,omitempty"`
	// TLSPolicy names the transport security policy that applied:
	// opportunistic, require, verify, "mta-sts enforce", "mta-sts
	// testing", dane, or exempt (a TLS report, RFC 8460 §5.3).
	TLSPolicy string `json:"tls_policy,omitempty"`
	// TLSResult is its verdict as an RFC 8460 §4.3 result type: success,
	// starttls-not-supported, certificate-host-mismatch, tlsa-invalid…
	// A deferral with a result other than success was the policy's own
	// decision (the mail is never sent in clear under an enforced policy).
	TLSResult string `json:"tls_result,omitempty"`

	// Rerouted says why a delivered, deferred or failed recipient's mail
	// left from another of the pool's sending addresses than the one
	// first chosen ("source … warming up: today's allowance at gmail is
	// spent", "source … blocklisted at outlook until …: …"), or why it
	// waits for one; absent when it did not move. At most 256 bytes of
	// UTF-8 without control characters; it may quote the receiver's reply.
	Rerouted string `json:"rerouted,omitempty"`
}

// RecipientFunc returns the address of recipient rcpt of tenant's
// message, or "" when unknown.
type RecipientFunc func(tenant string, message uint64, rcpt uint32) string

// eventID is the id of the entry at pos of a queue whose id prefix is
// prefix: prefix (8 bytes), the value's sequence number (6 bytes) and the
// entry's index in it (2 bytes), in hex.
func eventID(prefix [8]byte, pos position) string {
	var b [16]byte
	copy(b[:8], prefix[:])
	binary.BigEndian.PutUint64(b[8:], pos.seq<<16|uint64(pos.idx&0xFFFF))
	return hex.EncodeToString(b[:])
}

// body returns the JSON body of entries of a queue with id prefix
// prefix.
func body(prefix [8]byte, entries []entry, recipient RecipientFunc) ([]byte, error) {
	p := Payload{Events: make([]Event, len(entries))}
	for i := range entries {
		e := &entries[i]
		p.Events[i] = payloadEvent(prefix, e)
		if recipient != nil {
			p.Events[i].Recipient = recipient(e.ev.Tenant, e.ev.Message, e.ev.Rcpt)
		}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("webhook: encode: %w", err)
	}
	return b, nil
}

// payloadEvent is entry e of a queue with id prefix prefix as sent,
// without its recipient address.
func payloadEvent(prefix [8]byte, e *entry) Event {
	ev := &e.ev
	out := Event{
		ID:        eventID(prefix, e.pos),
		Kind:      string(ev.Kind),
		Time:      ev.Time.UTC().Format(time.RFC3339Nano),
		Tenant:    ev.Tenant,
		Campaign:  ev.Campaign,
		MessageID: queue.ID(ev.Message).String(),
		Rcpt:      ev.Rcpt,
		Machine:   ev.Machine,
		Reason:    ev.Reason,
		Proxy:     ev.Proxy,
		IP:        ev.IP,
		UAClass:   ev.UAClass,

		SMTPCode:       ev.Code,
		EnhancedStatus: ev.Enhanced,
		Reply:          ev.Reply,
		Class:          ev.Class,
		MX:             ev.MX,
		Attempt:        ev.Attempt,

		Rerouted: ev.Rerouted,
	}
	if ev.Kind == events.KindClick {
		link := ev.Link
		out.Link = &link
	}
	out.setTLS(&ev.TLS)
	return out
}
