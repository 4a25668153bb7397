package rewrite

import (
	"fmt"
	"html"
	"strings"
)

// DefaultMaxBytes is the largest message whose body [Message] rewrites
// when [Options.MaxBytes] is 0.
const DefaultMaxBytes = 32 << 20

// TrackHeader is the header field through which a submitter chooses, per
// message, what is tracked. [Message] removes it.
const TrackHeader = "X-Sluice-Track"

// Options says what to track in one message and how tracking URLs are made.
// The zero value tracks nothing and adds nothing.
type Options struct {
	// TrackOpens adds an open pixel to HTML parts, just before the last
	// </body> (else before the last </html>, else at the end): the tenant
	// default, which an X-Sluice-Track field in the message replaces.
	TrackOpens bool
	// TrackClicks rewrites links in HTML parts: the tenant default, which
	// an X-Sluice-Track field in the message replaces.
	TrackClicks bool
	// TrackText also rewrites bare http(s) URLs in text/plain parts when
	// clicks are tracked. Default false: many senders quote URLs in plain
	// text for recipients to read, and a tracking URL there is visible.
	TrackText bool

	// ClickURL returns the tracking URL for link number link (0-based, in
	// document order across all parts: the same URL in two places gets two
	// numbers) whose destination is original. It must return an absolute
	// http(s) URL of at most 2048 bytes of printable ASCII without quotes,
	// angle brackets, backslash or spaces; an error aborts the rewrite.
	// Nil means clicks are not tracked, whatever else says.
	//
	// original is what a browser follows: the href with its character
	// references decoded ("&amp;" is "&"), leading and trailing spaces and
	// controls dropped, tabs and newlines inside removed. It is not
	// percent-encoded: non-ASCII characters stay as UTF-8 (a URL with
	// non-ASCII bytes is only tracked in parts that are, or may be,
	// UTF-8), as may spaces. A browser percent-encodes those before
	// requesting; the edge must do the same when it redirects (net/url's
	// URL.String does).
	ClickURL func(link int, original string) (string, error)
	// OpenURL returns the URL of the open pixel, with the same constraints
	// as ClickURL. It is called at most once per message; the pixel goes
	// into every HTML part, so the edge sees one token however many parts
	// a client shows. Nil means opens are not tracked.
	OpenURL func() (string, error)
	// HoneypotURL, when set and clicks are tracked, returns the URL of a
	// hidden link added beside the pixel (display:none, aria-hidden, out
	// of the tab order): people never see it, so whatever follows it is a
	// link scanner. Same constraints as ClickURL; called at most once.
	HoneypotURL func() (string, error)

	// Unsubscribe, when not nil, gives the message sluice's
	// List-Unsubscribe and List-Unsubscribe-Post. A List-Unsubscribe of
	// the message's own is replaced when Unsubscribe has an HTTPS URI
	// (see unsubscribe.go): its mailto: URIs are kept after sluice's,
	// its other URIs dropped, so that one-click reaches sluice's
	// suppression (RFC 8058 §3.1 allows one HTTPS URI). Without an HTTPS
	// URI such a message keeps its own field and gets none. Set it for
	// the marketing stream only: transactional messages keep their header
	// as it is. It is independent of X-Sluice-Track.
	Unsubscribe *Unsubscribe

	// MaxBytes is the size, in bytes, above which a message's body is
	// left untracked (its header is still handled: X-Sluice-Track
	// removed, List-Unsubscribe added, as bulk senders must have it
	// whatever the size); 0 means DefaultMaxBytes (32 MiB).
	MaxBytes int
}

// Unsubscribe holds a message's unsubscribe URIs, as RFC 2369 §3.2 and
// RFC 8058 §3.1 want them in List-Unsubscribe. Either may be empty; with
// HTTPS empty no List-Unsubscribe-Post is added (RFC 8058 §3.1 requires an
// HTTPS URI for one-click).
type Unsubscribe struct {
	// HTTPS is the one-click URL, "https://<tracking-domain>/u/<token>".
	HTTPS string
	// Mailto is the mail URI, "mailto:u.<token>@<bounce-domain>".
	Mailto string
}

// Result reports what [Message] did.
type Result struct {
	// Links holds the original URL of each tracked link, by link number:
	// Links[i] is what ClickURL(i, …) was given.
	Links []string
	// Pixel reports that an open pixel was added to at least one HTML part.
	Pixel bool
	// Honeypot reports that the hidden honeypot link was added.
	Honeypot bool
	// Unsubscribe reports that List-Unsubscribe (and, with an HTTPS URI,
	// List-Unsubscribe-Post) was added.
	Unsubscribe bool
	// UnsubscribeReplaced reports that the message's own
	// List-Unsubscribe and List-Unsubscribe-Post fields were removed for
	// sluice's (Unsubscribe is then true too).
	UnsubscribeReplaced bool
	// Opens and Clicks are the settings applied after X-Sluice-Track and
	// the nil callbacks were taken into account.
	Opens, Clicks bool
	// Reencoded counts the 7bit or 8bit parts switched to
	// quoted-printable because a rewritten line exceeded 998 octets.
	Reencoded int
	// TooLarge reports that the message exceeded MaxBytes, so its body
	// was not rewritten.
	TooLarge bool
}

// ParseTrack parses the value of an X-Sluice-Track field: "none",
// "opens", "clicks" or "all", in any case, surrounding white space allowed.
// ok is false for anything else.
func ParseTrack(value string) (opens, clicks, ok bool) {
	v := strings.TrimSpace(value)
	switch {
	case strings.EqualFold(v, "none"):
		return false, false, true
	case strings.EqualFold(v, "opens"):
		return true, false, true
	case strings.EqualFold(v, "clicks"):
		return false, true, true
	case strings.EqualFold(v, "all"):
		return true, true, true
	}
	return false, false, false
}

// Message rewrites msg, a complete RFC 5322 message (CRLF line ends; bare
// LF is tolerated), for tracking, and returns the new message.
//
// The header section is kept byte for byte but for three changes: every
// X-Sluice-Track field is removed; List-Unsubscribe and
// List-Unsubscribe-Post are appended when asked for, the message's own
// removed when they replace them; and, in a message
// that is a single 7bit or 8bit part, Content-Transfer-Encoding becomes
// quoted-printable when a rewritten line would be too long.
//
// X-Sluice-Track replaces the tenant defaults TrackOpens and TrackClicks
// (so a message may opt out or in; a nil callback still turns its kind
// off). An invalid value is ignored; when several fields disagree, only
// what all of them allow is tracked.
//
// A link is not tracked when its element has a data-sluice-notrack or
// data-sluice-unsubscribe attribute; when it is not an absolute http(s)
// URL (mailto:, tel:, #anchors, relative links, other schemes, and the
// tenant's own {{unsubscribe}}, %unsubscribe_url% or *|UNSUB|* style
// placeholders all fall here); or when it equals the Unsubscribe HTTPS URI
// or an http(s) URI of the message's own List-Unsubscribe. The text of a
// link is not looked at: "unsubscribe" in a link's text is a language- and
// template-dependent guess, and the attribute says it exactly.
//
// When nothing changes, out is msg itself. err is non-nil, and out nil,
// only when a callback fails or a URL from the caller is unusable
// ([ErrBadURL]); a message that cannot be rewritten is delivered as it is.
func Message(msg []byte, opts Options) (out []byte, res Result, err error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	res.TooLarge = len(msg) > limit
	top := parseEntity(msg)
	r := &rewriter{opts: opts, skip: map[string]bool{}}

	th := r.readTop(&top)
	r.opens = th.opens && opts.OpenURL != nil
	r.clicks = th.clicks && opts.ClickURL != nil
	r.honeypot = r.clicks && opts.HoneypotURL != nil
	res.Opens, res.Clicks = r.opens, r.clicks

	extra, replace, err := r.unsubscribe(th, top.nl())
	if err != nil {
		return nil, Result{}, err
	}
	res.Unsubscribe, res.UnsubscribeReplaced = extra != nil, replace

	var body []byte
	qp := false
	if (r.opens || r.clicks) && top.sep != nil && !res.TooLarge {
		body, qp, err = r.entity(&top, "text/plain", 0)
		if err != nil {
			return nil, Result{}, err
		}
	}
	res.Links, res.Pixel, res.Reencoded = r.links, r.pixelAdded && r.opens, r.reencoded
	res.Honeypot = r.pixelAdded && r.honeypot
	if body == nil && !th.dropTrack && extra == nil {
		return msg, res, nil
	}
	return reassemble(msg, &top, body, extra, qp, replace), res, nil
}

// topHeader is what Message reads from the top-level header.
type topHeader struct {
	opens, clicks bool // what TrackHeader asks for (the options' when absent)
	dropTrack     bool // a TrackHeader is present: removed from the output
	hasLU         bool // a List-Unsubscribe is present
	hasPost       bool // a List-Unsubscribe-Post is present
	// mailtos are the mailto: URIs of the List-Unsubscribe fields, in
	// order, each once (keptMailtos): what a replacement keeps.
	mailtos []string
}

// readTop reads the TrackHeader fields (several narrow each other: a
// kind is tracked only if every one allows it) and the List-Unsubscribe
// fields of the top-level header; the http(s) URIs of List-Unsubscribe
// are never tracked (added to r.skip), even when the field is replaced.
func (r *rewriter) readTop(top *entity) topHeader {
	th := topHeader{opens: r.opts.TrackOpens, clicks: r.opts.TrackClicks}
	seen := false
	for _, f := range top.fields {
		switch {
		case top.is(f, TrackHeader):
			th.dropTrack = true
			if o, c, ok := ParseTrack(top.value(f)); ok {
				if seen {
					th.opens, th.clicks = th.opens && o, th.clicks && c
				} else {
					th.opens, th.clicks, seen = o, c, true
				}
			}
		case top.is(f, "List-Unsubscribe"):
			th.hasLU = true
			for _, u := range listURIs(top.value(f)) {
				if h, ok := browserURL(u, true); ok {
					r.skip[h] = true
				} else {
					th.mailtos = keepMailto(th.mailtos, u)
				}
			}
		case top.is(f, "List-Unsubscribe-Post"):
			th.hasPost = true
		}
	}
	return th
}

// reassemble builds the output message: top's header without TrackHeader
// (and without its List-Unsubscribe and List-Unsubscribe-Post fields when
// replaceLU), with extra fields added (and Content-Transfer-Encoding made
// quoted-printable when qp), then body, or top's own body when body is nil.
func reassemble(msg []byte, top *entity, body, extra []byte, qp, replaceLU bool) []byte {
	if body == nil {
		body = top.body
	}
	out := make([]byte, 0, len(msg)+len(extra)+len(body)-len(top.body))
	drop := func(f field) bool {
		return top.is(f, TrackHeader) ||
			replaceLU && (top.is(f, "List-Unsubscribe") || top.is(f, "List-Unsubscribe-Post"))
	}
	out = top.appendHeader(out, drop, qp, extra, top.nl())
	out = append(out, top.sep...)
	return append(out, body...)
}

// rewriter holds the state of one Message call.
type rewriter struct {
	opts          Options
	opens, clicks bool
	honeypot      bool            // clicks tracked and a honeypot URL given
	skip          map[string]bool // unsubscribe URLs, never tracked

	links      []string
	pixel      []byte // the pixel tag, made on first use
	pixelAdded bool
	reencoded  int
	texts      int // text parts taken for rewriting (maxTexts)
}

// takeText counts a text part to rewrite; false past maxTexts.
func (r *rewriter) takeText() bool {
	if r.texts >= maxTexts {
		return false
	}
	r.texts++
	return true
}

// entity rewrites entity e, whose media type is def when it has no
// Content-Type. It returns the new body, or nil when e is unchanged, and
// whether e's Content-Transfer-Encoding must become quoted-printable.
func (r *rewriter) entity(e *entity, def string, depth int) (body []byte, qp bool, err error) {
	if e.sep == nil || e.attachment() {
		return nil, false, nil
	}
	typ, params, ok := e.mediaType(def)
	if !ok {
		return nil, false, nil
	}
	cte, ok := e.transferEncoding()
	if !ok {
		return nil, false, nil
	}
	switch {
	case strings.HasPrefix(typ, "multipart/"):
		body, err := r.multipartEntity(e, typ, params["boundary"], cte, depth)
		return body, false, err
	case typ == "text/html" && r.takeText():
		return r.text(e, true, params["charset"], cte)
	case typ == "text/plain" && r.clicks && r.opts.TrackText && r.takeText():
		return r.text(e, false, params["charset"], cte)
	}
	return nil, false, nil
}

// multipartEntity rewrites the parts of multipart entity e of media type
// typ, unless it is nested too deep, has no boundary or a transfer
// encoding a multipart may not have (RFC 2045 §6.4: 7bit, 8bit or
// binary).
func (r *rewriter) multipartEntity(e *entity, typ, boundary, cte string, depth int) ([]byte, error) {
	if depth >= maxDepth || boundary == "" || cte != "7bit" && cte != "8bit" && cte != "binary" {
		return nil, nil
	}
	partDef := "text/plain"
	if typ == "multipart/digest" {
		partDef = "message/rfc822" // RFC 2046 §5.1.5
	}
	return r.multipart(e.body, boundary, partDef, depth)
}

// text rewrites the text/html (isHTML) or text/plain entity e: its body is
// decoded from cte, rewritten, and encoded again. It leaves alone a
// charset that cannot be scanned as bytes and an encoding it cannot
// decode; qp is true when 7bit or 8bit text grew lines over maxLine and
// was re-encoded as quoted-printable.
func (r *rewriter) text(e *entity, isHTML bool, charset, cte string) (body []byte, qp bool, err error) {
	charset = strings.ToLower(charset)
	if !asciiCompatible(charset) {
		return nil, false, nil
	}
	utf8OK := charset == "" || charset == "utf-8" || charset == "utf8" || charset == "us-ascii"
	content, trailer, ok := decodeBody(e.body, cte)
	if !ok {
		return nil, false, nil
	}
	var rewritten []byte
	if isHTML {
		rewritten, err = r.rewriteHTML(content, utf8OK)
	} else {
		rewritten, err = r.apply(content, r.scanText(content, utf8OK), -1)
	}
	if err != nil || rewritten == nil {
		return nil, false, err
	}
	body, qp = r.encodeBody(rewritten, trailer, cte, e.nl())
	return body, qp, nil
}

// multipart rewrites the parts of a multipart body, copying its preamble,
// delimiter lines, epilogue and unchanged parts as they are. It returns
// nil when no part changed.
func (r *rewriter) multipart(body []byte, boundary, partDef string, depth int) ([]byte, error) {
	var out []byte
	last := 0
	for _, p := range splitMultipart(body, boundary) {
		part := parseEntity(body[p.start:p.end])
		nb, qp, err := r.entity(&part, partDef, depth+1)
		if err != nil {
			return nil, err
		}
		if nb == nil {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(body)+len(body)/8)
		}
		out = append(out, body[last:p.start]...)
		out = part.appendHeader(out, nil, qp, nil, part.nl())
		out = append(out, part.sep...)
		out = append(out, nb...)
		last = p.end
	}
	if out == nil {
		return nil, nil
	}
	return append(out, body[last:]...), nil
}

// asciiCompatible reports whether text in charset (lower case, "" for
// none) can be scanned as bytes: whether every byte below 0x80 that looks
// like an ASCII character is one. UTF-16 and UTF-32 use NUL-padded code
// units, and the 7-bit stateful encodings (UTF-7, ISO-2022-*, HZ) spell
// non-ASCII text with ASCII letters, so a "<a href" there may be anything.
func asciiCompatible(charset string) bool {
	for _, p := range []string{"utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4", "ucs4", "unicode", "utf-7", "utf7", "iso-2022", "csiso2022", "hz-gb", "hz"} {
		if strings.HasPrefix(charset, p) {
			return false
		}
	}
	return true
}

// edit replaces src[start:end], an href value (html set) or a bare URL in
// text, with the tracking URL for url; quote is the attribute's quote
// character, 0 when unquoted or in text.
type edit struct {
	start, end int
	quote      byte
	html       bool
	url        string
}

// apply asks for the tracking URLs of edits, in order, and returns src with
// the edits made and, when pixelAt >= 0, the open pixel inserted there. It
// returns nil when there is nothing to change.
func (r *rewriter) apply(src []byte, edits []edit, pixelAt int) ([]byte, error) {
	if len(edits) == 0 && pixelAt < 0 {
		return nil, nil
	}
	out := make([]byte, 0, len(src)+len(edits)*96+256)
	last, changed := 0, false
	for i := 0; i <= len(edits); i++ {
		if pixelAt >= 0 && (i == len(edits) || edits[i].start >= pixelAt) {
			tag, err := r.pixelTag()
			if err != nil {
				return nil, err
			}
			out = append(out, src[last:pixelAt]...)
			out = append(out, tag...)
			last, pixelAt, changed = pixelAt, -1, true
			r.pixelAdded = true
		}
		if i == len(edits) {
			break
		}
		ed := edits[i]
		if len(r.links) >= maxLinks {
			continue
		}
		u, err := r.opts.ClickURL(len(r.links), ed.url)
		if err != nil {
			return nil, fmt.Errorf("rewrite: link %d: %w", len(r.links), err)
		}
		if err := checkURL(u, false); err != nil {
			return nil, fmt.Errorf("rewrite: link %d: %w", len(r.links), err)
		}
		r.links = append(r.links, ed.url)
		out = append(out, src[last:ed.start]...)
		if ed.html {
			u = html.EscapeString(u)
			if ed.quote == 0 && strings.IndexByte(u, '=') >= 0 {
				// Legal but a parse error in an unquoted value
				// (HTML §13.2.5.38); quoting keeps it clean.
				u = `"` + u + `"`
			}
		}
		out = append(out, u...)
		last, changed = ed.end, true
	}
	if !changed {
		return nil, nil
	}
	return append(out, src[last:]...), nil
}

// pixelTag returns what goes before </body>: the open pixel and the
// honeypot link, each as configured, asking for their URLs on first use.
func (r *rewriter) pixelTag() ([]byte, error) {
	if r.pixel != nil {
		return r.pixel, nil
	}
	var tag []byte
	if r.opens {
		u, err := r.opts.OpenURL()
		if err != nil {
			return nil, fmt.Errorf("rewrite: open pixel: %w", err)
		}
		if err := checkURL(u, false); err != nil {
			return nil, fmt.Errorf("rewrite: open pixel: %w", err)
		}
		tag = append(tag, `<img src="`+html.EscapeString(u)+`" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`...)
	}
	if r.honeypot {
		u, err := r.opts.HoneypotURL()
		if err != nil {
			return nil, fmt.Errorf("rewrite: honeypot link: %w", err)
		}
		if err := checkURL(u, false); err != nil {
			return nil, fmt.Errorf("rewrite: honeypot link: %w", err)
		}
		tag = append(tag, `<a href="`+html.EscapeString(u)+`" style="display:none" aria-hidden="true" tabindex="-1"></a>`...)
	}
	r.pixel = tag
	return r.pixel, nil
}

// unsubscribeURL reports whether u is one of the unsubscribe URLs.
func (r *rewriter) unsubscribeURL(u string) bool {
	return r.skip[u]
}
