package tlspolicy

import (
	"errors"
	"testing"
)

func TestParseTXT(t *testing.T) {
	t.Parallel()
	tests := []struct {
		records []string
		id      string
		ok      bool
	}{
		{[]string{"v=STSv1; id=20160831085700Z;"}, "20160831085700Z", true},
		{[]string{"v=STSv1;id=abc"}, "abc", true},
		{[]string{"v=STSv1; id=abc; ext_1=v"}, "abc", true},
		{[]string{"v=spf1 -all", "v=STSv1; id=abc;"}, "abc", true}, // others discarded
		{[]string{"v=STSv1; id=a;", "v=STSv1; id=b;"}, "", false},  // two records
		{[]string{"v=STSv1; id=;"}, "", false},
		{[]string{"v=STSv1; id=a-b;"}, "", false},
		{[]string{"v=STSv1; id=123456789012345678901234567890123;"}, "", false},
		{[]string{"v=STSv1;"}, "", false},
		{[]string{"v=STSv1; id=a; id=b"}, "", false},
		{[]string{"v=STSv2; id=a;"}, "", false},
		{nil, "", false},
	}
	for _, tt := range tests {
		id, err := ParseTXT(tt.records)
		if (err == nil) != tt.ok || id != tt.id {
			t.Errorf("ParseTXT(%q) = %q, %v; want %q ok=%v", tt.records, id, err, tt.id, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrSTSRecord) {
			t.Errorf("ParseTXT(%q): error %v is not ErrSTSRecord", tt.records, err)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	p, err := ParsePolicy([]byte("version: STSv1\r\nmode: enforce\r\nmx: MX1.example.com.\r\nmx: *.example.net\r\nmax_age: 604800\r\nfoo: bar\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Mode != STSEnforce || p.MaxAge != 604800 || len(p.MX) != 2 || p.MX[0] != "mx1.example.com" {
		t.Errorf("parsed %+v", p)
	}
	bad := []string{
		"mode: enforce\nmx: a.test\nmax_age: 1\n",                        // no version
		"version: STSv1\nmode: enforce\nmx: a.test\n",                    // no max_age
		"version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n",         // bad mode
		"version: STSv1\nmode: enforce\nmax_age: 1\n",                    // no mx
		"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n", // max_age too large
		"version: STSv1\nmode: enforce\nmx: a..test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: *.*.test\nmax_age: 1\n",
		"version: STSv1\nmode enforce\n",
	}
	for _, b := range bad {
		if _, err := ParsePolicy([]byte(b)); !errors.Is(err, ErrSTSPolicy) {
			t.Errorf("ParsePolicy(%q) = %v, want ErrSTSPolicy", b, err)
		}
	}
	if p, err := ParsePolicy([]byte("version: STSv1\nmode: none\nmax_age: 0\n")); err != nil || p.Mode != STSNone {
		t.Errorf("mode none without mx: %v %v", p, err)
	}
}
