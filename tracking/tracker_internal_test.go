package tracking

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"sluice/queue"
	"sluice/tracking/token"
)

// TestTrackerWritesEdgePaths holds the URL scheme to one definition: every
// URL the Tracker writes is the base URL plus one of the path constants the
// Edge routes on (prefixOpen…suffixGIF, prefixClk, prefixUns), and the
// Edge's router answers each of them. The test names the constants, not
// their values, so changing a constant moves both sides and this test
// still passes; a literal path in the Tracker that disagrees with the
// constants fails it.
func TestTrackerWritesEdgePaths(t *testing.T) {
	t.Parallel()
	kr, err := token.NewKeyring(token.Key{ID: 1, Secret: []byte(strings.Repeat("k", token.MinSecret))})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	const base = "https://t.example"
	tr := NewTracker(TrackerConfig{Keyring: kr, BaseURL: base, Mode: ModeAll, Now: func() time.Time { return now }})
	msg := "Content-Type: text/html\r\n\r\n<html><body><a href=\"https://acme.example/\">x</a></body></html>\r\n"
	out, _, err := tr.Track("acme", queue.ID(now.Add(-time.Hour).UnixMicro()), "ann@example.test", queue.Marketing, []byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Keyring: kr, Suppressor: nopSuppressor{}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, u := range regexp.MustCompile(regexp.QuoteMeta(base)+`(/[^"\s<>]*)`).FindAllStringSubmatch(string(out), -1) {
		path := u[1]
		var kind string
		switch {
		case strings.HasPrefix(path, prefixOpen) && strings.HasSuffix(path, suffixGIF):
			kind = "open"
		case strings.HasPrefix(path, prefixClk):
			kind = "click"
		case strings.HasPrefix(path, prefixUns):
			kind = "unsubscribe"
		default:
			t.Errorf("%s is on none of the edge's paths", u[0])
			continue
		}
		seen[kind]++
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI(path)
		e.serve(&ctx)
		if code := ctx.Response.StatusCode(); code == fasthttp.StatusNotFound {
			t.Errorf("edge answers 404 to the tracker's %s URL %s", kind, path)
		}
	}
	// One pixel, the link and the honeypot, the one-click URL.
	if seen["open"] != 1 || seen["click"] != 2 || seen["unsubscribe"] != 1 {
		t.Errorf("URLs by kind %v in:\n%s", seen, out)
	}
}
