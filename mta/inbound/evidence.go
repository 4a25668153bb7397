package inbound

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
)

// Limits on the work of searching one returned message for tokens. Go's
// regular expressions run in linear time, so bounding the bytes bounds the
// work; the token count bounds the MAC checks and directory reads.
const (
	maxScanDepth = 6       // MIME nesting (multiparts and attached messages)
	maxScanParts = 128     // MIME entities visited
	maxScanBytes = 4 << 20 // decoded bytes searched, in total
	maxTokens    = 32      // distinct candidate tokens kept
	maxURLToken  = 4096    // token.MaxLen: longer runs are not tokens
	maxToAddrs   = 16      // To addresses kept from returned copies

	// maxHeaderBytes bounds the bytes of one header section parsed; the
	// rest of a longer section is ignored.
	maxHeaderBytes = 256 << 10
	// maxFieldValue bounds the unfolded value kept of one field.
	maxFieldValue = 64 << 10
)

// tokenKind says where a candidate token was found, and so how to open it.
type tokenKind uint8

const (
	// tokURL is the URL form of tracking/token: the unsubscribe page
	// /u/<token>, a click /c/<token>, the open pixel /o/<token>.gif.
	tokURL tokenKind = iota + 1
	// tokBounce is a VERP local part, b.<token>@bounce-domain.
	tokBounce
	// tokMailUnsub is a List-Unsubscribe mailto local part (RFC 2369
	// §3.2), u.<token>@bounce-domain.
	tokMailUnsub
)

// candidate is a string shaped like one of our tokens; it proves nothing
// until its MAC has been checked.
type candidate struct {
	kind tokenKind
	tok  string
}

var (
	// urlTokenRE finds the path tokens sluice's tracker writes: base64url
	// (RFC 4648 §5) after /u/, /c/ or /o/. At least 32 symbols, the
	// shortest URL token.
	urlTokenRE = regexp.MustCompile(`/[cou]/([A-Za-z0-9_-]{32,})`)
	// mailboxTokenRE finds b.<token>@ and u.<token>@ local parts: base32
	// (RFC 4648 §6) in either case, 34 to 60 symbols, not preceded by
	// another local-part character.
	mailboxTokenRE = regexp.MustCompile(`(?:^|[^A-Za-z0-9._+=-])([bBuU])\.([A-Za-z2-7]{34,60})@`)
	// boundaryRE recovers a boundary from a Content-Type that
	// mime.ParseMediaType refuses.
	boundaryRE = regexp.MustCompile(`(?i)boundary\s*=\s*"?([^";\r\n]+)`)
)

// evidence is what a search of a returned message found: candidate tokens
// and the To addresses of the returned copies.
type evidence struct {
	tokens []candidate
	// returnedTo are the addresses in the To fields of returned copies
	// (message/rfc822 and header-only parts), for provider-authenticated
	// reports that do not say who complained.
	returnedTo []string

	seen  map[candidate]bool
	parts int
	bytes int
}

// findEvidence searches raw, a returned message, for tokens: in every
// header section and in every part's body, decoded from quoted-printable
// and base64 (RFC 2045 §6.7, §6.8), through multiparts (RFC 2046 §5.1) and
// attached messages (message/rfc822, RFC 2046 §5.2.1) and header-only
// parts (RFC 6522 text/rfc822-headers). It is lenient, as reports are
// often malformed, and bounded. It never fails: garbage yields nothing.
func findEvidence(raw []byte) *evidence {
	e := &evidence{seen: map[candidate]bool{}}
	e.entity(raw, 0, false)
	return e
}

// entity searches one MIME entity. returned says it is the top of a
// returned copy, whose To field is kept.
func (e *evidence) entity(b []byte, depth int, returned bool) {
	if depth > maxScanDepth || e.parts >= maxScanParts || e.bytes >= maxScanBytes {
		return
	}
	e.parts++
	hdr, body := splitEntity(b)
	fields := headerFields(hdr)
	for _, f := range fields {
		e.search([]byte(f.value))
	}
	if returned {
		e.returnedTo = appendTo(e.returnedTo, fields)
	}
	ct, params := mediaType(get(fields, "content-type"))
	dec := decodeBody(get(fields, "content-transfer-encoding"), body)
	if e.bytes += len(dec); e.bytes > maxScanBytes {
		dec = dec[:max(0, len(dec)-(e.bytes-maxScanBytes))]
	}
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		parts := splitParts(dec, params["boundary"])
		if parts == nil {
			e.search(dec)
		}
		for _, p := range parts {
			e.entity(p, depth+1, false)
		}
	case ct == "message/rfc822" || ct == "message/global":
		e.entity(dec, depth+1, true)
	case ct == "text/rfc822-headers" || ct == "message/rfc822-headers" || ct == "message/global-headers":
		// Header fields only: give them an end so that splitEntity does
		// not take them for a body. completeHeader copies: dec may share
		// the raw message's array, which the DKIM verifier reads next.
		e.entity(completeHeader(dec), depth+1, true)
	default:
		e.search(dec)
	}
}

// search adds the candidate tokens found in b.
func (e *evidence) search(b []byte) {
	if len(e.tokens) >= maxTokens {
		return
	}
	for _, m := range urlTokenRE.FindAllSubmatch(b, maxTokens) {
		if len(m[1]) <= maxURLToken {
			e.add(candidate{tokURL, string(m[1])})
		}
	}
	for _, m := range mailboxTokenRE.FindAllSubmatch(b, maxTokens) {
		k := tokBounce
		if m[1][0] == 'u' || m[1][0] == 'U' {
			k = tokMailUnsub
		}
		e.add(candidate{k, string(m[2])})
	}
}

func (e *evidence) add(c candidate) {
	if len(e.tokens) < maxTokens && !e.seen[c] {
		e.seen[c] = true
		e.tokens = append(e.tokens, c)
	}
}

// field is one unfolded header field.
type field struct{ name, value string }

// splitEntity splits b at its first empty line (RFC 5322 §2.1; a line
// break is LF or CRLF). An entity whose first line is not a header field
// has no header: all of it is body.
func splitEntity(b []byte) (hdr, body []byte) {
	first := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		first = b[:i]
	}
	if c := bytes.IndexByte(first, ':'); c <= 0 || bytes.ContainsAny(first[:c], " \t") {
		return nil, b
	}
	// The first line is a field, so the first empty line follows a line
	// break. bytes.Index keeps this fast on a header of millions of lines.
	lf, crlf := bytes.Index(b, []byte("\n\n")), bytes.Index(b, []byte("\n\r\n"))
	switch {
	case lf >= 0 && (crlf < 0 || lf < crlf):
		return b[:lf+1], b[lf+2:]
	case crlf >= 0:
		return b[:crlf+1], b[crlf+3:]
	}
	return b, nil
}

// headerFields parses a header section leniently: folded lines are joined
// with a space (RFC 5322 §2.2.3) and lines without a colon are skipped.
// The work is linear in the section's size, however many lines a field is
// folded over: a value's pieces go into one builder. At most
// maxHeaderBytes of the section are read and maxFieldValue bytes of one
// value kept; the rest is ignored.
func headerFields(hdr []byte) []field {
	if len(hdr) > maxHeaderBytes {
		hdr = hdr[:maxHeaderBytes]
	}
	var fs []field
	var cur strings.Builder // the unfolded value of fs's last field
	done := func() {
		if len(fs) > 0 {
			fs[len(fs)-1].value = cur.String()
		}
	}
	add := func(v []byte) {
		if n := maxFieldValue - cur.Len(); len(v) > n {
			v = v[:max(n, 0)]
		}
		cur.Write(v)
	}
	for len(hdr) > 0 {
		line := hdr
		if i := bytes.IndexByte(hdr, '\n'); i >= 0 {
			line, hdr = hdr[:i], hdr[i+1:]
		} else {
			hdr = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if v := bytes.TrimSpace(line); len(fs) > 0 && len(v) > 0 && cur.Len() < maxFieldValue {
				if cur.Len() > 0 {
					add([]byte{' '})
				}
				add(v)
			}
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		done()
		cur.Reset()
		fs = append(fs, field{name: strings.ToLower(string(bytes.TrimSpace(name)))})
		add(bytes.TrimSpace(value))
	}
	done()
	return fs
}

// get returns the first value of the named (lowercase) field, or "".
func get(fs []field, name string) string {
	for _, f := range fs {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// appendTo adds the addresses of the To fields in fs.
func appendTo(dst []string, fs []field) []string {
	for _, f := range fs {
		if f.name != "to" {
			continue
		}
		list, err := mail.ParseAddressList(f.value)
		if err != nil {
			continue
		}
		for _, a := range list {
			if len(dst) < maxToAddrs {
				dst = append(dst, a.Address)
			}
		}
	}
	return dst
}

// mediaType parses a Content-Type value (RFC 2045 §5.1), falling back to
// the type before ";" and a boundary found by hand. No value is text/plain.
func mediaType(v string) (string, map[string]string) {
	if t, params, err := mime.ParseMediaType(v); err == nil {
		return t, params
	}
	t, _, _ := strings.Cut(v, ";")
	params := map[string]string{}
	if m := boundaryRE.FindStringSubmatch(v); m != nil {
		params["boundary"] = strings.TrimSpace(m[1])
	}
	return strings.ToLower(strings.TrimSpace(t)), params
}

// decodeBody undoes a Content-Transfer-Encoding (RFC 2045 §6) leniently:
// base64 ignores characters outside its alphabet, quoted-printable keeps
// what decoded before an error; anything else is returned as it is.
func decodeBody(enc string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		clean := make([]byte, 0, len(body))
		for _, c := range body {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
				clean = append(clean, c)
			}
		}
		if len(clean)%4 == 1 {
			clean = clean[:len(clean)-1]
		}
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, _ := base64.RawStdEncoding.Decode(out, clean)
		return out[:n]
	case "quoted-printable":
		out, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		return out
	}
	return body
}

// splitParts splits a multipart body at its boundary (RFC 2046 §5.1.1),
// leniently: a missing close delimiter ends the last part at the end of
// the body. It returns nil when the boundary never occurs.
func splitParts(body []byte, boundary string) [][]byte {
	if boundary == "" {
		return nil
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1
	for i := 0; i <= len(body); {
		j := bytes.IndexByte(body[i:], '\n')
		end := len(body)
		if j >= 0 {
			end = i + j
		}
		line := bytes.TrimRight(body[i:end], " \t\r")
		if rest, ok := bytes.CutPrefix(line, delim); ok && (len(rest) == 0 || string(rest) == "--") {
			if start >= 0 {
				parts = append(parts, body[start:i])
			}
			if len(rest) == 2 || len(parts) >= maxScanParts {
				return parts
			}
			start = end + 1
		}
		if j < 0 {
			break
		}
		i = end + 1
	}
	if start >= 0 && start <= len(body) {
		parts = append(parts, body[start:])
	}
	return parts
}
