package queue

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// NormalizeAddr is the one canonical form of an address that keys a
// suppression, whatever form it was written in: every reader and writer
// of suppressions (RCPT and after-DATA checks, the delivery re-check,
// returns, the edge's unsubscribe, the admin API and ctl, the fleet's
// replication and erasures, hashed keys) reaches the table through it.
//
//   - Surrounding white space is dropped.
//   - The local part is lower-cased (strings.ToLower): local parts are
//     case-sensitive in theory (RFC 5321 §2.4) but in no mailbox provider
//     a bulk sender reaches; suppressing by the lower-cased form is what
//     every ESP does. A non-ASCII local part is then put in Unicode NFC
//     (RFC 6530 §10.1, RFC 6532 §3.1): "ju\u0308rgen" (decomposed, as
//     macOS writes it) and "jürgen" are one mailbox to a receiver that
//     normalises, so one key. Compatibility forms (full-width letters)
//     are not folded: submission refuses them (mta/submit), and NFKC
//     would merge mailboxes a receiver keeps apart. No sub-addressing
//     rules.
//   - The domain loses its trailing dots: "r.test." is the root-anchored
//     spelling of "r.test" in DNS, and receivers deliver it to the same
//     mailbox (Postfix strips the dot), so a suppression of one must hold
//     against the other.
//   - The domain is converted to its IDNA A-label form as a resolver
//     would look it up (UTS #46 mapping, non-transitional: idna.Lookup):
//     "bücher.test", "BÜCHER.test", "xn--bcher-kva.test" and the
//     full-width "ｂücher。test" are one domain. An A-label given as such
//     is decoded first, so an A-label of a non-canonical U-label maps
//     with it. A domain IDNA refuses (an underscore, a symbol) is encoded
//     without mapping (Punycode), which is still one form for both its
//     spellings; an address literal ("[192.0.2.1]") is only lower-cased.
//
// A string without "@" (the Addr of a hashed suppression) is only
// lower-cased.
func NormalizeAddr(a string) string {
	a = strings.TrimSpace(a)
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return strings.ToLower(a)
	}
	d := a[at+1:]
	if plainDomain(d) {
		// The fast path (every RCPT): one allocation at most, as before.
		s := strings.ToLower(strings.TrimRight(a, "."))
		if !asciiString(a[:at]) {
			at := strings.LastIndexByte(s, '@')
			return normalizeLocal(s[:at]) + s[at:]
		}
		return s
	}
	return normalizeLocal(strings.ToLower(a[:at])) + "@" + normalizeDomain(d)
}

// normalizeLocal puts a lower-cased local part in NFC (after the
// lower-casing, so that the result is NFC whatever case mapping did).
// ASCII, and non-ASCII already in NFC, come back as they are.
func normalizeLocal(l string) string {
	if asciiString(l) || norm.NFC.IsNormalString(l) {
		return l
	}
	return norm.NFC.String(l)
}

// asciiString reports whether s is all ASCII.
func asciiString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// plainDomain reports whether d is ASCII with no A-label ("xn--", in any
// case) and no trailing dot issue IDNA would change beyond case: its
// canonical form is then d lower-cased without trailing dots.
func plainDomain(d string) bool {
	if d != "" && d[0] == '[' {
		return true // an address literal: lower-cased only
	}
	start := true
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c >= utf8.RuneSelf {
			return false
		}
		if start && (c == 'x' || c == 'X') && len(d)-i >= 4 && strings.EqualFold(d[i:i+4], "xn--") {
			return false
		}
		start = c == '.'
	}
	return true
}

// normalizeDomain is NormalizeAddr's slow path for a domain with
// non-ASCII characters or A-labels.
func normalizeDomain(d string) string {
	l := strings.ToLower(strings.TrimRight(d, "."))
	// Decode A-labels leniently (Punycode: no mapping, no validation);
	// a label that does not decode is kept as written.
	u, _ := idna.Punycode.ToUnicode(l)
	a, err := idna.Lookup.ToASCII(u)
	if err != nil {
		// Not a name IDNA accepts: encode without mapping, so that its
		// U-label and A-label spellings still meet.
		if a, err = idna.Punycode.ToASCII(u); err != nil {
			a = l
		}
	}
	return strings.ToLower(strings.TrimRight(a, "."))
}

// legacyForms returns the other keys under which a suppression of canon
// (a NormalizeAddr result) may have been stored before NormalizeAddr gave
// one canonical form (it lower-cased only, and later left local parts
// un-normalised): canon with a trailing dot; when its domain has
// A-labels, the U-label spelling with and without one; and each of these
// again with the local part in NFD when that differs (the decomposed
// spelling macOS and some forms send; other non-NFC orders cannot be
// enumerated, and the spool rewrite catches them in clear). Spools are
// rewritten once (migrateSuppressionKeys); these are looked up until they
// are, and for hashed keys always (a hash cannot be rewritten).
func legacyForms(canon string) []string {
	at := strings.LastIndexByte(canon, '@')
	if at < 0 || at == len(canon)-1 || canon[at+1] == '[' {
		return nil
	}
	locals := []string{canon[:at]}
	if l := canon[:at]; !asciiString(l) {
		if nfd := norm.NFD.String(l); nfd != l {
			locals = append(locals, nfd)
		}
	}
	d := canon[at+1:]
	domains := []string{d, d + "."}
	if strings.Contains(d, "xn--") {
		if u, err := idna.Lookup.ToUnicode(d); err == nil && u != d {
			u = strings.ToLower(u)
			domains = append(domains, u, u+".")
		}
	}
	forms := make([]string, 0, len(locals)*len(domains)-1)
	for _, l := range locals {
		for _, dom := range domains {
			if f := l + "@" + dom; f != canon {
				forms = append(forms, f)
			}
		}
	}
	return forms
}

// keySuppNorm marks a spool whose suppression and soft-failure keys have
// been rewritten to NormalizeAddr's canonical form
// (migrateSuppressionKeys). Its version changes with the canonical form:
// v1 was written before local parts were put in NFC, so a spool marked v1
// only is rewritten again (and its v1 marker removed). It lives in the suppressions' own bucket, which
// every lookup has open already (another bucket would cost each RCPT
// miss an allocation or two), under the empty tenant and in the shape of
// a hashed suppression: no tenant's listing reaches it (ListSuppressions
// skips the empty tenant) and the fleet's re-seeding walk skips hashed
// entries. Its value is suppNormPlain, or suppNormHashed when the spool
// held hashed suppressions at the rewrite: their hashes may be of an older
// form, so lookups probe those (legacyLookup); a spool without them never
// does.
var (
	keySuppNorm   = []byte("\x00" + HashedPrefix + "canonical-keys-v2")
	keySuppNormV1 = []byte("\x00" + HashedPrefix + "canonical-keys-v1")
)

var (
	suppNormPlain  = (&Suppression{Scope: ScopeAll, Reason: "canonical_keys", Source: "queue"}).encode()
	suppNormHashed = (&Suppression{Scope: ScopeAll, Reason: "canonical_keys_hashed", Source: "queue"}).encode()
)

// suppNormalized reports whether tx's spool has had its keys rewritten.
func suppNormalized(tx *bolt.Tx) bool { return tx.Bucket(bucketSupp).Get(keySuppNorm) != nil }

// migrateSuppressionKeys rewrites, once per spool, every suppression and
// soft-failure key written under an older form of an address (a trailing
// dot, a U-label domain) to NormalizeAddr's form, merging two entries that
// meet: the wider scope wins, and of two of the same scope the one
// already under the canonical key stays. Hashed keys (erasures) cannot be
// rewritten: Suppressed looks their older forms up instead. It reports
// how many keys it moved.
func (s *Store) migrateSuppressionKeys(tx *bolt.Tx) (int, error) {
	if suppNormalized(tx) {
		return 0, nil
	}
	n := 0
	supp := tx.Bucket(bucketSupp)
	type move struct{ old, canon []byte }
	var moves []move
	hashed := false
	if err := supp.ForEach(func(k, _ []byte) error {
		if t, a, _ := bytes.Cut(k, []byte{0}); len(t) > 0 && bytes.HasPrefix(a, []byte(HashedPrefix)) {
			hashed = true
		}
		if c, ok := canonicalKey(k); ok {
			moves = append(moves, move{bytes.Clone(k), c})
		}
		return nil
	}); err != nil {
		return 0, err
	}
	for _, m := range moves {
		v := bytes.Clone(supp.Get(m.old))
		if err := supp.Delete(m.old); err != nil {
			return 0, err
		}
		if cur := supp.Get(m.canon); cur != nil {
			old, err1 := decodeSuppression(m.old, v)
			have, err2 := decodeSuppression(m.canon, cur)
			if err1 != nil || err2 == nil && (have.Scope == ScopeAll || have.Scope == old.Scope) {
				n++
				continue
			}
		}
		if err := s.putSupp(tx, supp, m.canon, v); err != nil {
			return 0, err
		}
		n++
	}
	soft := tx.Bucket(bucketSoft)
	moves = moves[:0]
	if err := soft.ForEach(func(k, _ []byte) error {
		if c, ok := canonicalKey(k); ok {
			moves = append(moves, move{bytes.Clone(k), c})
		}
		return nil
	}); err != nil {
		return 0, err
	}
	for _, m := range moves {
		v := append(bytes.Clone(soft.Get(m.canon)), soft.Get(m.old)...)
		if err := soft.Delete(m.old); err != nil {
			return 0, err
		}
		if supp.Get(m.canon) != nil {
			continue // suppressed already: nothing to count
		}
		if err := soft.Put(m.canon, v); err != nil {
			return 0, err
		}
	}
	marker := suppNormPlain
	if hashed {
		marker = suppNormHashed
	}
	if err := supp.Delete(keySuppNormV1); err != nil {
		return 0, err
	}
	return n, s.putSupp(tx, supp, keySuppNorm, marker)
}

// canonicalKey returns the canonical form of a tenant\x00addr key and
// whether it differs from k (hashed keys never do).
func canonicalKey(k []byte) ([]byte, bool) {
	t, a, ok := bytes.Cut(k, []byte{0})
	if !ok || len(t) == 0 || bytes.HasPrefix(a, []byte(HashedPrefix)) {
		return nil, false
	}
	c := NormalizeAddr(string(a))
	if c == string(a) || c == "" {
		return nil, false
	}
	return []byte(string(t) + "\x00" + c), true
}

// legacyProbes says which older forms a lookup must probe: in clear
// until the spool's keys are rewritten; hashed (erasures made before the
// upgrade) while the spool has hashed suppressions and is not rewritten,
// or was rewritten with some. A rewritten spool without erasures from
// before probes nothing: one meta lookup.
func (s *Store) legacyProbes(tx *bolt.Tx) (clear, hashed bool) {
	v := tx.Bucket(bucketSupp).Get(keySuppNorm)
	if v == nil {
		return true, s.hashedAny.Load()
	}
	return false, bytes.Equal(v, suppNormHashed)
}

// legacyLookup finds a suppression of canon stored under one of its older
// forms (legacyProbes). It returns the widest found.
func (s *Store) legacyLookup(tx *bolt.Tx, tenant, canon string) (Suppression, bool) {
	var best Suppression
	var found bool
	clear, hashed := s.legacyProbes(tx)
	if !clear && !hashed {
		return best, false
	}
	b := tx.Bucket(bucketSupp)
	for _, f := range legacyForms(canon) {
		var keys [][]byte
		if clear {
			keys = append(keys, []byte(tenant+"\x00"+f))
		}
		if hashed {
			keys = append(keys, s.rawHashedKey(tenant, f))
		}
		for _, k := range keys {
			v := b.Get(k)
			if v == nil {
				continue
			}
			if sup, err := decodeSuppression(k, v); err == nil && (!found || sup.Scope == ScopeAll && best.Scope != ScopeAll) {
				best, found = sup, true
			}
		}
	}
	return best, found
}

// legacyKeys returns the keys legacyLookup would probe (for deletion).
func (s *Store) legacyKeys(tx *bolt.Tx, tenant, canon string) [][]byte {
	var keys [][]byte
	clear, hashed := s.legacyProbes(tx)
	if !clear && !hashed {
		return nil
	}
	for _, f := range legacyForms(canon) {
		if clear {
			keys = append(keys, []byte(tenant+"\x00"+f))
		}
		if hashed {
			keys = append(keys, s.rawHashedKey(tenant, f))
		}
	}
	return keys
}

// rawHashedKey is hashedKey of form exactly as given (not normalized
// again): the key an erasure made under the older normalisation wrote.
func (s *Store) rawHashedKey(tenant, form string) []byte {
	mac := hmac.New(sha256.New, s.addrKey)
	mac.Write([]byte(tenant))
	mac.Write([]byte{0})
	mac.Write([]byte(form))
	k := append([]byte(tenant+"\x00"), HashedPrefix...)
	return hex.AppendEncode(k, mac.Sum(nil))
}

// PlainCanonical reports whether NormalizeAddr(string(a)) is a with its
// ASCII letters lower-cased and nothing else: printable ASCII without
// white space, no trailing dot, no A-label. Byte-wise comparisons of
// stored addresses (privacy's directory walk) may take that fast path
// only then; otherwise they must normalize.
func PlainCanonical(a []byte) bool {
	if len(a) == 0 || a[len(a)-1] == '.' {
		return len(a) == 0
	}
	start := false
	for i, c := range a {
		if c >= utf8.RuneSelf || c <= ' ' {
			return false
		}
		if start && (c == 'x' || c == 'X') && len(a)-i >= 4 && strings.EqualFold(string(a[i:i+4]), "xn--") {
			return false
		}
		start = c == '.' || c == '@'
	}
	return true
}
