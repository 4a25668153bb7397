package tracking_test

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// Real user agents of the proxies and a scanner.
const (
	gmailProxy  = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
	yahooProxy  = "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"
	appleMail   = "Mozilla/5.0"
	safeLinks   = "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))"
	headless    = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"
	appleIP     = "17.58.63.10"
	scannerIP   = "192.0.2.77"
	ordinaryIP  = "198.51.100.7"
	appleIPNet  = "17.58.63.0/24"
	scannerCIDR = "192.0.2.0/24"
)

func classifyEdge(t *testing.T, mod func(*tracking.Config)) *testEdge {
	return newEdge(t, func(c *tracking.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		c.ScannerCIDRs = []netip.Prefix{netip.MustParsePrefix(scannerCIDR)}
		if mod != nil {
			mod(c)
		}
	})
}

// class is what a test expects of an event.
type class struct {
	machine                bool
	reason, proxy, uaClass string
}

func eventClass(ev events.Event) class { return class{ev.Machine, ev.Reason, ev.Proxy, ev.UAClass} }

func TestClassifyOpens(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		mod         func(*tracking.Config)
		ua, ip      string
		head        bool
		acceptedAgo time.Duration
		want        class
	}{
		{"browser", nil, firefox, ordinaryIP, false, time.Hour, class{false, "", "", "browser"}},
		{"gmail proxy", nil, gmailProxy, "66.249.84.1", false, time.Hour, class{false, "", "google", "google_proxy"}},
		{"gmail proxy soon after acceptance", nil, gmailProxy, "66.249.84.1", false, 2 * time.Second, class{false, "", "google", "google_proxy"}},
		{"yahoo proxy", nil, yahooProxy, ordinaryIP, false, time.Hour, class{false, "", "yahoo", "yahoo_proxy"}},
		{"apple mpp", nil, appleMail, appleIP, false, time.Hour, class{true, "apple_mpp", "apple", "apple_proxy"}},
		{"apple mpp counted human", func(c *tracking.Config) { c.AppleOpensHuman = true }, appleMail, appleIP, false, time.Hour, class{false, "", "apple", "apple_proxy"}},
		{"apple ranges from a file", func(c *tracking.Config) { c.AppleCIDRs = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")} }, appleMail, ordinaryIP, false, time.Hour, class{true, "apple_mpp", "apple", "apple_proxy"}},
		{"scanner agent", nil, safeLinks, ordinaryIP, false, time.Hour, class{true, "scanner_agent", "", "scanner"}},
		{"headless chrome", nil, headless, ordinaryIP, false, time.Hour, class{true, "scanner_agent", "", "scanner"}},
		{"scanner range", nil, firefox, scannerIP, false, time.Hour, class{true, "scanner_ip", "", "browser"}},
		{"within the scanner window", nil, firefox, ordinaryIP, false, 4 * time.Second, class{true, "early", "", "browser"}},
		{"after the scanner window", nil, firefox, ordinaryIP, false, 6 * time.Second, class{false, "", "", "browser"}},
		{"longer scanner window", func(c *tracking.Config) { c.ScannerWindow = time.Minute }, firefox, ordinaryIP, false, 30 * time.Second, class{true, "early", "", "browser"}},
		{"scanner window off", func(c *tracking.Config) { c.ScannerWindow = -1 }, firefox, ordinaryIP, false, time.Second, class{false, "", "", "browser"}},
		{"HEAD", nil, firefox, ordinaryIP, true, time.Hour, class{true, "head", "", "browser"}},
		{"no user agent", nil, "", ordinaryIP, false, time.Hour, class{true, "no_agent", "", "unknown"}},
		{"unknown agent", nil, "SomeMailClient/1.0", ordinaryIP, false, time.Hour, class{false, "", "", "unknown"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			te := classifyEdge(t, c.mod)
			tok := te.seal(t, token.Claims{Kind: token.Open, Message: msgID(t0.Add(-c.acceptedAgo))})
			method := http.MethodGet
			if c.head {
				method = http.MethodHead
			}
			resp, _ := te.do(t, method, "/o/"+tok+".gif", nil, "User-Agent", c.ua, "X-Forwarded-For", c.ip)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := eventClass(te.rec.take(t)); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestClassifyClicks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		ua, ip      string
		head        bool
		link        uint16
		acceptedAgo time.Duration
		want        class
	}{
		{"browser", firefox, ordinaryIP, false, 0, time.Hour, class{false, "", "", "browser"}},
		{"private relay is a person", firefox, appleIP, false, 0, time.Hour, class{false, "", "", "browser"}},
		{"honeypot", firefox, ordinaryIP, false, tracking.HoneypotLink, time.Hour, class{true, "honeypot", "", "browser"}},
		{"HEAD", firefox, ordinaryIP, true, 0, time.Hour, class{true, "head", "", "browser"}},
		{"scanner agent", "python-requests/2.31.0", ordinaryIP, false, 0, time.Hour, class{true, "scanner_agent", "", "scanner"}},
		{"scanner range", firefox, scannerIP, false, 0, time.Hour, class{true, "scanner_ip", "", "browser"}},
		{"early", firefox, ordinaryIP, false, 0, 3 * time.Second, class{true, "early", "", "browser"}},
		{"no user agent", "", ordinaryIP, false, 0, time.Hour, class{true, "no_agent", "", "unknown"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			te := classifyEdge(t, nil)
			tok := te.seal(t, token.Claims{Kind: token.Click, Link: c.link, URL: "https://shop.example/x?y=1", Message: msgID(t0.Add(-c.acceptedAgo))})
			method := http.MethodGet
			if c.head {
				method = http.MethodHead
			}
			resp, _ := te.do(t, method, "/c/"+tok, nil, "User-Agent", c.ua, "X-Forwarded-For", c.ip)
			// Machines are redirected too: a scanner that got a 404 would
			// flag the link as broken, or the message as suspicious.
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://shop.example/x?y=1" {
				t.Fatalf("status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if got := eventClass(te.rec.take(t)); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestClassifyBurst: a second link of the same message and recipient within
// a second is a machine's; the same link again, or another after a pause,
// is a person's.
func TestClassifyBurst(t *testing.T) {
	t.Parallel()
	te := classifyEdge(t, func(c *tracking.Config) { c.RepeatWindow = -1 }) // every click recorded: the classes are the point
	click := func(rcpt uint32, link uint16) events.Event {
		t.Helper()
		tok := te.seal(t, token.Claims{Kind: token.Click, Rcpt: rcpt, Link: link, URL: "https://shop.example/"})
		if resp, _ := te.get(t, "/c/"+tok); resp.StatusCode != http.StatusFound {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return te.rec.take(t)
	}
	steps := []struct {
		advance time.Duration
		rcpt    uint32
		link    uint16
		machine bool
	}{
		{0, 0, 0, false},                       // first click
		{300 * time.Millisecond, 0, 1, true},   // another link at once: scanner
		{300 * time.Millisecond, 0, 2, true},   // and another
		{200 * time.Millisecond, 1, 3, false},  // another recipient is not affected
		{300 * time.Millisecond, 0, 2, false},  // the same link again
		{2 * time.Second, 0, 0, false},         // a pause, then another link: a person
		{1100 * time.Millisecond, 0, 1, false}, // just over the window
	}
	for i, s := range steps {
		te.clock.Add(s.advance)
		ev := click(s.rcpt, s.link)
		if ev.Machine != s.machine || (s.machine && ev.Reason != "burst") {
			t.Errorf("step %d: machine %v reason %q, want machine %v", i, ev.Machine, ev.Reason, s.machine)
		}
	}
	if st := te.edge.Stats(); st.MachineClicks != 2 || st.Clicks != 5 {
		t.Errorf("stats %+v", st)
	}
}
