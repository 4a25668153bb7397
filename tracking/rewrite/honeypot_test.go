package rewrite

import (
	"strings"
	"testing"
)

func TestHoneypotLink(t *testing.T) {
	t.Parallel()
	msg := []byte("From: a@b.example\r\nContent-Type: text/html\r\n\r\n<html><body><a href=\"https://x.example/\">x</a></body></html>\r\n")
	hp := func() (string, error) { return "https://t.example/c/HONEY", nil }
	click := func(_ int, u string) (string, error) { return "https://t.example/c/L", nil }
	for _, tc := range []struct {
		name   string
		clicks bool
		want   bool
	}{{"clicks tracked", true, true}, {"clicks not tracked", false, false}} {
		out, res, err := Message(msg, Options{TrackClicks: tc.clicks, ClickURL: click, HoneypotURL: hp})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Contains(string(out), `<a href="https://t.example/c/HONEY" style="display:none" aria-hidden="true" tabindex="-1"></a></body>`)
		if got != tc.want || res.Honeypot != tc.want || res.Pixel {
			t.Errorf("%s: honeypot in output %v (Result %v, Pixel %v), want %v:\n%s", tc.name, got, res.Honeypot, res.Pixel, tc.want, out)
		}
	}
}
