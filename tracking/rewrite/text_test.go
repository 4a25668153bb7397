package rewrite

import (
	"slices"
	"testing"
)

func TestTextURLs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		utf8  bool
		links []string
	}{
		{"see https://a.example/x.", true, []string{"https://a.example/x"}},
		{"(https://a.example/x)", true, []string{"https://a.example/x"}},
		{"https://a.example/wiki/A_(b)).", true, []string{"https://a.example/wiki/A_(b)"}},
		{"[https://a.example/x]", true, []string{"https://a.example/x"}},
		{"<https://a.example/x?a=1&b=2#f>", true, []string{"https://a.example/x?a=1&b=2#f"}},
		{`"https://a.example/x",`, true, []string{"https://a.example/x"}},
		{"'https://a.example/x'", true, []string{"https://a.example/x"}},
		{"https://a.example/x!?", true, []string{"https://a.example/x"}},
		{"HTTP://A.EXAMPLE/", true, []string{"HTTP://A.EXAMPLE/"}},
		{"a\thttp://a.example/\r\nhttps://b.example/", true, []string{"http://a.example/", "https://b.example/"}},
		{"xhttps://a.example/ 1http://a.example/", true, nil},
		{"https:// nothing", true, nil},
		{"https://...", true, nil},
		{"ftp://a.example/ mailto:a@b.example", true, nil},
		{"https://例え.example/パス。次", true, []string{"https://例え.example/パス"}},
		{"https://a.example/\u00a0next", true, []string{"https://a.example/"}},
		{"https://a.example/caf\xe9 x", true, nil},
		{"https://a.example/caf\xe9 x", false, nil},
		{"https://a.example/ok caf\xe9", false, []string{"https://a.example/ok"}},
		{"https://t.example/u/X", true, nil}, // the unsubscribe URL
	} {
		r := &rewriter{skip: map[string]bool{"https://t.example/u/X": true}}
		var links []string
		for _, e := range r.scanText([]byte(tc.in), tc.utf8) {
			if got := tc.in[e.start:e.end]; got != e.url {
				t.Errorf("%q: span %q, url %q", tc.in, got, e.url)
			}
			links = append(links, e.url)
		}
		if !slices.Equal(links, tc.links) {
			t.Errorf("%q (utf8 %v): got %q, want %q", tc.in, tc.utf8, links, tc.links)
		}
	}
}

func TestTrimURLLinear(t *testing.T) {
	t.Parallel()
	u := make([]byte, 1<<20)
	for i := range u {
		u[i] = ')'
	}
	if n := trimURL(u); n != 0 {
		t.Errorf("trimURL kept %d", n)
	}
}
