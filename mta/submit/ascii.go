package submit

// ASCII-only case mapping. strings.ToLower and strings.EqualFold apply
// Unicode case rules: U+212A KELVIN SIGN lower-cases to "k" and U+017F
// LATIN SMALL LETTER LONG S folds with "s", so "me@\u212Ak.example" would
// pass as a domain of kk.example. Domain names (RFC 5321 §2.4, RFC 1035
// §2.3.3) and header field names (RFC 5322 §1.2.2) are case-insensitive
// in ASCII only; any other byte must match exactly.

// asciiLower maps A-Z to a-z and leaves every other byte alone.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// asciiUpper maps a-z to A-Z and leaves every other byte alone.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// asciiEqualFold reports whether a and b are equal under ASCII case
// folding only.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
