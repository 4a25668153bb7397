package reencode

import (
	"bytes"
	"strconv"
	"strings"
)

// MaxLine is the longest line RFC 5322 §2.1.1 allows, CRLF excluded.
const MaxLine = 998

// MinLine is the smallest limit Conform accepts: RFC 5322 §2.1.1's
// recommended 78, below which header fields could not be folded sensibly.
const MinLine = 78

// maxDepth bounds how deeply multiparts and message/rfc822 parts are
// walked; real mail nests a handful of levels.
const maxDepth = 64

// Conform returns msg with no line longer than maxLine octets (CRLF
// excluded; MaxLine for RFC 5322), re-encoding only the MIME parts that
// have longer lines and folding only the header fields that do (see the
// package doc). msg must have CRLF line ends.
//
// A message with no line over maxLine is returned as it is, with changed
// false and no copy made. Otherwise out is a new slice; msg is not
// modified. An error is an *Error saying which part could not be made to
// conform.
func Conform(msg []byte, maxLine int) (out []byte, changed bool, err error) {
	if maxLine < MinLine {
		return nil, false, ErrLimit
	}
	if !hasLongLine(msg, maxLine) {
		return msg, false, nil
	}
	c := conformer{max: maxLine}
	out, err = c.entity(make([]byte, 0, len(msg)+len(msg)/8+256), msg, entityCtx{root: true, defaultType: "text/plain"})
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// conformer carries the limit and the boundaries of the multiparts being
// walked, which no line it writes may imitate.
type conformer struct {
	max        int
	boundaries []string
}

// entityCtx is where an entity sits in the MIME tree.
type entityCtx struct {
	part  string // IMAP part number, "" for the message
	depth int
	// root is set for a message's own header and body: the top level or
	// the content of a message/rfc822 part (RFC 2045 §4 asks MIME-Version
	// there).
	root bool
	// defaultType applies without Content-Type: text/plain, or
	// message/rfc822 within multipart/digest (RFC 2046 §5.1.5).
	defaultType string
}

// entity appends the entity e (a header section and a body), made to
// conform.
func (c *conformer) entity(out, e []byte, ctx entityCtx) ([]byte, error) {
	if !hasLongLine(e, c.max) {
		return append(out, e...), nil
	}
	if ctx.depth > maxDepth {
		return nil, &Error{Part: ctx.part, What: "more than " + strconv.Itoa(maxDepth) + " levels", Err: ErrTooDeep}
	}
	header, sep, body := splitEntity(e)
	h := parseHeader(header)
	mediaType := h.mediaType
	if mediaType == "" {
		mediaType = ctx.defaultType
	}
	major, _, _ := strings.Cut(mediaType, "/")
	bodyLong := hasLongLine(body, c.max)

	fail := func(what string) ([]byte, error) {
		return nil, &Error{Part: ctx.part, What: what, Err: ErrUnencodable}
	}
	// What the body is decides how it is handled; the body is only touched
	// when it has a long line itself.
	switch {
	case !bodyLong:
	case h.cte == "base64":
		return c.leaf(out, header, sep, body, ctx, h, "", c.rewrapBase64(nil, body))
	case h.cte == "quoted-printable":
		data, err := decodeQP(body)
		if err != nil {
			// Not decodable as mime/quotedprintable reads it: keep
			// the escapes as they are and only break the lines.
			return c.leaf(out, header, sep, body, ctx, h, "", c.softBreakQP(nil, body))
		}
		return c.leaf(out, header, sep, body, ctx, h, "", c.appendQP(nil, data))
	case h.cte != "" && h.cte != "7bit" && h.cte != "8bit" && h.cte != "binary":
		return fail("unknown Content-Transfer-Encoding " + strconv.Quote(sanitizeName(h.cte)))
	case major == "multipart":
		if h.boundary == "" {
			return fail(sanitizeName(mediaType) + " without a boundary")
		}
		out, err := c.header(out, header, ctx.part)
		if err != nil {
			return nil, err
		}
		out = append(out, sep...)
		return c.multipart(out, body, h.boundary, mediaType == "multipart/digest", ctx)
	case mediaType == "message/rfc822" || mediaType == "message/global":
		out, err := c.header(out, header, ctx.part)
		if err != nil {
			return nil, err
		}
		out = append(out, sep...)
		inner := ctx
		inner.root, inner.depth, inner.defaultType = true, ctx.depth+1, "text/plain"
		return c.entity(out, body, inner)
	case major == "message" || major == "multipart":
		// message/partial and message/external-body must stay 7bit
		// (RFC 2046 §5.2.2, §5.2.3).
		return fail(sanitizeName(mediaType) + " cannot be re-encoded")
	case major == "text" || mostlyPrintable(body):
		return c.leaf(out, header, sep, body, ctx, h, "quoted-printable", c.appendQP(nil, body))
	default:
		return c.leaf(out, header, sep, body, ctx, h, "base64", c.appendBase64(nil, body))
	}
	// Only the header has long lines.
	out, err := c.header(out, header, ctx.part)
	if err != nil {
		return nil, err
	}
	out = append(out, sep...)
	return append(out, body...), nil
}

// header appends a header section with its long lines folded.
func (c *conformer) header(out, header []byte, part string) ([]byte, error) {
	if !hasLongLine(header, c.max) {
		return append(out, header...), nil
	}
	for rest := header; len(rest) > 0; {
		var field []byte
		field, rest = nextField(rest)
		var err error
		if out, err = c.foldField(out, field, part); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// leaf appends a leaf part whose body is now encoded. With cte set, the
// part's Content-Transfer-Encoding fields give way to one naming cte, in
// the place of the first; at a message's root MIME-Version is added when
// missing (RFC 2045 §4); and a text part, at any depth, whose 8-bit text
// is UTF-8 and that names no charset gets charset=utf-8 (utf8ContentType:
// otherwise a reader would take the decoded bytes for US-ASCII).
func (c *conformer) leaf(out, header, sep, body []byte, ctx entityCtx, h headerInfo, cte string, encoded []byte) ([]byte, error) {
	if cte == "" {
		out, err := c.header(out, header, ctx.part)
		if err != nil {
			return nil, err
		}
		out = append(out, sep...)
		return append(out, encoded...), nil
	}
	if header == nil && sep == nil && sloppyField(body) {
		// A part without a header whose first line a lenient reader
		// takes for a field ("Name with space: …"): the header this adds
		// would be read as ending before that line by some and after it
		// by others. Refuse rather than send something receivers decode
		// differently.
		return nil, &Error{Part: ctx.part, What: "first line that may be read as a header field, in a part without a header to re-encode", Err: ErrUnencodable}
	}
	if bad := malformedField(header); bad != "" {
		// A reader that stops at a line that is not a field (net/textproto
		// does) would not see the transfer encoding added after it, and
		// would read the encoded body as the content: refuse rather than
		// send something receivers decode differently.
		return nil, &Error{Part: ctx.part, What: "header line " + strconv.Quote(sanitizeName(bad)) + " that is not a field, in a part to re-encode", Err: ErrUnencodable}
	}
	cteField := "Content-Transfer-Encoding: " + cte + "\r\n"
	ctField, ctReplace := utf8ContentType(h, ctx.defaultType, body)
	placed, ctPlaced := false, false
	for rest := header; len(rest) > 0; {
		var field []byte
		field, rest = nextField(rest)
		name := fieldName(field)
		if asciiEqualFold(name, "Content-Transfer-Encoding") {
			if !placed {
				out = append(out, cteField...)
				placed = true
			}
			continue
		}
		if ctReplace && !ctPlaced && asciiEqualFold(name, "Content-Type") {
			// The first Content-Type is the one readers use
			// (parseHeader): it gives way to the one with the charset.
			field, ctPlaced = []byte(ctField), true
		}
		if !bytes.HasSuffix(field, []byte("\n")) {
			// The header's last line had no line end (a header-only
			// part): give it one before anything follows.
			field = append(field[:len(field):len(field)], '\r', '\n')
		}
		var err error
		if out, err = c.foldField(out, field, ctx.part); err != nil {
			return nil, err
		}
	}
	if ctx.root && !h.mimeVersion {
		out = append(out, "MIME-Version: 1.0\r\n"...)
	}
	if ctField != "" && !ctReplace {
		out = append(out, ctField...)
	}
	if !placed {
		out = append(out, cteField...)
	}
	out = append(out, "\r\n"...)
	return append(out, encoded...), nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// childPart is the IMAP number of the n-th (from 1) child of part.
func childPart(part string, n int) string {
	if part == "" {
		return strconv.Itoa(n)
	}
	return part + "." + strconv.Itoa(n)
}
