package bounce

import (
	"fmt"
	"io"
	"strings"
)

// Message classifies one returned message: an RFC 3464 DSN, an RFC 5965
// feedback report, a non-standard bounce, a forwarded bounce, or an RFC
// 3834 auto-reply. It returns one Result per failed or reported recipient,
// and always at least one: a message with nothing recognisable yields one
// Result of class Other. The error is non-nil only when r cannot be read.
// At most MaxMessageBytes are read.
func (c *Classifier) Message(r io.Reader) ([]Result, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxMessageBytes))
	if err != nil {
		return nil, fmt.Errorf("bounce: read message: %w", err)
	}
	res, _ := c.message(raw, 0)
	return res, nil
}

// kind is what a message was recognised as.
type kind uint8

const (
	kindNone kind = iota
	kindDSN
	kindARF
	kindBounce
	kindAutoReply
)

// entity collects what the MIME walk found in one message, outside any
// attached message (whose body belongs to someone else).
type entity struct {
	top        header
	subject    string
	ownSubject string   // subject without the returned message's subject
	texts      []string // decoded text/* parts but HTML
	htmls      []string // HTML parts as text
	dsn        []byte   // message/delivery-status parts, concatenated
	arf        []byte   // the message/feedback-report part
	mdn        bool     // a message/disposition-notification part (RFC 8098)
	reportType string   // the report-type of a multipart/report
	tail       string   // the returned copy in the text, after head
	// ours is true when the message carries sluice's message (attached,
	// or quoted after the text) or was sent to its VERP address: what
	// a bounce of sluice's mail has, and a person's letter has not.
	ours     bool
	returned []header // headers of attached messages and rfc822-headers parts
	attached [][]byte // attached messages, raw
	parts    int
}

// text returns the message's own text: its plain parts, or its HTML parts
// when it has none, bounded.
func (e *entity) text() string {
	ts := e.texts
	if strings.TrimSpace(strings.Join(ts, "")) == "" {
		ts = e.htmls
	}
	s := strings.Join(ts, "\n\n")
	if len(s) > maxText {
		s = s[:maxText]
	}
	return s
}

// walk visits one MIME entity (RFC 2045, RFC 2046), recursing into
// multiparts, and files each part where the classifier will look for it.
func (c *Classifier) walk(e *entity, h header, body []byte, depth int) {
	if e.parts >= maxParts || depth > maxDepth {
		return
	}
	e.parts++
	ct, params := contentType(h.get("content-type"))
	enc := h.get("content-transfer-encoding")
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		if ct == "multipart/report" && e.reportType == "" {
			e.reportType = strings.ToLower(params["report-type"])
		}
		parts := splitMultipart(body, params["boundary"], maxParts-e.parts)
		if parts == nil {
			e.texts = append(e.texts, c.bodyText(params["charset"], enc, body))
			return
		}
		for _, p := range parts {
			ph, pb := parseHeader(p)
			c.walk(e, ph, pb, depth+1)
		}
	case ct == "message/rfc822" || ct == "message/global" || ct == "message/news":
		b := decodeTransfer(enc, body)
		rh, _ := parseHeader(b)
		e.returned = append(e.returned, rh)
		e.attached = append(e.attached, b)
	case ct == "text/rfc822-headers" || ct == "message/rfc822-headers" || ct == "message/global-headers":
		rh, _ := parseHeader(decodeTransfer(enc, body))
		e.returned = append(e.returned, rh)
	case ct == "message/delivery-status" || ct == "message/global-delivery-status":
		if len(e.dsn) < maxText {
			e.dsn = append(e.dsn, decodeTransfer(enc, body)...)
			e.dsn = append(e.dsn, "\n\n"...)
		}
	case ct == "message/feedback-report":
		if e.arf == nil {
			e.arf = decodeTransfer(enc, body)
		}
	case ct == "message/disposition-notification":
		e.mdn = true
	case ct == "application/ms-tnef" || ct == "application/vnd.ms-tnef" ||
		ct == "application/octet-stream" && isWinmailDat(h, params):
		if t := tnefText(decodeTransfer(enc, body)); t != "" {
			e.texts = append(e.texts, t)
		}
	case ct == "text/html":
		e.htmls = append(e.htmls, c.htmlText(c.htmlBody(params["charset"], enc, body)))
	case strings.HasPrefix(ct, "text/"):
		e.texts = append(e.texts, c.bodyText(params["charset"], enc, body))
	}
}

// bodyText decodes a text part's transfer encoding and charset, bounded.
func (c *Classifier) bodyText(charset, enc string, body []byte) string {
	b := decodeTransfer(enc, body)
	if len(b) > maxText {
		b = b[:maxText]
	}
	return c.decodeCharset(charset, b)
}

// htmlBody is bodyText for an HTML part, whose charset may be declared
// only in its own meta tag (metaCharset).
func (c *Classifier) htmlBody(charset, enc string, body []byte) string {
	b := decodeTransfer(enc, body)
	if len(b) > maxText {
		b = b[:maxText]
	}
	if charset == "" {
		charset = metaCharset(b)
	}
	return c.decodeCharset(charset, b)
}

// message classifies raw at the given nesting depth and says what it was.
func (c *Classifier) message(raw []byte, depth int) ([]Result, kind) {
	top, body := parseHeader(raw)
	e := &entity{top: top, subject: c.decodeWords(top.get("subject"))}
	c.walk(e, top, body, depth)
	e.ownSubject = e.subject
	for _, h := range e.returned {
		// A bounce's subject usually quotes the returned message's:
		// its words ("Delayed shipping!") are sluice's, not the bounce's.
		if s := c.decodeWords(h.get("subject")); len(s) > 3 {
			e.ownSubject = strings.Replace(e.ownSubject, s, "", 1)
		}
	}
	text := e.text()
	head, tail := c.splitReturned(text)
	head = c.dropFooters(head)
	e.tail = tail

	var dsnMsg header
	var dsnRcpts []header
	if len(e.dsn) > 0 {
		dsnMsg, dsnRcpts = parseDSN(e.dsn)
	}
	var arf header
	if e.arf != nil {
		arf, _ = parseHeader(e.arf)
	}
	ids := c.identifiers(e, text, dsnMsg, arf)
	e.ours = ids.verp != "" || len(e.returned) > 0 || e.tail != ""

	res, k := c.recognise(e, depth, head, dsnRcpts, arf)
	for i := range res {
		ids.fill(&res[i])
	}
	return res, k
}

// recognise tries each kind of returned message in order of how specific
// its evidence is: structured reports first (RFC 5965, RFC 3464), then
// bounces forwarded by people, then bounces recognised by their sender,
// subject or wording, then looser complaint formats, then auto-replies
// (after bounces, as Exim marks its bounces Auto-Submitted: auto-replied),
// then anything quoting a remote failure reply.
func (c *Classifier) recognise(e *entity, depth int, head string, dsnRcpts []header, arf header) ([]Result, kind) {
	if arf != nil {
		return c.arfResults(e, arf), kindARF
	}
	if r, ok := c.appleUnsubscribe(e); ok {
		return []Result{r}, kindARF
	}
	if res := c.dsnResults(e, head, dsnRcpts); len(res) > 0 {
		return res, kindDSN
	}
	forwarded := c.re.forwardSubject.MatchString(e.subject)
	if loc := c.re.forwardBody.FindStringIndex(head); loc != nil {
		// The forwarder's own words (and signature, with its
		// addresses) come before the forwarded bounce: skip them.
		forwarded = true
		head = head[loc[1]:]
	}
	if forwarded {
		if res, k := c.inner(e, depth); k != kindNone {
			return res, k
		}
	}
	// A person's letter may quote any failure, or forward or paste a
	// notice about someone else's mail; it is no bounce (personal is
	// false when the message carries sluice's mail or identifiers).
	letter := c.personal(e)
	if r, ok := c.moderated(e, head); ok {
		return []Result{r}, kindAutoReply
	}
	if r, ok := c.titledAutoReply(e, head); ok {
		return []Result{r}, kindAutoReply
	}
	if !letter && c.isBounce(e, head) {
		res := c.plainResults(e, head)
		if unclassified(res) {
			if r, ok := c.challenge(e, head); ok {
				return []Result{r}, kindAutoReply
			}
			if r, ok := c.autoReply(e, head); ok {
				return []Result{r}, kindAutoReply
			}
		}
		return res, kindBounce
	}
	if c.looseARF(e) {
		return c.looseARFResults(e), kindARF
	}
	if r, ok := c.mailtoUnsubscribe(e); ok {
		return []Result{r}, kindARF
	}
	if r, ok := c.autoReply(e, head); ok {
		return []Result{r}, kindAutoReply
	}
	// Last, a quoted remote reply is evidence enough, unless the message
	// is a person's reply (which may quote anything).
	// Nor is a newsletter (List-Unsubscribe) that quotes replies as
	// examples.
	if !letter && c.re.replyEnhanced.MatchString(head) && !c.re.replySubject.MatchString(e.subject) && e.top.get("list-unsubscribe") == "" {
		return c.plainResults(e, head), kindBounce
	}
	if !forwarded {
		if res, k := c.inner(e, depth); k != kindNone {
			return res, k
		}
	}
	return []Result{{Class: Other, Reason: ReasonUnclassified, Rule: "unrecognised", Diagnostic: clip(e.subject)}}, kindNone
}

// personal reports a person's letter rather than a machine's notice:
// sent from an address people write from (not a mailer daemon or a
// no-reply address; a support or abuse desk is people too; the address
// decides, as "Postmaster Team" may be people), with
// no Exim failure header, no report, no returned copy, and not to
// sluice's VERP address, where every bounce of its mail goes (the
// envelope sender, RFC 5321 §4.5.5). Customers, admins and list
// members quote SMTP replies ("I got this back: 550 5.1.1 …") to a
// support address; the addresses they quote are no recipients of
// sluice's, and a bounce reading would suppress them.
func (c *Classifier) personal(e *entity) bool {
	if e.ours || e.top.get("x-failed-recipients") != "" || e.reportType != "" {
		return false
	}
	from := c.decodeWords(e.top.get("from"))
	a := c.re.addr.FindString(from)
	if a == "" || c.re.machineName.MatchString(strings.Replace(from, a, "", 1)) {
		return false
	}
	a = cleanAddr(a)
	local, _, _ := strings.Cut(a, "@")
	if strings.EqualFold(local, "postmaster") {
		// RFC 5321 §4.5.1: postmaster is a person's mailbox too. From
		// it, a mail in no bounce's words ("Sam left in October, our
		// server answers 550 5.1.1 now") is a letter.
		return !c.re.bounceBody.MatchString(e.text()) && !c.re.bounceSubject.MatchString(e.subject) &&
			!c.re.delaySubject.MatchString(e.subject)
	}
	return !c.re.daemon.MatchString("<"+a+">") && !c.re.noreply.MatchString(local)
}

// inner classifies attached messages, for bounces forwarded as an
// attachment; only reports and bounces count, as the attachment may be
// sluice's own message. Each level parses its attachments afresh, so the
// fan-out (maxForwardTries) and the depth (maxForwardDepth) are kept small
// to bound the total work.
func (c *Classifier) inner(e *entity, depth int) ([]Result, kind) {
	if depth >= maxForwardDepth {
		return nil, kindNone
	}
	for i, a := range e.attached {
		if i == maxForwardTries {
			break
		}
		res, k := c.message(a, depth+1)
		if k == kindDSN || k == kindARF || k == kindBounce {
			return res, k
		}
	}
	return nil, kindNone
}

// unclassified reports whether no result of a bounce reading found any
// failure to name.
func unclassified(res []Result) bool {
	for _, r := range res {
		if r.Reason != ReasonUnclassified {
			return false
		}
	}
	return true
}

// isWinmailDat reports a TNEF attachment sent under a generic type
// (application/octet-stream) by its name, winmail.dat.
func isWinmailDat(h header, params map[string]string) bool {
	if strings.EqualFold(params["name"], "winmail.dat") {
		return true
	}
	_, dp := contentType(h.get("content-disposition"))
	return strings.EqualFold(dp["filename"], "winmail.dat")
}
