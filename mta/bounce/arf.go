package bounce

import (
	"strings"
)

// feedbackClass maps an RFC 5965 Feedback-Type (§7.3 registry, plus RFC
// 6591's auth-failure) to a class and reason. Reports that a recipient
// judged the message unwanted or harmful are complaints; "not-spam" is the
// opposite; "auth-failure" reports (DMARC failure reports) are about the
// sender's authentication, not the recipient's wishes, and never suppress
// the recipient; "opt-out" (RFC 5965 §7.3) is an unsubscribe, which the
// policy applies to the marketing stream only, so it is no complaint.
// "other" (RFC 5965 §7.3: none of the registered types) says nothing about
// the recipient's wishes and suppresses nobody. Unregistered types are
// treated as complaints: a provider inventing a type ("complaint", "spam")
// is still telling us a user objected.
func feedbackClass(ft string) (Class, Reason) {
	switch ft {
	case "other":
		return Other, ReasonUnclassified
	case "not-spam":
		return Other, ReasonNotSpam
	case "auth-failure", "dmarc":
		return Other, ReasonAuthFailureReport
	case "opt-out", "unsubscribe":
		return Other, ReasonOptOut
	case "virus":
		return Complaint, ReasonVirus
	}
	return Complaint, ReasonAbuse
}

// arfResults builds the Results of an RFC 5965 feedback report: one per
// Original-Rcpt-To (§3.2, optional and often redacted), or one without a
// recipient. The returned message's identifiers are filled in by the
// caller.
func (c *Classifier) arfResults(e *entity, arf header) []Result {
	ft := strings.ToLower(strings.TrimSpace(oneLine(arf.get("feedback-type"))))
	if ft == "" {
		ft = "abuse"
	}
	class, why := feedbackClass(ft)
	base := Result{
		Class:        class,
		Reason:       why,
		Rule:         "arf",
		Decisive:     true,
		IsFeedback:   true,
		FeedbackType: ft,
		UserAgent:    clip(arf.get("user-agent")),
		Diagnostic:   clip("feedback report: " + ft + " " + firstNonEmpty(arf.get("reported-domain"), arf.get("source-ip"))),
	}
	var res []Result
	for _, v := range arf.all("original-rcpt-to") {
		for _, a := range c.re.addr.FindAllString(v, -1) {
			if redactedAddr(a) {
				continue
			}
			r := base
			r.Recipient = cleanAddr(a)
			res = append(res, r)
			if len(res) == maxRecipients {
				return res
			}
		}
	}
	if len(res) == 0 {
		// No Original-Rcpt-To: Microsoft's JMRP names the recipient in
		// the returned copy (X-HmXmrOriginalRecipient), on purpose.
		if a := c.re.addr.FindString(c.xmrRecipient(e)); a != "" && !redactedAddr(a) {
			base.Recipient = cleanAddr(a)
		}
		res = append(res, base)
	}
	return res
}

// xmrRecipient returns Microsoft's X-HmXmrOriginalRecipient from the
// report or its returned copy, "" if neither has one.
func (c *Classifier) xmrRecipient(e *entity) string {
	rcpt := e.top.get("x-hmxmroriginalrecipient")
	for _, h := range e.returned {
		if rcpt == "" {
			rcpt = h.get("x-hmxmroriginalrecipient")
		}
	}
	return rcpt
}

// looseARF recognises complaint reports that are not RFC 5965: a
// multipart/report of type feedback-report without its machine part,
// Microsoft's JMRP marker header, or a report whose subject or sender says
// it is a complaint and which returns a message.
func (c *Classifier) looseARF(e *entity) bool {
	if e.reportType == "feedback-report" || e.top.get("x-hmxmroriginalrecipient") != "" {
		return true
	}
	for _, h := range e.returned {
		if h.get("x-hmxmroriginalrecipient") != "" {
			return true
		}
	}
	if !c.re.fblSubject.MatchString(e.subject + "\n" + e.top.get("from")) {
		return false
	}
	return len(e.returned) > 0 || c.re.inlineField.MatchString(e.text())
}

// looseARFResults builds the one Result of a loose complaint report. A
// recipient marked as such (Microsoft's X-HmXmrOriginalRecipient, an
// Original-Rcpt-To line in the text) is taken; the returned message's To
// alone is not, as the report may have been redacted or forwarded, but
// it is when the report's own words name that address too (an abuse
// desk writing "the recipient (jane@…) asks to be removed").
func (c *Classifier) looseARFResults(e *entity) []Result {
	r := Result{Class: Complaint, Reason: ReasonAbuse, Rule: "arf-loose", Decisive: true, IsFeedback: true,
		FeedbackType: "abuse", Diagnostic: clip(e.subject), UserAgent: clip(e.top.get("user-agent"))}
	rcpt := c.xmrRecipient(e)
	if rcpt == "" {
		if m := c.re.origRcpt.FindStringSubmatch(e.text()); m != nil {
			rcpt = m[1]
		}
	}
	if a := c.re.addr.FindString(rcpt); a != "" && !redactedAddr(a) {
		r.Recipient = cleanAddr(a)
	} else if a := c.returnedTo(e, nil); a != "" && !redactedAddr(a) {
		head, _ := c.splitReturned(e.text())
		if strings.Contains(strings.ToLower(head), strings.ToLower(a)) {
			r.Recipient = a
		}
	}
	return []Result{r}
}

// redactedAddr reports an address a feedback loop wrote in place of the
// recipient's (RFC 6590 redaction): "redacted@…", "xxxxxx@…", "***@…",
// "removed@…", "anonymous@…".
func redactedAddr(a string) bool {
	local, _, _ := strings.Cut(strings.ToLower(cleanAddr(a)), "@")
	switch local {
	case "redacted", "removed", "hidden", "anonymous", "anonymized", "anonymised", "unknown", "recipient":
		return true
	}
	return strings.Trim(local, "x*#.") == "" || strings.HasPrefix(local, "redacted")
}

// appleUnsubscribe recognises the message Apple Mail sends to a
// List-Unsubscribe mailto address when its user taps "Unsubscribe": it
// carries X-Apple-Unsubscribe: true. It is an unsubscribe (opt-out), not an
// auto-reply; the recipient who unsubscribes is its sender.
func (c *Classifier) appleUnsubscribe(e *entity) (Result, bool) {
	if !strings.EqualFold(strings.TrimSpace(e.top.get("x-apple-unsubscribe")), "true") {
		return Result{}, false
	}
	r := Result{Class: Other, Reason: ReasonOptOut, Rule: "apple-unsubscribe", Decisive: true,
		IsFeedback: true, FeedbackType: "opt-out", Diagnostic: clip(e.subject)}
	if a := c.re.addr.FindString(c.decodeWords(e.top.get("from"))); a != "" {
		r.Recipient = cleanAddr(a)
	}
	return r, true
}

// mailtoUnsubscribe recognises mail a person or their mail client sends
// to a List-Unsubscribe mailto address (RFC 2369 §3.2; RFC 8058 keeps the
// mailto for clients without one-click): it is addressed to a u.<token>
// local part (the form sluice's tracker writes), or its subject or the
// first words of its text ask to unsubscribe (Gmail's "Unsubscribe" with
// "This message was automatically generated by Gmail.", a bare
// "unsubscribe", "Please remove me from your mailing list"). Like Apple
// Mail's, it is an unsubscribe whose recipient is its sender. A message
// that says it was sent automatically (RFC 3834) is taken only when it is
// addressed to a u.<token> local part: an auto-reply may quote anything.
func (c *Classifier) mailtoUnsubscribe(e *entity) (Result, bool) {
	to := false
	for _, f := range []string{"to", "delivered-to", "x-original-to", "envelope-to"} {
		if c.re.unsubTo.MatchString(e.top.get(f)) {
			to = true
			break
		}
	}
	if !to {
		if as := strings.ToLower(strings.TrimSpace(e.top.get("auto-submitted"))); as != "" && as != "no" {
			return Result{}, false
		}
		words := e.text()
		if len(words) > 300 {
			words = words[:300]
		}
		if !c.re.unsubSubject.MatchString(e.subject) && !c.re.unsubBody.MatchString(words) {
			return Result{}, false
		}
	}
	r := Result{Class: Other, Reason: ReasonOptOut, Rule: "mailto-unsubscribe", Decisive: true,
		IsFeedback: true, FeedbackType: "opt-out", Diagnostic: clip(e.subject)}
	if a := c.re.addr.FindString(c.decodeWords(e.top.get("from"))); a != "" {
		r.Recipient = cleanAddr(a)
	}
	return r, true
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(oneLine(v)); v != "" {
			return v
		}
	}
	return ""
}
