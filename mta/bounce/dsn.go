package bounce

import (
	"bytes"
	"strings"
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
	v := c.classifyDSNFields(s)
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
	_, val := typedValue(oneLine(v))
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
	var addrs []string
	for _, r := range rcpts {
		if a := c.dsnAddress(r.get("final-recipient")); a != "" {
			addrs = append(addrs, a)
		}
		if a := c.dsnAddress(r.get("original-recipient")); a != "" {
			addrs = append(addrs, a)
		}
	}
	segs := newSegmenter(head, addrs)
	for _, r := range rcpts {
		action := strings.ToLower(strings.TrimSpace(strings.Fields(oneLine(r.get("action")) + " x")[0]))
		switch action {
		case "delivered", "relayed", "expanded":
			delivered = append(delivered, r)
			continue
		}
		addr := c.dsnAddress(r.get("original-recipient"))
		if addr == "" {
			addr = c.dsnAddress(r.get("final-recipient"))
		}
		if addr == "" && r.get("status") == "" && r.get("diagnostic-code") == "" {
			continue
		}
		if addr == "" && len(rcpts) == 1 {
			// A DSN whose recipient fields were left out or redacted:
			// the address may still be named in its text.
			if as := c.recipients(e, head, c.exclusions(e, head)); len(as) == 1 {
				addr = as[0]
			}
		}
		status := validEnhanced(strings.Fields(oneLine(r.get("status")) + " x")[0])
		diagType, diag := typedValue(r.get("diagnostic-code"))
		var code int
		var enh, text string
		switch {
		case diag == "":
		case isDigit(diag[0]):
			code, enh, text = ParseReply(diag)
		default:
			text = collapse(diag)
			if fr, ok := c.findReply(diag); ok {
				code, enh = fr.code, fr.enhanced
			}
		}
		if enh == "" && text != "" {
			enh = c.findEnhanced(text)
		}
		if code != 0 && diagType != "" && diagType != "smtp" && !strings.HasPrefix(diagType, "x-") {
			code = 0 // a non-SMTP diagnostic's number is no reply code
		}
		if status == "" || (strings.HasSuffix(status, ".0.0") && enh != "" && !strings.HasSuffix(enh, ".0.0")) {
			if enh != "" {
				status = enh
			}
		}
		seg := segs.segment(addr)
		if seg == "" && len(rcpts) == 1 {
			seg = head
			if len(seg) > maxSegment {
				seg = seg[:maxSegment]
			}
		}
		sites := []string{domainOf(addr), mtaHost(r.get("remote-mta"))}
		v := c.classifyDSN(signal{code: code, enhanced: status, action: action, texts: []string{text, seg}, sites: sites})
		why := ""
		switch {
		case diag != "" && isDigit(diag[0]):
			why = formatReply(code, enh, text)
		case diag != "":
			why = diag
		case v.text == 1:
			why = lineAt(seg, v.pos)
		default:
			if fr, ok := c.findReply(seg); ok {
				why = fr.line
			}
		}
		_, mta := typedValue(oneLine(r.get("remote-mta")))
		res = append(res, Result{
			Recipient:  addr,
			Status:     status,
			Class:      v.class,
			Hard:       v.hard,
			Reason:     v.reason,
			Rule:       v.rule,
			Decisive:   v.decisive,
			Diagnostic: clip(why),
			RemoteMTA:  mta,
		})
		if len(res) == maxRecipients {
			break
		}
	}
	// A report of success only (RFC 3464 Action: delivered, relayed,
	// expanded): one Other per recipient, which nobody should act on.
	for _, r := range delivered {
		if len(res) > 0 && res[0].Reason != ReasonSuccess || len(res) == maxRecipients {
			break
		}
		res = append(res, Result{Recipient: c.dsnAddress(r.get("final-recipient")),
			Status: validEnhanced(strings.Fields(oneLine(r.get("status")) + " x")[0]),
			Class:  Other, Reason: ReasonSuccess, Rule: "dsn-success", Decisive: true,
			Diagnostic: "delivery status notification: delivered"})
	}
	return res
}
