package bounce

import (
	"strings"
)

// idents are the identifiers of sluice's outgoing message found in a
// returned one.
type idents struct {
	messageID         string // queue id
	originalMessageID string // Message-ID of the returned message
	verp              string // "b.<token>"
}

// fill copies the identifiers into a Result where it has none.
func (ids idents) fill(r *Result) {
	if r.MessageID == "" {
		r.MessageID = ids.messageID
	}
	if r.OriginalMessageID == "" {
		r.OriginalMessageID = ids.originalMessageID
	}
	if r.VERP == "" {
		r.VERP = ids.verp
	}
}

// identifiers searches, most reliable first: the returned headers
// (X-Sluice-ID, Message-ID), the DSN's envelope id (RFC 3461 ENVID, which
// sluice may set to its queue id), header lines copied into the text of
// plain-text bounces, and the report's own In-Reply-To and References
// (auto-replies cite the message they answer).
func (c *Classifier) identifiers(e *entity, text string, dsnMsg, arf header) idents {
	var ids idents
	setID := func(v string) {
		v = strings.TrimSpace(oneLine(v))
		if ids.messageID == "" && c.re.queueID.MatchString(v) {
			ids.messageID = v
		}
	}
	setMsgID := func(v string) {
		m := c.re.msgid.FindStringSubmatch(oneLine(v))
		if m == nil {
			return
		}
		if ids.originalMessageID == "" {
			ids.originalMessageID = m[1]
		}
		if ids.messageID == "" && m[2] != "" {
			ids.messageID = m[2]
		}
	}
	setVERP := func(v string) {
		if ids.verp != "" {
			return
		}
		if m := c.re.verp.FindStringSubmatch(v); m != nil {
			ids.verp = m[1]
		}
	}

	inline := c.re.inlineField.FindAllStringSubmatch(text, 100)
	for _, h := range e.returned {
		setID(h.get("x-sluice-id"))
	}
	setID(dsnMsg.get("original-envelope-id"))
	setID(arf.get("original-envelope-id"))
	for _, m := range inline {
		if strings.EqualFold(m[1], "x-sluice-id") {
			setID(m[2])
		}
	}
	for _, h := range e.returned {
		setMsgID(h.get("message-id"))
	}
	for _, m := range inline {
		if strings.EqualFold(m[1], "message-id") {
			setMsgID(m[2])
		}
	}
	setMsgID(e.top.get("in-reply-to"))
	for _, ref := range strings.Fields(e.top.get("references")) {
		if ids.messageID == "" {
			if m := c.re.msgid.FindStringSubmatch(ref); m != nil && m[2] != "" {
				ids.messageID = m[2]
			}
		}
	}

	setVERP(dsnMsg.get("x-postfix-sender"))
	setVERP(arf.get("original-mail-from"))
	for _, h := range e.returned {
		setVERP(h.get("return-path"))
	}
	// Fields of the report itself that carry the address it was sent to,
	// which is where a VERP address shows up.
	for _, name := range []string{"return-path", "to", "delivered-to", "x-original-to",
		"envelope-to", "x-envelope-to", "x-rcpt-to"} {
		setVERP(e.top.get(name))
	}
	for _, m := range inline {
		switch strings.ToLower(m[1]) {
		case "return-path", "x-postfix-sender", "original-mail-from", "to", "delivered-to":
			setVERP(m[2])
		}
	}
	return ids
}

// cleanAddr trims the punctuation that surrounds addresses in prose.
func cleanAddr(a string) string {
	return strings.Trim(a, ".-'\"<>()[]{},;:")
}
