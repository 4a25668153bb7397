package submit

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"sluice/queue"
)

// StreamHeader is the submission-control header that marks a message
// marketing (default) or transactional. It is read and removed: receivers
// never see it.
const StreamHeader = "X-Sluice-Stream"

// PoolHeader picks the egress pool for a message, among those the tenant
// may use. It is read and removed.
const PoolHeader = "X-Sluice-Pool"

// PriorityHeader sets a message's priority within its stream: high,
// normal or low (queue.Priority), at most the tenant's (Tenant.Priority,
// default normal). It is read and removed before signing: receivers never
// see it.
const PriorityHeader = "X-Sluice-Priority"

// CampaignHeader names the campaign a message belongs to, for statistics.
// It is read and removed.
const CampaignHeader = "X-Sluice-Campaign"

// IDHeader carries sluice's queue id in every message it sends.
const IDHeader = "X-Sluice-ID"

// prepared is a submitted message after header processing.
type prepared struct {
	msg []byte
	// room, when not nil, is msg's backing array from its start with
	// free space before msg (room[len(room)-len(msg):] is msg): the DKIM
	// fields can be written there instead of copying the message.
	room   []byte
	stream queue.Stream
	// streamBad is set when the stream header had an unknown value.
	streamBad string
	// priority is the priority header's value when prioritySet;
	// priorityBad is set when it had an unknown value.
	priority    queue.Priority
	prioritySet bool
	priorityBad string
	campaign    string
	pool        string
	eightBit    bool
	// bad, when set, is why the message is refused; nothing else in
	// prepared is meaningful then.
	bad *refusal
	// from and sender are the values of every From and Sender field
	// (unfolded), and resentFrom and resentSender those of every
	// Resent-From and Resent-Sender field (RFC 5322 §3.6.6), for the
	// header policy (fromPolicy).
	from, sender             []string
	resentFrom, resentSender []string
}

// receivedInfo is what the Received trace field (RFC 5321 §4.4) records.
type receivedInfo struct {
	helo, remoteIP, hostname, id, protocol, tls, user, rcpt string
	date                                                    time.Time
}

// normalizeCRLF makes every line end CRLF: a bare LF or a bare CR (one
// not followed by LF) becomes CRLF. Both are invalid in message data
// (RFC 5321 §2.3.8, RFC 5322 §2.3) and are how SMTP smuggling works: a
// receiver that ends data on "\r.\r\n" or "\n.\n" would read what follows
// as a second transaction with an envelope of the submitter's choosing.
// Bare CRs are made line ends rather than refused because real
// applications emit them (old Mac line ends, templating bugs) and a line
// end is the only reading every receiver can agree on; after this the
// spool holds one line structure, and dot-stuffing (mta/outbound) covers
// every line that starts with ".".
//
// Well-formed input is returned unchanged, without copying; the check is
// one SIMD count of CRs plus one IndexByte per line.
func normalizeCRLF(b []byte) []byte {
	if cleanLineEnds(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/16+2)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\r' && i+1 < len(b) && b[i+1] == '\n':
			out = append(out, '\r', '\n')
			i++
		case c == '\r' || c == '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// cleanLineEnds reports whether every CR and LF in b is part of a CRLF:
// every LF has a CR before it, and there are no more CRs than LFs.
func cleanLineEnds(b []byte) bool {
	lfs := 0
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			break
		}
		if i+j == 0 || b[i+j-1] != '\r' {
			return false
		}
		lfs++
		i += j + 1
	}
	return bytes.Count(b, []byte{'\r'}) == lfs
}

// splitHeader returns the header section (every field, each ending in
// CRLF) and the rest (the empty line and the body). A message whose first
// line is not a header field has an empty header section.
func splitHeader(msg []byte) (header, rest []byte) {
	if !startsWithField(msg) {
		return nil, msg
	}
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		return msg[:i+2], msg[i+2:]
	}
	// Headers only, no body.
	if len(msg) > 0 && !bytes.HasSuffix(msg, []byte("\r\n")) {
		return append(bytes.Clone(msg), '\r', '\n'), nil
	}
	return msg, nil
}

// startsWithField reports whether msg begins with "Name:" (RFC 5322 §3.6.8:
// printable ASCII but colon, no spaces).
func startsWithField(msg []byte) bool {
	for i, c := range msg {
		switch {
		case c == ':':
			return i > 0
		case c <= ' ' || c >= 127:
			return false
		}
	}
	return false
}

// eachField calls fn with every header field (name and the whole raw field,
// continuation lines included).
func eachField(header []byte, fn func(name string, field []byte)) {
	for len(header) > 0 {
		end := 0
		for {
			i := bytes.Index(header[end:], []byte("\r\n"))
			if i < 0 {
				end = len(header)
				break
			}
			end += i + 2
			if end >= len(header) || (header[end] != ' ' && header[end] != '\t') {
				break
			}
		}
		field := header[:end]
		name := ""
		if c := bytes.IndexByte(field, ':'); c > 0 {
			name = string(bytes.TrimRight(field[:c], " \t"))
		}
		fn(name, field)
		header = header[end:]
	}
}

func fieldValue(field []byte) string {
	c := bytes.IndexByte(field, ':')
	if c < 0 {
		return ""
	}
	v := string(field[c+1:])
	v = strings.ReplaceAll(v, "\r\n", "")
	return strings.TrimSpace(v)
}

// prepare adds the trace and missing identity headers and takes out the
// submission-control headers. The body is passed through byte for byte.
// With headroom > 0 it leaves that much free space before the message
// (see prepared.room).
//
// Line ends are normalised first, so that every check and the signer see
// the bytes that are stored and sent; then the content is validated
// (checkContent) and a message that fails is returned with bad set.
func prepare(raw []byte, ri receivedInfo, headroom int) prepared {
	c, bad := conformMessage(raw)
	if bad != nil {
		return prepared{bad: bad}
	}
	return c.prepare(ri, headroom)
}

// conformedMsg is a submitted message with its line ends normalised, its
// content checked and its long lines made to conform (conformed), split
// into its header and the rest: what prepare starts from, computed once
// per submission however many per-recipient copies are prepared from it.
type conformedMsg struct {
	msg, header, rest []byte
}

// conformMessage runs conformed over raw.
func conformMessage(raw []byte) (conformedMsg, *refusal) {
	msg, header, rest, bad := conformed(raw)
	return conformedMsg{msg, header, rest}, bad
}

// prepare is the package's prepare from a conformed message.
func (c conformedMsg) prepare(ri receivedInfo, headroom int) prepared {
	var p prepared
	raw, header, rest := c.msg, c.header, c.rest
	buf := make([]byte, headroom, headroom+len(raw)+1024)
	out := buf[headroom:]
	out = appendReceived(out, ri)
	// Our queue id travels with the message, so complaint reports and
	// forwarded bounces that return only the headers can be attributed.
	out = append(out, IDHeader+": "...)
	out = append(out, ri.id...)
	out = append(out, "\r\n"...)
	var hasMsgID, hasDate bool
	eachField(header, func(name string, field []byte) {
		if !p.readField(name, field) {
			return
		}
		hasMsgID = hasMsgID || strings.EqualFold(name, "Message-ID")
		hasDate = hasDate || strings.EqualFold(name, "Date")
		out = append(out, field...)
	})
	out = appendMissingIDs(out, ri, hasMsgID, hasDate)
	if len(rest) == 0 || !bytes.HasPrefix(rest, []byte("\r\n")) {
		out = append(out, "\r\n"...)
	}
	out = append(out, rest...)
	p.msg = out
	if headroom > 0 && cap(out) == cap(buf)-headroom { // not reallocated
		p.room = buf[:headroom+len(out)]
	}
	p.eightBit = hasHighBit(out)
	return p
}

// conformed normalises line ends, validates the content (checkContent)
// and makes it conform (conform), returning the message to prepare split
// into its header and the rest, or the refusal for a message that fails.
func conformed(raw []byte) (msg, header, rest []byte, bad *refusal) {
	raw = normalizeCRLF(raw)
	header, rest = splitHeader(raw)
	if bad = checkContent(raw, header); bad != nil {
		return nil, nil, nil, bad
	}
	out, changed, bad := conform(raw)
	if bad != nil {
		return nil, nil, nil, bad
	}
	if changed {
		raw = out
		header, rest = splitHeader(raw)
	}
	return raw, header, rest, nil
}

// readField records what p needs from one header field and reports
// whether the field is kept: the submission-control fields (stream,
// priority, pool, campaign) are read and taken out, a submitted IDHeader
// is dropped (ours alone: a submitted one could misattribute returns),
// and so are Return-Path and Authentication-Results (never the
// submitter's to write) and Bcc and Resent-Bcc (never the recipients' to
// read),
// and the originator fields (RFC 5322 §3.6.2, §3.6.6) are collected for
// the From policy.
//
// Names are matched with Unicode case folding on purpose, although field
// names are ASCII (RFC 5322 §3.6.8): a look-alike such as "X-\u017Fluice-ID"
// is then removed too, and a look-alike From is checked too, in case some
// reader folds the same way. Broader is the safe side for every field
// here.
func (p *prepared) readField(name string, field []byte) (keep bool) {
	switch {
	case strings.EqualFold(name, StreamHeader):
		v := fieldValue(field)
		if s, ok := queue.ParseStream(v); ok {
			p.stream = s
		} else {
			p.streamBad = v
		}
		return false
	case strings.EqualFold(name, PriorityHeader):
		v := fieldValue(field)
		if pr, ok := queue.ParsePriority(v); ok {
			p.priority, p.prioritySet = pr, true
		} else {
			p.priorityBad = v
		}
		return false
	case strings.EqualFold(name, PoolHeader):
		p.pool = fieldValue(field)
		return false
	case strings.EqualFold(name, CampaignHeader):
		p.campaign = sanitize(fieldValue(field))
		if len(p.campaign) > 128 {
			p.campaign = p.campaign[:128]
		}
		return false
	case strings.EqualFold(name, IDHeader):
		return false
	case strings.EqualFold(name, "Return-Path"), strings.EqualFold(name, "Authentication-Results"):
		// Return-Path is the final delivery's to add (RFC 5321 §4.4: an
		// originating system SHOULD NOT send one), and
		// Authentication-Results only a receiving domain's verifier (RFC
		// 8601 §5): one written by a tenant could claim "dkim=pass" for
		// another tenant's domain to a reader that trusts it.
		return false
	case strings.EqualFold(name, "Bcc"), strings.EqualFold(name, "Resent-Bcc"):
		// Blind copies (RFC 5322 §3.6.3, §3.6.6): every recipient gets the
		// same header, so a Bcc field left in would show the blind
		// recipients to all of them. The envelope already names who gets
		// the message; the field is removed, as Postfix's cleanup does.
		return false
	case strings.EqualFold(name, "From"):
		p.from = append(p.from, fieldValue(field))
	case strings.EqualFold(name, "Sender"):
		p.sender = append(p.sender, fieldValue(field))
	case strings.EqualFold(name, "Resent-From"):
		p.resentFrom = append(p.resentFrom, fieldValue(field))
	case strings.EqualFold(name, "Resent-Sender"):
		p.resentSender = append(p.resentSender, fieldValue(field))
	}
	return true
}

// appendMissingIDs adds the Message-ID (RFC 5322 §3.6.4) and Date
// (§3.6.1) fields a submission left out (RFC 6409 §8.2, §8.3): the
// Message-ID from the queue id and the hostname.
func appendMissingIDs(out []byte, ri receivedInfo, hasMsgID, hasDate bool) []byte {
	if !hasMsgID {
		out = append(out, "Message-ID: <"...)
		out = append(out, ri.id...)
		out = append(out, '.')
		out = append(out, randomHex(6)...)
		out = append(out, '@')
		out = append(out, ri.hostname...)
		out = append(out, ">\r\n"...)
	}
	if !hasDate {
		out = append(out, "Date: "...)
		out = ri.date.AppendFormat(out, time.RFC1123Z)
		out = append(out, "\r\n"...)
	}
	return out
}

// appendReceived writes the Received field (RFC 5321 §4.4, protocol names
// from RFC 3848: ESMTP, ESMTPS with TLS, ESMTPA with AUTH, ESMTPSA both).
func appendReceived(out []byte, ri receivedInfo) []byte {
	out = append(out, "Received: from "...)
	out = append(out, sanitize(ri.helo)...)
	out = append(out, " (["...)
	out = append(out, ri.remoteIP...)
	out = append(out, "])"...)
	if ri.tls != "" {
		out = append(out, "\r\n\t(using "...)
		out = append(out, ri.tls...)
		out = append(out, ')')
	}
	if ri.user != "" {
		out = append(out, "\r\n\t(authenticated as "...)
		out = append(out, sanitize(ri.user)...)
		out = append(out, ')')
	}
	out = append(out, "\r\n\tby "...)
	out = append(out, ri.hostname...)
	out = append(out, " (sluice) with "...)
	out = append(out, ri.protocol...)
	out = append(out, " id "...)
	out = append(out, ri.id...)
	if ri.rcpt != "" {
		out = append(out, "\r\n\tfor <"...)
		out = append(out, sanitize(ri.rcpt)...)
		out = append(out, '>')
	}
	out = append(out, ";\r\n\t"...)
	out = ri.date.AppendFormat(out, time.RFC1123Z)
	return append(out, "\r\n"...)
}

// sanitize keeps client-supplied text from breaking the header: no control
// characters, no parentheses or angle brackets, bounded length.
func sanitize(s string) string {
	if len(s) > 255 {
		s = s[:255]
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 127 || r == '(' || r == ')' || r == '<' || r == '>' {
			return '_'
		}
		return r
	}, s)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
