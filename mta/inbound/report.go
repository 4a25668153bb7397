package inbound

import (
	"fmt"
	"net/netip"
	"strings"

	"sluice/queue"
)

// feedbackFacts is what an RFC 5965 feedback report says about the message
// it reports, read strictly from the report's own structure: the parts
// directly under its top-level multipart/report, whose bytes a provider's
// DKIM body hash covers. Nothing is taken from the report's top-level
// header fields but its structure (which Authenticate requires signed), nor
// from inside the returned copy's own MIME structure, which the reported
// message's author wrote.
type feedbackFacts struct {
	// sourceIP is the machine part's Source-IP (RFC 5965 §3.2): the
	// address that sent the reported message to the provider, written by
	// the provider.
	sourceIP netip.Addr
	// origRcpts are the Original-Rcpt-To addresses (§3.2), lowercase.
	origRcpts []string
	// id is sluice's queue id from the returned copy's one X-Sluice-ID
	// field (message/rfc822 or text/rfc822-headers, RFC 6522 §4).
	id queue.ID
	// copyTo are the To addresses of the returned copy.
	copyTo []string
}

// readFeedback reads the facts of a feedback report, or says why it has
// none: not a multipart/report of type feedback-report (RFC 5965 §2), not
// exactly one machine part with exactly one Source-IP, not exactly one
// returned copy with exactly one X-Sluice-ID.
func readFeedback(raw []byte) (feedbackFacts, error) {
	var f feedbackFacts
	hdr, body := splitEntity(raw)
	top := headerFields(hdr)
	if n := count(top, "content-type"); n != 1 {
		return f, fmt.Errorf("%d Content-Type fields, want 1", n)
	}
	// RFC 2045 §6.4: a multipart is never encoded; an encoding would
	// reshape the signed bytes into parts nobody signed.
	if enc := strings.ToLower(get(top, "content-transfer-encoding")); enc != "" && enc != "7bit" && enc != "8bit" && enc != "binary" {
		return f, fmt.Errorf("multipart with Content-Transfer-Encoding %q", enc)
	}
	ct, params := mediaType(get(top, "content-type"))
	if ct != "multipart/report" || !strings.EqualFold(params["report-type"], "feedback-report") {
		return f, fmt.Errorf("not a feedback report (%s)", ct)
	}
	var machine, copies int
	for _, part := range splitParts(body, params["boundary"]) {
		ph, pb := splitEntity(part)
		pf := headerFields(ph)
		pct, _ := mediaType(get(pf, "content-type"))
		switch pct {
		case "message/feedback-report":
			machine++
			mh, _ := splitEntity(completeHeader(decodeBody(get(pf, "content-transfer-encoding"), pb)))
			if err := f.machinePart(headerFields(mh)); err != nil {
				return f, err
			}
		case "message/rfc822", "text/rfc822-headers":
			copies++
			ch, _ := splitEntity(completeHeader(decodeBody(get(pf, "content-transfer-encoding"), pb)))
			if err := f.returnedCopy(headerFields(ch)); err != nil {
				return f, err
			}
		}
	}
	if machine != 1 || copies != 1 {
		return f, fmt.Errorf("%d feedback-report parts and %d returned copies, want 1 and 1", machine, copies)
	}
	return f, nil
}

// machinePart reads the message/feedback-report fields (RFC 5965 §3).
func (f *feedbackFacts) machinePart(fs []field) error {
	if n := count(fs, "source-ip"); n != 1 {
		return fmt.Errorf("%d Source-IP fields, want 1", n)
	}
	// The value is an address (RFC 5965 §3.2), which some providers
	// bracket or follow with a comment.
	v, _, _ := strings.Cut(strings.Trim(strings.TrimSpace(get(fs, "source-ip")), "[]"), " ")
	ip, err := netip.ParseAddr(strings.Trim(v, "[]"))
	if err != nil {
		return fmt.Errorf("Source-IP: %w", err)
	}
	f.sourceIP = ip.Unmap().WithZone("")
	for _, fl := range fs {
		if fl.name != "original-rcpt-to" {
			continue
		}
		// "rfc822; addr" or "<addr>" (RFC 5965 §3.2 takes an addr-spec).
		a := fl.value
		if _, after, ok := strings.Cut(a, ";"); ok {
			a = after
		}
		f.origRcpts = append(f.origRcpts, strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>")))
	}
	return nil
}

// returnedCopy reads the returned copy's header fields.
func (f *feedbackFacts) returnedCopy(fs []field) error {
	if n := count(fs, "x-sluice-id"); n != 1 {
		return fmt.Errorf("%d X-Sluice-ID fields in the returned copy, want 1", n)
	}
	id, err := queue.ParseID(strings.TrimSpace(get(fs, "x-sluice-id")))
	if err != nil {
		return fmt.Errorf("X-Sluice-ID of the returned copy: %w", err)
	}
	f.id = id
	f.copyTo = appendTo(nil, fs)
	return nil
}

// named reports whether the report names addr as a recipient: among its
// Original-Rcpt-To fields.
func (f *feedbackFacts) named(addr string) bool {
	for _, a := range f.origRcpts {
		if sameAddr(a, addr) {
			return true
		}
	}
	return false
}

// completeHeader gives a header-only part an end, so that splitEntity does
// not take its fields for a body.
func completeHeader(b []byte) []byte {
	return append(append([]byte(nil), trimRightNL(b)...), "\n\n"...)
}

func trimRightNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// count returns how many fields are named name (lowercase).
func count(fs []field, name string) int {
	n := 0
	for _, f := range fs {
		if f.name == name {
			n++
		}
	}
	return n
}

// ours reports whether ip is one of our sending addresses.
func ours(ip netip.Addr, sending []netip.Prefix) bool {
	for _, p := range sending {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
