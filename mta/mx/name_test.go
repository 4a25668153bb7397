package mx

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	long63 := strings.Repeat("a", 63)
	max253 := strings.Repeat("a.", 126) + "a" // the longest name
	tests := []struct {
		in, want string // want "" means ErrInvalidDomain
	}{
		{"example.com", "example.com"},
		{"Example.COM.", "example.com"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"_dmarc.example.com", "_dmarc.example.com"},
		{"localhost", "localhost"},
		{long63 + ".example", long63 + ".example"},
		{"", ""},
		{".", ""},
		{"example.com..", ""},
		{".example.com", ""},
		{"a..b", ""},
		{"exa mple.com", ""},
		{"exa\x00mple.com", ""},
		{"bücher.example", ""},
		{long63 + "a.example", ""},
		{max253, max253},
		{max253 + ".", max253},
		{max253 + "a", ""},
	}
	for _, tt := range tests {
		got, err := normalize(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrInvalidDomain) {
				t.Errorf("normalize(%q) = %q, %v; want ErrInvalidDomain", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseIPLiteral(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" means not a literal
	}{
		{"192.0.2.1", "192.0.2.1"},
		{"[192.0.2.1]", "192.0.2.1"},
		{"[IPv6:2001:db8::1]", "2001:db8::1"},
		{"[ipv6:2001:DB8::1]", "2001:db8::1"},
		{"2001:db8::1", "2001:db8::1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"[IPv6:192.0.2.1]", ""},
		{"[IPv6:fe80::1%eth0]", ""},
		{"fe80::1%eth0", ""},
		{"[]", ""},
		{"[", ""},
		{"example.com", ""},
		{"192.0.2", ""},
	}
	for _, tt := range tests {
		got, ok := parseIPLiteral(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("parseIPLiteral(%q) = %v, want not a literal", tt.in, got)
			}
			continue
		}
		if !ok || got != netip.MustParseAddr(tt.want) {
			t.Errorf("parseIPLiteral(%q) = %v, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
}
