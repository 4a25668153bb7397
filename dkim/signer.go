package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"sluice/internal/clock"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for Sign; the message is malformed and should have been
// refused at submission. Match them with errors.Is.
var (
	// ErrNoFrom reports a message without a From field, which RFC 5322
	// §3.6 requires and DKIM must sign (RFC 6376 §5.4).
	ErrNoFrom = errors.New("dkim: no From header field")
	// ErrMultipleFrom reports more than one From field (RFC 5322 §3.6
	// allows one); DMARC receivers reject such mail.
	ErrMultipleFrom = errors.New("dkim: more than one From header field")
	// ErrBadFrom reports a From field whose domain cannot be determined:
	// unparsable, or addresses in different domains.
	ErrBadFrom = errors.New("dkim: cannot determine the From domain")
)

// Key is one DKIM signing key.
type Key struct {
	// Domain is the signing domain (d=). The key signs mail whose From
	// domain is Domain or one of its subdomains (relaxed DMARC alignment,
	// RFC 7489 §3.1.1). ASCII (A-label) form; case does not matter.
	Domain string
	// Selector (s=) names the key record Selector._domainkey.Domain.
	Selector string
	// Signer is the private key: an *rsa.PrivateKey of at least 1024 bits
	// (2048 recommended, RFC 8301 §3.2), an ed25519.PrivateKey, or any
	// crypto.Signer (an HSM, say) whose Public method returns one of the
	// matching public key types. It must be safe for concurrent use, as
	// the standard library keys are.
	Signer crypto.Signer
}

// Options configures a Signer.
type Options struct {
	// Keys are the author-domain keys. A message is signed with every key
	// of the most specific domain that matches its From domain: give an
	// RSA and an Ed25519 key for the same domain to dual-sign (RFC 8463).
	// Signatures appear in the order the keys are listed; list RSA first,
	// for verifiers that check only the first signature.
	Keys []Key
	// ESPKeys are the sending service's own keys: every signed message
	// gets one more signature per ESPKey (unless the same domain and
	// selector already signed it), even when no Keys entry matches, so
	// feedback loops keyed on d= (Yahoo's CFL, for one) reach the service.
	// Optional.
	ESPKeys []Key
	// Expiration sets x= to the signing time plus Expiration, rounded up
	// to whole seconds (RFC 6376 §3.5). Zero, the default, omits x=. Keep
	// it longer than the queue's maximum retry time: a receiver fails an
	// expired signature.
	Expiration time.Duration
	// Now is the clock used for t= and x=. Defaults to clock.Real: receivers read t= and x= against their own clocks.
	Now func() time.Time
}

// Signer signs messages with a fixed set of keys. It is immutable after
// NewSigner and safe for concurrent use without locking; to rotate keys,
// build a new Signer and swap the pointer (for example in an
// atomic.Pointer).
type Signer struct {
	byDomain   map[string][]*signingKey // lower-case Domain → keys
	esp        []*signingKey
	expiration time.Duration
	now        func() time.Time
	headers    []signedHeader
	addrParser *mail.AddressParser
}

// signingKey is a validated Key with its tags preformatted.
type signingKey struct {
	domain, selector string
	signer           crypto.Signer
	hash             crypto.Hash // crypto.SHA256 for RSA; 0 for Ed25519, which signs the digest itself (RFC 8463 §3)
	aTag, dTag, sTag string      // "a=…;", "d=…;", "s=…;"
}

// signedHeader is a header field Sign covers.
type signedHeader struct {
	name string // lower case, as written in h=
	over bool   // oversigned (RFC 6376 §5.4.2)
}

// defaultHeaders lists the header fields to sign, in h= order: those of
// RFC 6376 §5.4.1 that matter for bulk mail, plus RFC 8058's unsubscribe
// pair and Gmail's Feedback-ID. Oversigned fields are those whose addition
// by a third party would mislead the recipient or hijack unsubscribes.
func defaultHeaders() []signedHeader {
	return []signedHeader{
		{"from", true},
		{"to", false},
		{"cc", false},
		{"subject", true},
		{"date", false},
		{"message-id", false},
		{"mime-version", false},
		{"content-type", false},
		{"content-transfer-encoding", false},
		{"reply-to", false},
		{"list-unsubscribe", true},
		{"list-unsubscribe-post", true},
		{"feedback-id", false},
	}
}

// NewSigner validates opts and builds a Signer: every key must be RSA (at
// least 1024 bits) or Ed25519, with a valid domain and selector, and no
// domain/selector pair may repeat within Keys or within ESPKeys.
func NewSigner(opts Options) (*Signer, error) {
	if len(opts.Keys) == 0 && len(opts.ESPKeys) == 0 {
		return nil, errors.New("dkim: no keys")
	}
	if opts.Expiration < 0 {
		return nil, fmt.Errorf("dkim: negative expiration %v", opts.Expiration)
	}
	s := &Signer{
		byDomain:   make(map[string][]*signingKey),
		expiration: opts.Expiration,
		now:        opts.Now,
		headers:    defaultHeaders(),
		// The From domain is all Sign needs: decode RFC 2047 display
		// names in any charset as bytes, rather than fail on an unknown
		// one as net/mail's default decoder does.
		addrParser: &mail.AddressParser{WordDecoder: &mime.WordDecoder{
			CharsetReader: func(_ string, input io.Reader) (io.Reader, error) { return input, nil },
		}},
	}
	if s.now == nil {
		s.now = clock.Real // receivers compare t= and x= with their own clocks
	}
	seen := make(map[string]bool)
	for i, k := range opts.Keys {
		sk, err := newSigningKey(k)
		if err != nil {
			return nil, wrapf(err, "Keys[%d]", i)
		}
		id := sk.selector + "._domainkey." + sk.domain
		if seen[id] {
			return nil, fmt.Errorf("dkim: Keys[%d]: duplicate key %s", i, id)
		}
		seen[id] = true
		s.byDomain[sk.domain] = append(s.byDomain[sk.domain], sk)
	}
	clear(seen)
	for i, k := range opts.ESPKeys {
		sk, err := newSigningKey(k)
		if err != nil {
			return nil, wrapf(err, "ESPKeys[%d]", i)
		}
		id := sk.selector + "._domainkey." + sk.domain
		if seen[id] {
			return nil, fmt.Errorf("dkim: ESPKeys[%d]: duplicate key %s", i, id)
		}
		seen[id] = true
		s.esp = append(s.esp, sk)
	}
	return s, nil
}

// newSigningKey validates k and preformats its tags.
func newSigningKey(k Key) (*signingKey, error) {
	domain := strings.ToLower(strings.TrimSuffix(k.Domain, "."))
	if err := checkName(domain); err != nil {
		return nil, wrapf(err, "domain %q", k.Domain)
	}
	if err := checkName(k.Selector); err != nil {
		return nil, wrapf(err, "selector %q", k.Selector)
	}
	if err := checkKey(k.Signer); err != nil {
		return nil, wrapf(err, "key %s/%s", domain, k.Selector)
	}
	sk := &signingKey{
		domain:   domain,
		selector: k.Selector,
		signer:   k.Signer,
		dTag:     "d=" + domain + ";",
		sTag:     "s=" + k.Selector + ";",
	}
	switch k.Signer.Public().(type) {
	case *rsa.PublicKey:
		sk.hash, sk.aTag = crypto.SHA256, "a=rsa-sha256;"
	case ed25519.PublicKey:
		sk.hash, sk.aTag = 0, "a=ed25519-sha256;"
	}
	return sk, nil
}

// Sign computes the DKIM-Signature header field(s) for msg, a complete
// message (header section, empty line, body) with CRLF line ends, as
// received over SMTP. See the "Line ends" comment in canon.go for bare CR
// and LF. The result is one folded, CRLF-terminated field per signature, for
// the caller to prepend to msg unchanged; msg is not modified.
//
// Keys are chosen by the From field's domain: the keys of that exact
// domain, or else of its closest configured parent domain. signed reports
// whether such a signature was made; when it is false, fields may still
// hold the ESPKeys signatures. Sign does not check that the submitter may
// use the From domain: that authorization is the caller's.
//
// The error is ErrNoFrom, ErrMultipleFrom, ErrBadFrom or ErrMalformedHeader
// (wrapped) for malformed messages, or a key's signing error.
func (s *Signer) Sign(msg []byte) (fields []byte, signed bool, err error) {
	var fieldArr [32]headerField
	hdr, body, err := splitMessage(msg, fieldArr[:0])
	if err != nil {
		return nil, false, err
	}
	domain, err := s.fromDomain(hdr)
	if err != nil {
		return nil, false, err
	}
	var keyArr [8]*signingKey
	keys := append(keyArr[:0], s.lookup(domain)...)
	signed = len(keys) > 0
	for _, e := range s.esp {
		if !containsKey(keys, e) {
			keys = append(keys, e)
		}
	}
	if len(keys) == 0 {
		return nil, false, nil
	}

	// Shared by all signatures: body hash and canonical header block.
	scratch := make([]byte, 0, 1024)
	bodyHash := relaxedBodyHash(body, scratch)
	var bh [len("bh=;") + 44]byte
	bhTag := append(bh[:0], "bh="...)
	bhTag = base64.StdEncoding.AppendEncode(bhTag, bodyHash[:])
	bhTag = append(bhTag, ';')

	hlist := make([]byte, 0, 256)
	canonHdr := make([]byte, 0, 1024)
	for _, sh := range s.headers {
		// Bottom-up, as verifiers pick instances (RFC 6376 §5.4.2).
		for i := len(hdr) - 1; i >= 0; i-- {
			if asciiEqualFold(hdr[i].name, sh.name) {
				hlist = append(append(hlist, sh.name...), ':')
				canonHdr = appendRelaxedHeader(canonHdr, hdr[i])
			}
		}
		if sh.over {
			// Names a "null" instance: adding one fails the signature.
			hlist = append(append(hlist, sh.name...), ':')
		}
	}
	hlist = hlist[:len(hlist)-1] // From is always listed

	now := s.now().Unix()
	expires := int64(0)
	if s.expiration > 0 {
		expires = now + int64((s.expiration+time.Second-1)/time.Second)
	}

	out := make([]byte, 0, len(keys)*(600+len(hlist)))
	h := sha256.New()
	var digest [sha256.Size]byte
	for _, k := range keys {
		start := len(out)
		f := folder{b: out}
		f.appendTags(k, now, expires, hlist, bhTag)
		// RFC 6376 §3.7: the signature field is hashed last, canonical,
		// with an empty b= value and no trailing CRLF.
		self := headerField{name: f.b[start : start+len("DKIM-Signature")], raw: f.b[start:], colon: len("DKIM-Signature")}
		scratch = appendRelaxedHeader(scratch[:0], self)
		scratch = scratch[:len(scratch)-2]
		h.Reset()
		h.Write(canonHdr)
		h.Write(scratch)
		sig, err := k.signer.Sign(rand.Reader, h.Sum(digest[:0]), k.hash)
		if err != nil {
			return nil, false, wrapf(err, "sign with %s._domainkey.%s", k.selector, k.domain)
		}
		scratch = base64.StdEncoding.AppendEncode(scratch[:0], sig)
		f.appendBase64(scratch)
		out = append(f.b, '\r', '\n')
	}
	return out, signed, nil
}

// FieldsLen returns an upper bound on the length of what Sign returns for
// a message with at most one instance of each signed header field, over
// every From domain the Signer has keys for: for callers that want room
// for the fields before the message (mta/submit). A message that repeats
// signed fields can need more, as its h= lists each instance.
func (s *Signer) FieldsLen() int {
	hlist := 0
	for _, sh := range s.headers {
		hlist += len(sh.name) + 1
		if sh.over {
			hlist += len(sh.name) + 1
		}
	}
	keysLen := func(ks []*signingKey) int {
		n := 0
		for _, k := range ks {
			n += k.fieldLen(hlist, s.expiration > 0)
		}
		return n
	}
	most := 0
	for _, ks := range s.byDomain {
		most = max(most, keysLen(ks))
	}
	// The ESP keys sign every message, those of a From domain with keys
	// too (counted once if they are the same keys: an upper bound anyway).
	return most + keysLen(s.esp)
}

// fieldLen bounds the length of one signature field by k with an h= list
// of hlist bytes.
func (k *signingKey) fieldLen(hlist int, expires bool) int {
	sig := 64 // Ed25519
	if pub, ok := k.signer.Public().(*rsa.PublicKey); ok {
		sig = pub.Size()
	}
	n := len("DKIM-Signature: v=1; c=relaxed/relaxed;") + 1 + len(k.aTag) + 1 + len(k.dTag) + 1 + len(k.sTag) +
		len(" t=;") + 20 + len(" bh=;") + 44 + len(" h=") + hlist + len(" b=") + (sig+2)/3*4
	if expires {
		n += len(" x=;") + 20
	}
	// Folding: CRLF TAB for each line of at least maxLine-longest bytes (a
	// token moves to the next line only when it would overflow; b= folds
	// anywhere, h= between names; the longest other token is bh=, 49
	// bytes with its space, unless d= or s= is longer), then the final
	// CRLF.
	longest := max(len(" bh=;")+44, len(k.dTag)+1, len(k.sTag)+1)
	return n + 3*(n/(maxLine-longest)+1) + 2
}

// fromDomain returns the lower-case domain of the message's single From
// field (RFC 5322 §3.6.2).
func (s *Signer) fromDomain(hdr []headerField) (string, error) {
	from := -1
	for i := range hdr {
		if asciiEqualFold(hdr[i].name, "from") {
			if from >= 0 {
				return "", ErrMultipleFrom
			}
			from = i
		}
	}
	if from < 0 {
		return "", ErrNoFrom
	}
	// Unfold: drop the line breaks, keep the WSP after them.
	v := hdr[from].raw[hdr[from].colon+1:]
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\n' || v[i] == '\r' && i+1 < len(v) && v[i+1] == '\n' {
			continue
		}
		b.WriteByte(v[i])
	}
	addrs, err := s.addrParser.ParseList(b.String())
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadFrom, err)
	}
	domain := ""
	for _, a := range addrs {
		at := strings.LastIndexByte(a.Address, '@')
		if at < 0 {
			return "", fmt.Errorf("%w: address without domain", ErrBadFrom)
		}
		d := strings.ToLower(strings.TrimSuffix(a.Address[at+1:], "."))
		if domain != "" && d != domain {
			return "", fmt.Errorf("%w: addresses in several domains", ErrBadFrom)
		}
		domain = d
	}
	if domain == "" {
		return "", fmt.Errorf("%w: no address", ErrBadFrom)
	}
	return domain, nil
}

// lookup returns the keys for domain, or else for its closest parent
// domain that has keys.
func (s *Signer) lookup(domain string) []*signingKey {
	for d := domain; d != ""; {
		if ks, ok := s.byDomain[d]; ok {
			return ks
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			break
		}
		d = d[i+1:]
	}
	return nil
}

// containsKey reports whether keys holds a key with k's domain and selector.
func containsKey(keys []*signingKey, k *signingKey) bool {
	for _, o := range keys {
		if o.domain == k.domain && o.selector == k.selector {
			return true
		}
	}
	return false
}

// asciiEqualFold reports whether b equals lower, a lower-case ASCII string,
// ignoring ASCII case.
func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// maxLine is the line length signature fields are folded to (RFC 5322
// §2.1.1 SHOULD), not counting CRLF.
const maxLine = 78

// folder appends a DKIM-Signature field, folding it with CRLF TAB where
// RFC 6376 §3.5 allows FWS: between tags, after the colons of h=, and
// anywhere inside base64 values.
type folder struct {
	b    []byte
	line int // length of the current line
}

// appendTags appends the field name and every tag up to an empty b=.
func (f *folder) appendTags(k *signingKey, t, x int64, hlist, bhTag []byte) {
	f.putString("DKIM-Signature:")
	f.word("v=1;")
	f.word(k.aTag)
	f.word("c=relaxed/relaxed;")
	f.word(k.dTag)
	f.word(k.sTag)
	var num [24]byte
	tok := append(strconv.AppendInt(append(num[:0], "t="...), t, 10), ';')
	f.sep(len(tok))
	f.put(tok)
	if x != 0 {
		tok = append(strconv.AppendInt(append(num[:0], "x="...), x, 10), ';')
		f.sep(len(tok))
		f.put(tok)
	}
	f.sep(len(bhTag))
	f.put(bhTag)
	// h=name:name:…; with FWS allowed after each colon.
	for i := 0; len(hlist) > 0; i++ {
		name := hlist
		if j := bytes.IndexByte(hlist, ':'); j >= 0 {
			name, hlist = hlist[:j+1], hlist[j+1:]
		} else {
			hlist = nil
		}
		n := len(name)
		if hlist == nil {
			n++ // the final ';'
		}
		if i == 0 {
			f.sep(len("h=") + n)
			f.putString("h=")
		} else if f.line+n > maxLine {
			f.b = append(f.b, "\r\n\t"...)
			f.line = 1
		}
		f.put(name)
		if hlist == nil {
			f.putString(";")
		}
	}
	f.word("b=")
}

// sep appends the space before a token of n bytes, or CRLF TAB if the token
// would overflow the line.
func (f *folder) sep(n int) {
	if f.line+1+n > maxLine {
		f.b = append(f.b, "\r\n\t"...)
		f.line = 1
		return
	}
	f.b = append(f.b, ' ')
	f.line++
}

// word appends s as a separate token.
func (f *folder) word(s string) {
	f.sep(len(s))
	f.putString(s)
}

// putString appends s to the current line.
func (f *folder) putString(s string) {
	f.b = append(f.b, s...)
	f.line += len(s)
}

// put appends b to the current line.
func (f *folder) put(b []byte) {
	f.b = append(f.b, b...)
	f.line += len(b)
}

// appendBase64 appends the b= value, breaking lines at maxLine.
func (f *folder) appendBase64(v []byte) {
	for len(v) > 0 {
		room := maxLine - f.line
		if room <= 0 {
			f.b = append(f.b, "\r\n\t"...)
			f.line = 1
			continue
		}
		n := min(room, len(v))
		f.b = append(f.b, v[:n]...)
		f.line += n
		v = v[n:]
	}
}
