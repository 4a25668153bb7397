package tlsrpt

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// Limits on a TLSRPT record, which comes from a stranger's DNS. RFC 8460
// sets none; these are far above what receivers publish.
const (
	// maxRecordLen bounds one record's text.
	maxRecordLen = 4096
	// maxRUA bounds the reporting URIs used from one record; the rest are
	// ignored.
	maxRUA = 8
	// maxURILen bounds one reporting URI.
	maxURILen = 1024
)

// ErrRecord marks a `_smtp._tls` TXT record set that does not give
// exactly one valid TLSRPTv1 record (RFC 8460 §3): the domain asks for no
// reports.
var ErrRecord = errors.New("tlsrpt: invalid TLSRPT record")

// Record is a receiver's reporting policy (RFC 8460 §3).
type Record struct {
	// RUA are the reporting URIs, in the record's order: "mailto:" ones
	// with one plain address, "https:" ones with a host. URIs of other
	// schemes are dropped.
	RUA []*url.URL
}

// ParseRecord returns the one TLSRPTv1 record among records, the TXT
// strings of `_smtp._tls.<domain>`. RFC 8460 §3: records that do not begin
// with "v=TLSRPTv1;" (or "v=TLSRPTv1 ;", which the grammar allows) are
// discarded; if not exactly one remains, or it does
// not parse, or it gives no usable rua, the domain gets no reports.
// Unknown fields are ignored.
func ParseRecord(records []string) (*Record, error) {
	var found []string
	for _, r := range records {
		v, _, _ := strings.Cut(r, ";")
		if strings.TrimRight(v, " \t") == "v=TLSRPTv1" {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%w: %d TLSRPTv1 records", ErrRecord, len(found))
	}
	return parseRecord(found[0])
}

// parseRecord parses one record (§3):
//
//	tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//	field-delim      = *WSP ";" *WSP
//	tlsrpt-field     = tlsrpt-rua / tlsrpt-extension
//	tlsrpt-version   = %s"v=TLSRPTv1"
//	tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//	tlsrpt-extension = tlsrpt-ext-name "=" tlsrpt-ext-value
//	tlsrpt-ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//	tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
func parseRecord(r string) (*Record, error) {
	if len(r) > maxRecordLen {
		return nil, fmt.Errorf("%w: %d bytes", ErrRecord, len(r))
	}
	fields := strings.Split(r, ";")
	if strings.TrimRight(fields[0], " \t") != "v=TLSRPTv1" || len(fields) < 2 {
		return nil, fmt.Errorf("%w: version", ErrRecord)
	}
	var rec *Record
	for i, f := range fields[1:] {
		f = strings.Trim(f, " \t")
		if f == "" && i == len(fields)-2 && i > 0 {
			continue // the optional trailing delimiter
		}
		name, value, ok := strings.Cut(f, "=")
		if !ok || !validExtName(name) {
			return nil, fmt.Errorf("%w: field %q", ErrRecord, clip(f))
		}
		switch name {
		case "v": // §3: no field may be named "v" after the version
			return nil, fmt.Errorf("%w: second version", ErrRecord)
		case "rua":
			if rec != nil {
				return nil, fmt.Errorf("%w: two rua fields", ErrRecord)
			}
			uris, err := parseRUA(value)
			if err != nil {
				return nil, err
			}
			rec = &Record{RUA: uris}
		default:
			if !validExtValue(value) {
				return nil, fmt.Errorf("%w: field %q", ErrRecord, clip(f))
			}
		}
	}
	if rec == nil {
		return nil, fmt.Errorf("%w: no rua", ErrRecord)
	}
	if len(rec.RUA) == 0 {
		return nil, fmt.Errorf("%w: no mailto or https rua", ErrRecord)
	}
	return rec, nil
}

// parseRUA reads the comma-separated URIs of a rua field (commas inside a
// URI are percent-encoded, §3). URIs with schemes other than mailto and
// https are skipped; a malformed mailto or https URI invalidates the
// record, as it does not follow the grammar.
func parseRUA(v string) ([]*url.URL, error) {
	var out []*url.URL
	for _, s := range strings.Split(v, ",") {
		s = strings.Trim(s, " \t")
		if s == "" || len(s) > maxURILen {
			return nil, fmt.Errorf("%w: rua URI %q", ErrRecord, clip(s))
		}
		u, err := url.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("%w: rua URI %q", ErrRecord, clip(s))
		}
		switch strings.ToLower(u.Scheme) {
		case "mailto":
			if _, err := MailtoAddress(u); err != nil {
				return nil, err
			}
		case "https":
			if u.Host == "" || u.User != nil || u.Hostname() == "" {
				return nil, fmt.Errorf("%w: rua URI %q", ErrRecord, clip(s))
			}
		default:
			continue
		}
		u.Scheme = strings.ToLower(u.Scheme)
		if len(out) < maxRUA {
			out = append(out, u)
		}
	}
	return out, nil
}

// MailtoAddress returns the one address of a mailto rua (RFC 6068): a
// plain local@domain without display name, comments or header fields
// beyond the address.
func MailtoAddress(u *url.URL) (string, error) {
	addr := u.Opaque
	if addr == "" {
		addr = u.Path
	}
	addr, err := url.PathUnescape(addr)
	if err != nil || addr == "" || strings.ContainsAny(addr, ", \t\r\n<>()\"") {
		return "", fmt.Errorf("%w: mailto %q", ErrRecord, clip(u.String()))
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" {
		return "", fmt.Errorf("%w: mailto %q", ErrRecord, clip(u.String()))
	}
	local, domain, _ := strings.Cut(addr, "@")
	if local == "" || domain == "" || !isASCIIPrintable(addr) {
		return "", fmt.Errorf("%w: mailto %q", ErrRecord, clip(u.String()))
	}
	return addr, nil
}

func validExtName(s string) bool {
	if s == "" || len(s) > 32 || !isAlnum(s[0]) {
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
		if c := s[i]; c < 0x21 || c == ';' || c == '=' || c > 0x7e {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isASCIIPrintable(s string) bool {
	for i := range len(s) {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// clip bounds a piece of a stranger's record quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
