package tlspolicy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MTA-STS limits (RFC 8461).
const (
	// MaxSTSAge is the largest max_age a policy may give, about a year
	// (RFC 8461 §3.2).
	MaxSTSAge = 31557600
	// maxPolicySize bounds a fetched policy body: 64 KiB (RFC 8461 §3.3).
	maxPolicySize = 64 << 10
)

// STSMode is the mode field of an MTA-STS policy (RFC 8461 §5).
type STSMode string

// The policy modes.
const (
	STSEnforce STSMode = "enforce" // failures defer, never downgrade
	STSTesting STSMode = "testing" // failures are reported, mail delivered
	STSNone    STSMode = "none"    // no policy in force
)

// Sentinel errors of the MTA-STS parsers.
var (
	// ErrSTSRecord marks a `_mta-sts` TXT record set that does not give
	// exactly one valid STSv1 record (RFC 8461 §3.1).
	ErrSTSRecord = errors.New("tlspolicy: invalid MTA-STS TXT record")
	// ErrSTSPolicy marks a policy body that does not parse (RFC 8461 §3.2).
	ErrSTSPolicy = errors.New("tlspolicy: invalid MTA-STS policy")
)

// STSPolicy is a parsed MTA-STS policy (RFC 8461 §3.2).
type STSPolicy struct {
	Mode STSMode
	// MX are the MX patterns, lower case: host names, or "*.suffix"
	// matching exactly one more label (§4.1).
	MX []string
	// MaxAge is the policy's lifetime in seconds.
	MaxAge int64
}

// ParseTXT returns the id of the one valid STSv1 record among records, the
// TXT strings of `_mta-sts.<domain>`. RFC 8461 §3.1: records not starting
// with "v=STSv1;" are discarded; if not exactly one remains, or it is
// invalid, the domain has no available policy.
func ParseTXT(records []string) (id string, err error) {
	var found []string
	for _, r := range records {
		if strings.HasPrefix(r, "v=STSv1;") || r == "v=STSv1" {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("%w: %d STSv1 records", ErrSTSRecord, len(found))
	}
	return parseTXTRecord(found[0])
}

// parseTXTRecord parses one record (§3.1):
//
//	sts-text-record = sts-version 1*(*WSP %x3B *WSP sts-field) [%x3B]
//	sts-field       = sts-id / sts-extension
//	sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
//	sts-extension   = 1*32(ALPHA / DIGIT / "_" / "-" / ".") "=" 1*(%x21-3A / %x3C / %x3E-7E)
func parseTXTRecord(r string) (string, error) {
	fields := strings.Split(r, ";")
	if fields[0] != "v=STSv1" {
		return "", fmt.Errorf("%w: version", ErrSTSRecord)
	}
	id := ""
	for i, f := range fields[1:] {
		f = strings.Trim(f, " \t")
		if f == "" && i == len(fields)-2 {
			continue // the optional trailing ";"
		}
		name, value, ok := strings.Cut(f, "=")
		if !ok || !validExtName(name) || !validExtValue(value) {
			return "", fmt.Errorf("%w: field %q", ErrSTSRecord, f)
		}
		if name == "id" {
			if id != "" {
				return "", fmt.Errorf("%w: two ids", ErrSTSRecord)
			}
			if len(value) > 32 || !alnum(value) {
				return "", fmt.Errorf("%w: id %q", ErrSTSRecord, value)
			}
			id = value
		}
	}
	if id == "" {
		return "", fmt.Errorf("%w: no id", ErrSTSRecord)
	}
	return id, nil
}

func validExtName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !isAlnum(c) && c != '_' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func validExtValue(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == ';' || c == '=' {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for i := range len(s) {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return s != ""
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ParsePolicy parses a policy body (RFC 8461 §3.2): "key: value" lines
// ended by CRLF or LF; version STSv1, mode and max_age are required, mx
// at least once unless the mode is none; unknown keys are ignored, and of a
// repeated key other than mx the first counts.
func ParsePolicy(body []byte) (*STSPolicy, error) {
	p := &STSPolicy{MaxAge: -1}
	var version string
	seen := map[string]bool{}
	for line := range strings.SplitSeq(string(body), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%w: line %q", ErrSTSPolicy, truncate(line))
		}
		key = strings.TrimSpace(key)
		value = strings.Trim(value, " \t")
		if key != "mx" && seen[key] {
			continue
		}
		seen[key] = true
		switch key {
		case "version":
			version = value
		case "mode":
			switch m := STSMode(value); m {
			case STSEnforce, STSTesting, STSNone:
				p.Mode = m
			default:
				return nil, fmt.Errorf("%w: mode %q", ErrSTSPolicy, truncate(value))
			}
		case "max_age":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 || n > MaxSTSAge || len(value) > 10 {
				return nil, fmt.Errorf("%w: max_age %q", ErrSTSPolicy, truncate(value))
			}
			p.MaxAge = n
		case "mx":
			pat := strings.ToLower(strings.TrimSuffix(value, "."))
			if !validPattern(pat) {
				return nil, fmt.Errorf("%w: mx %q", ErrSTSPolicy, truncate(value))
			}
			p.MX = append(p.MX, pat)
		}
	}
	switch {
	case version != "STSv1":
		return nil, fmt.Errorf("%w: version %q", ErrSTSPolicy, truncate(version))
	case p.Mode == "":
		return nil, fmt.Errorf("%w: no mode", ErrSTSPolicy)
	case p.MaxAge < 0:
		return nil, fmt.Errorf("%w: no max_age", ErrSTSPolicy)
	case p.Mode != STSNone && len(p.MX) == 0:
		return nil, fmt.Errorf("%w: no mx", ErrSTSPolicy)
	}
	return p, nil
}

// validPattern accepts a host name, optionally "*." followed by one; labels
// are letters, digits and hyphens (and underscores, seen in the wild).
func validPattern(p string) bool {
	p = strings.TrimPrefix(p, "*.")
	if p == "" || len(p) > 253 {
		return false
	}
	for label := range strings.SplitSeq(p, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := range len(label) {
			c := label[i]
			if !isAlnum(c) && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}

// MatchMX reports whether host, an MX host name, matches one of the
// policy's patterns (RFC 8461 §4.1): equal ignoring case and a trailing
// dot, or "*.suffix" with exactly one label in place of the "*".
func (p *STSPolicy) MatchMX(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, pat := range p.MX {
		if suffix, ok := strings.CutPrefix(pat, "*."); ok {
			label, rest, found := strings.Cut(host, ".")
			if found && label != "" && rest == suffix {
				return true
			}
			continue
		}
		if host == pat {
			return true
		}
	}
	return false
}

// String renders the policy as RFC 8461 §3.2 text, the "policy-string" a
// TLS report carries (RFC 8460 §4.4).
func (p *STSPolicy) String() string {
	var b strings.Builder
	b.WriteString("version: STSv1\nmode: ")
	b.WriteString(string(p.Mode))
	for _, mx := range p.MX {
		b.WriteString("\nmx: ")
		b.WriteString(mx)
	}
	b.WriteString("\nmax_age: ")
	b.WriteString(strconv.FormatInt(p.MaxAge, 10))
	return b.String()
}

// truncate bounds hostile text quoted in errors.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
