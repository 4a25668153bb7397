package bounce

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// isPerRecipient reports whether a field is one of RFC 3464 §2.3's
// per-recipient fields (or a common extension of them); any of them before
// a Final-Recipient still belongs to a recipient.
func isPerRecipient(name string) bool {
	switch name {
	case "original-recipient", "final-recipient", "action", "status", "remote-mta",
		"diagnostic-code", "last-attempt-date", "final-log-id", "will-retry-until",
		"x-actual-recipient", "x-display-name", "x-supplementary-info":
		return true
	}
	return false
}

// parseDSN splits a message/delivery-status body (RFC 3464 §2.1: a
// per-message block, then one block per recipient, separated by empty
// lines) into its per-message fields and per-recipient groups. Real DSNs
// drop the empty lines, repeat blocks or start with recipient fields, so a
// new recipient begins at a Final-Recipient or Original-Recipient whenever
// the current one already has that field or a new block started.
func parseDSN(b []byte) (header, []header) {
	var msg header
	var rcpts []header
	var cur header
	newBlock := false
	flush := func() {
		if len(cur) > 0 && len(rcpts) < maxRecipients {
			rcpts = append(rcpts, cur)
		}
		cur = nil
	}
	rest := b
	for len(rest) > 0 {
		h, next := parseHeader(rest)
		if len(h) == 0 {
			// An empty line or a line that is no field: skip one line.
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				break
			}
			next = rest[i+1:]
			newBlock = true
		}
		for _, f := range h {
			switch {
			case f.name == "original-recipient" || f.name == "final-recipient":
				// RFC 3464 puts Original-Recipient first, Postfix puts it
				// second: either may open a recipient, the other joins it
				// unless the recipient is already complete.
				complete := cur.get("action") != "" || cur.get("status") != ""
				if len(cur) > 0 && (newBlock || cur.get(f.name) != "" || complete) {
					flush()
				}
				cur = append(cur, f)
			case isPerRecipient(f.name):
				if len(cur) > 0 && newBlock && cur.get(f.name) != "" {
					flush()
				}
				cur = append(cur, f)
			case len(cur) > 0:
				cur = append(cur, f)
			default:
				msg = append(msg, f)
			}
			newBlock = false
		}
		if len(h) > 0 {
			newBlock = true
		}
		rest = next
	}
	flush()
	return msg, rcpts
}

// classifyDSN classifies one recipient of a DSN, preferring what the
// reporting MTA recorded for it (Status, Diagnostic-Code) over the human-
// readable text, which gateways decorate with scanner stamps and
// footers: the text decides only when the recorded fields gave no
// decisive verdict, and it may not contradict a status code that has an
// opinion.
func (c *Classifier) classifyDSN(s signal) verdict {
	// The stage of the reply is in the text, not the fields.
	v := c.spamBeforeData(c.policyWordedUnknown(c.atSenderStage(c.classifyDSNFields(s), s.texts), s.texts), s.texts)
	v.beforeData = c.quotesBeforeData(s.texts)
	v.hard = v.class == HardInvalidRecipient
	// The human-readable text may still say the message expired (Postfix
	// writes "message could not be delivered for 5 days" there only).
	lower := make([]string, len(s.texts))
	for i, t := range s.texts {
		lower[i] = strings.ToLower(t)
	}
	return c.settleReason(v, s, lower)
}

// classifyDSNFields is classifyDSN's choice between the recorded fields and
// the text.
func (c *Classifier) classifyDSNFields(s signal) verdict {
	texts := s.texts
	s.texts = texts[:1]
	v := c.classify(s)
	if v.strong || len(texts) < 2 || texts[1] == "" {
		return v
	}
	// The diagnostic already failed to decide: read only the text.
	s.texts = []string{"", texts[1]}
	w := c.classify(s)
	if !w.strong {
		return v
	}
	if sv, ok := c.statusClass(s.enhanced); ok && sv.class != w.class {
		return v
	}
	return w
}

// domainOf returns the domain of an address, "" if none.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// mtaHost returns the host of a Remote-MTA value ("dns; mx.example.net").
func mtaHost(v string) string {
	_, h := typedValue(oneLine(v))
	return strings.Trim(h, "[] ")
}

// typedValue strips the type prefix of a DSN field ("rfc822; x@y",
// "dns; mx.example", "smtp; 550 …") and returns type and value.
func typedValue(v string) (string, string) {
	t, val, ok := strings.Cut(v, ";")
	if !ok || strings.ContainsAny(t, " <@") {
		return "", strings.TrimSpace(v)
	}
	return strings.ToLower(strings.TrimSpace(t)), strings.TrimSpace(val)
}

// dsnAddress extracts the address from an Original-Recipient or
// Final-Recipient value.
func (c *Classifier) dsnAddress(v string) string {
	typ, val := typedValue(oneLine(v))
	if typ == "utf-8" {
		val = unescapeUTF8Addr(val)
	}
	if a := c.re.addr.FindString(val); a != "" {
		return cleanAddr(a)
	}
	return ""
}

// dsnResults builds one Result per failed or delayed recipient of an RFC
// 3464 report. Successful notifications (delivered, relayed, expanded)
// yield a single Other. The human-readable part (head) supplies text when
// a recipient has no Diagnostic-Code.
func (c *Classifier) dsnResults(e *entity, head string, rcpts []header) []Result {
	var res []Result
	var delivered []header // recipients reported delivered, relayed or expanded
	segs := newSegmenter(head, c.dsnAddresses(rcpts))
	for _, r := range rcpts {
		action := dsnAction(r)
		switch action {
		case "delivered", "relayed", "expanded":
			delivered = append(delivered, r)
			continue
		}
		addr, ok := c.dsnRecipient(e, head, r, len(rcpts))
		if !ok {
			continue
		}
		res = append(res, c.dsnFailure(r, action, addr, c.dsnSegment(segs, addr, head, len(rcpts))))
		if len(res) == maxRecipients {
			break
		}
	}
	return c.dsnSuccesses(res, delivered)
}

// dsnAddresses lists every address a report's recipient groups name
// (Final-Recipient, then Original-Recipient), for the segmenter to find
// in the human-readable part.
func (c *Classifier) dsnAddresses(rcpts []header) []string {
	var addrs []string
	for _, r := range rcpts {
		if a := c.dsnAddress(r.get("final-recipient")); a != "" {
			addrs = append(addrs, a)
		}
		if a := c.dsnAddress(r.get("original-recipient")); a != "" {
			addrs = append(addrs, a)
		}
	}
	return addrs
}

// dsnAction returns a recipient's RFC 3464 §2.3.3 Action, lowercase, its
// first word only ("failed (bad address)" is failed); "x" when absent.
func dsnAction(r header) string {
	return strings.ToLower(strings.TrimSpace(strings.Fields(oneLine(r.get("action")) + " x")[0]))
}

// dsnStatus returns a recipient's RFC 3464 §2.3.4 Status when it is a
// valid RFC 3463 code, "" otherwise.
func dsnStatus(r header) string {
	return validEnhanced(strings.Fields(oneLine(r.get("status")) + " x")[0])
}

// dsnRecipient returns the address a recipient group reports on, the
// Original-Recipient first (what the sender wrote), else the
// Final-Recipient. ok is false for a group that names no address and
// records neither Status nor Diagnostic-Code: nothing to report. A lone
// recipient whose fields were left out or redacted may still be named in
// the report's text.
func (c *Classifier) dsnRecipient(e *entity, head string, r header, nrcpts int) (addr string, ok bool) {
	addr = c.dsnAddress(r.get("original-recipient"))
	if addr == "" {
		addr = c.dsnAddress(r.get("final-recipient"))
	}
	if addr == "" && r.get("status") == "" && r.get("diagnostic-code") == "" {
		return "", false
	}
	if addr == "" && nrcpts == 1 {
		if as := c.recipients(e, head, c.exclusions(e, head)); len(as) == 1 {
			addr = as[0]
		}
	}
	return addr, true
}

// dsnDiag is a recipient's Diagnostic-Code (RFC 3464 §2.3.6) taken apart.
type dsnDiag struct {
	raw  string // the value after its type, "" if none
	code int    // the SMTP reply code, 0 if none or not an SMTP diagnostic
	enh  string // the RFC 3463 code found in it, "" if none
	text string // the reply text
}

// parseDiagnostic reads a Diagnostic-Code value ("smtp; 550 5.1.1 …"). A
// value that is no reply line still yields the first reply or enhanced
// code found in it; the number of a non-SMTP diagnostic type ("x-postfix"
// excepted) is no reply code.
func (c *Classifier) parseDiagnostic(v string) dsnDiag {
	typ, raw := typedValue(v)
	d := dsnDiag{raw: raw}
	switch {
	case raw == "":
	case isDigit(raw[0]):
		d.code, d.enh, d.text = ParseReply(raw)
	default:
		d.text = collapse(raw)
		if fr, ok := c.findReply(raw); ok {
			d.code, d.enh = fr.code, fr.enhanced
		}
	}
	if d.enh == "" && d.text != "" {
		d.enh = c.findEnhanced(d.text)
	}
	if d.code != 0 && typ != "" && typ != "smtp" && !strings.HasPrefix(typ, "x-") {
		d.code = 0
	}
	return d
}

// settleStatus returns the status to report: the recorded Status, unless
// it is missing or an uninformative X.0.0 while the diagnostic names a
// finer code.
func settleStatus(status, enh string) string {
	if status == "" || (strings.HasSuffix(status, ".0.0") && enh != "" && !strings.HasSuffix(enh, ".0.0")) {
		if enh != "" {
			return enh
		}
	}
	return status
}

// dsnSegment returns the part of the human-readable text about addr; a
// report on a single recipient lends it the whole text (bounded by
// maxSegment) when the text does not name the address.
func (c *Classifier) dsnSegment(segs *segmenter, addr, head string, nrcpts int) string {
	seg := segs.segment(addr)
	if seg == "" && nrcpts == 1 {
		seg = head
		if len(seg) > maxSegment {
			seg = seg[:maxSegment]
		}
	}
	return seg
}

// dsnFailure classifies one failed or delayed recipient group and builds
// its Result.
func (c *Classifier) dsnFailure(r header, action, addr, seg string) Result {
	d := c.parseDiagnostic(r.get("diagnostic-code"))
	status := settleStatus(dsnStatus(r), d.enh)
	sites := []string{domainOf(addr), mtaHost(r.get("remote-mta"))}
	v := c.classifyDSN(signal{code: d.code, enhanced: status, action: action, texts: []string{d.text, seg}, sites: sites})
	_, mta := typedValue(oneLine(r.get("remote-mta")))
	res := v.result(addr, status, c.dsnWhy(d, v, seg))
	res.RemoteMTA = mta
	return res
}

// dsnWhy chooses the diagnostic to show for a recipient: its
// Diagnostic-Code (re-formatted when it is a reply line), else the line of
// the text that decided, else the first reply found in the text.
func (c *Classifier) dsnWhy(d dsnDiag, v verdict, seg string) string {
	switch {
	case d.raw != "" && isDigit(d.raw[0]):
		return formatReply(d.code, d.enh, d.text)
	case d.raw != "":
		return d.raw
	case v.text == 1:
		return lineAt(seg, v.pos)
	}
	if fr, ok := c.findReply(seg); ok {
		return fr.line
	}
	return ""
}

// dsnSuccesses completes res for a report of success only (RFC 3464
// Action: delivered, relayed, expanded): one Other per recipient, which
// nobody should act on. In a report that mixes them with failures (a
// Sendmail DSN listing failed, delayed and relayed recipients) each
// recipient still gets its own row, after the failures.
func (c *Classifier) dsnSuccesses(res []Result, delivered []header) []Result {
	for _, r := range delivered {
		if len(res) == maxRecipients {
			break
		}
		res = append(res, Result{Recipient: c.dsnAddress(r.get("final-recipient")),
			Status: dsnStatus(r),
			Class:  Other, Reason: ReasonSuccess, Rule: "dsn-success", Decisive: true,
			Diagnostic: "delivery status notification: delivered"})
	}
	return res
}

// unescapeUTF8Addr decodes the "\x{HEXPOINT}" escapes of a utf-8 address
// type (RFC 6533 §3, utf-8-addr-xtext and utf-8-addr-unitext: "jos\x{E9}"
// is "josé"). An escape that names no valid character is left as it is.
func unescapeUTF8Addr(s string) string {
	if !strings.Contains(s, `\x{`) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, `\x{`)
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+3:], '}')
		if j < 1 || j > 6 {
			b.WriteString(s[:i+3])
			s = s[i+3:]
			continue
		}
		n, err := strconv.ParseUint(s[i+3:i+3+j], 16, 32)
		if err != nil || n == 0 || !utf8.ValidRune(rune(n)) {
			b.WriteString(s[:i+3])
			s = s[i+3:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteRune(rune(n))
		s = s[i+4+j:]
	}
	b.WriteString(s)
	return b.String()
}
