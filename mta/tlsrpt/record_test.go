package tlsrpt

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRecord(t *testing.T) {
	t.Parallel()
	long := "v=TLSRPTv1; rua=https://r.example/" + strings.Repeat("a", maxRecordLen)
	many := "v=TLSRPTv1; rua=" + strings.Repeat("https://r.example/x,", 20) + "https://r.example/y"
	tests := []struct {
		name    string
		records []string
		rua     []string // nil: invalid
	}{
		{"mailto", []string{"v=TLSRPTv1; rua=mailto:tlsrpt@example.net"}, []string{"mailto:tlsrpt@example.net"}},
		{"https", []string{"v=TLSRPTv1;rua=https://reports.example.net/v1"}, []string{"https://reports.example.net/v1"}},
		{"two uris", []string{"v=TLSRPTv1; rua=mailto:a@example.net , https://r.example.net/"},
			[]string{"mailto:a@example.net", "https://r.example.net/"}},
		{"trailing delimiter", []string{"v=TLSRPTv1; rua=mailto:a@example.net;"}, []string{"mailto:a@example.net"}},
		{"space before delimiter", []string{"v=TLSRPTv1 ; rua=mailto:a@example.net"}, []string{"mailto:a@example.net"}},
		{"unknown field ignored", []string{"v=TLSRPTv1; ext_1=x.y; rua=mailto:a@example.net"}, []string{"mailto:a@example.net"}},
		{"scheme case", []string{"v=TLSRPTv1; rua=MAILTO:a@example.net"}, []string{"mailto:a@example.net"}},
		{"other scheme skipped", []string{"v=TLSRPTv1; rua=ftp://x.example/,https://r.example/"}, []string{"https://r.example/"}},
		{"others discarded", []string{"v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@example.net"}, []string{"mailto:a@example.net"}},
		{"prefix not version", []string{"v=TLSRPTv10; rua=mailto:b@example.net", "v=TLSRPTv1; rua=mailto:a@example.net"},
			[]string{"mailto:a@example.net"}},
		{"uris capped", []string{many}, []string{"https://r.example/x", "https://r.example/x", "https://r.example/x",
			"https://r.example/x", "https://r.example/x", "https://r.example/x", "https://r.example/x", "https://r.example/x"}},

		{"none", nil, nil},
		{"two records", []string{"v=TLSRPTv1; rua=mailto:a@example.net", "v=TLSRPTv1; rua=mailto:b@example.net"}, nil},
		{"no field", []string{"v=TLSRPTv1;"}, nil},
		{"no delimiter", []string{"v=TLSRPTv1"}, nil},
		{"no rua", []string{"v=TLSRPTv1; ext=1"}, nil},
		{"two rua", []string{"v=TLSRPTv1; rua=mailto:a@example.net; rua=mailto:b@example.net"}, nil},
		{"second version", []string{"v=TLSRPTv1; v=TLSRPTv1; rua=mailto:a@example.net"}, nil},
		{"only other schemes", []string{"v=TLSRPTv1; rua=ftp://x.example/"}, nil},
		{"empty uri", []string{"v=TLSRPTv1; rua=mailto:a@example.net,"}, nil},
		{"mailto no domain", []string{"v=TLSRPTv1; rua=mailto:postmaster"}, nil},
		{"mailto two addresses", []string{"v=TLSRPTv1; rua=mailto:a%2Cb@example.net"}, nil},
		{"mailto display name", []string{"v=TLSRPTv1; rua=mailto:A%20%3Ca@example.net%3E"}, nil},
		{"https userinfo", []string{"v=TLSRPTv1; rua=https://u:p@r.example/"}, nil},
		{"https no host", []string{"v=TLSRPTv1; rua=https:/path"}, nil},
		{"bad ext name", []string{"v=TLSRPTv1; _x=1; rua=mailto:a@example.net"}, nil},
		{"bad ext value", []string{"v=TLSRPTv1; x=a b; rua=mailto:a@example.net"}, nil},
		{"empty middle field", []string{"v=TLSRPTv1; ; rua=mailto:a@example.net"}, nil},
		{"too long", []string{long}, nil},
		{"lower-case version", []string{"v=tlsrptv1; rua=mailto:a@example.net"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, err := ParseRecord(tt.records)
			if tt.rua == nil {
				if err == nil || !errors.Is(err, ErrRecord) {
					t.Fatalf("ParseRecord(%q) = %v, %v; want ErrRecord", tt.records, rec, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRecord(%q): %v", tt.records, err)
			}
			var got []string
			for _, u := range rec.RUA {
				got = append(got, u.String())
			}
			if strings.Join(got, " ") != strings.Join(tt.rua, " ") {
				t.Errorf("rua = %q, want %q", got, tt.rua)
			}
		})
	}
}
