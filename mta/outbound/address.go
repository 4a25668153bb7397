package outbound

import (
	"strings"
	"unicode/utf8"
)

// wireAddress returns addr as it goes between the angle brackets of MAIL
// FROM or RCPT TO (RFC 5321 §4.1.2 Path), and false when no form of it can
// be written there without changing the command.
//
// This is the last line of defence for envelope addresses from any source
// (submission, a spool written by an older version, the admin API, TLS
// reports): the receiver must read exactly one path and the parameters we
// add, whatever the address holds. So:
//
//   - the local part goes as it is when it is a Dot-string (RFC 5321
//     §4.1.2: atoms of atext, non-ASCII counting as atext per RFC 6531
//     §3.3, joined by single dots); otherwise it is re-quoted as a
//     Quoted-string, with a backslash before '"' and '\' (quoted-pairSMTP).
//     A local part holding what no Quoted-string may carry (controls,
//     invalid UTF-8) is refused: go-smtp hands servers the unquoted local
//     part, so `"x@b.test> BODY=8BITMIME"@c.test` arrives here as
//     `x@b.test> BODY=8BITMIME@c.test`, and goes out quoted again;
//   - the domain (after the last '@') may hold only letters, digits, '-'
//     and '.', non-ASCII UTF-8 (U-labels, RFC 6531), or be an address
//     literal of dcontent between brackets (RFC 5321 §4.1.3): never a
//     space, '<', '>', '"' or a control;
//   - the only address without '@' is a recipient "postmaster" (RFC 5321
//     §4.1.1.3); the only empty one is the null reverse-path.
//
// An address that needs nothing is returned as it is, without allocating.
func wireAddress(addr string, sender bool) (string, bool) {
	at := strings.LastIndexByte(addr, '@')
	switch {
	case addr == "":
		return "", sender
	case at < 0:
		return addr, !sender && strings.EqualFold(addr, "postmaster")
	case at == 0 || at == len(addr)-1 || !utf8.ValidString(addr):
		return "", false
	}
	local, dom := addr[:at], addr[at+1:]
	if !wireDomain(dom) {
		return "", false
	}
	if dotString(local) {
		return addr, true
	}
	var b strings.Builder
	b.Grow(len(addr) + 8)
	b.WriteByte('"')
	for _, r := range local {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
		case r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0:
			return "", false // no quoted-pairSMTP for controls
		}
		b.WriteRune(r)
	}
	b.WriteString(`"@`)
	b.WriteString(dom)
	return b.String(), true
}

// dotString reports whether local is an RFC 5321 Dot-string (RFC 6531
// §3.3 adds non-ASCII UTF-8 to atext).
func dotString(local string) bool {
	if local == "" || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if r >= 0xa0 || r == '.' {
			continue
		}
		if r >= 0x80 || !IsAtext(byte(r)) {
			return false
		}
	}
	return true
}

// IsAtext reports whether c is an RFC 5322 §3.2.3 atext character: the
// one rule for local parts, shared with submission's address checks.
func IsAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// wireDomain reports whether dom can follow the '@' of a path: a name of
// letters, digits, hyphens, dots and non-ASCII UTF-8, or an address literal
// whose dcontent is printable ASCII other than '[', ']' and '\' (RFC 5321
// §4.1.2, §4.1.3).
func wireDomain(dom string) bool {
	if strings.HasPrefix(dom, "[") {
		if len(dom) < 3 || dom[len(dom)-1] != ']' {
			return false
		}
		for i := 1; i < len(dom)-1; i++ {
			if c := dom[i]; c < 33 || c > 126 || c == '[' || c == ']' || c == '\\' {
				return false
			}
		}
		return true
	}
	for _, r := range dom {
		switch {
		case r >= 0xa0, r == '-', r == '.', '0' <= r && r <= '9', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		default:
			return false
		}
	}
	return true
}
