package tracking_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"sluice/internal/clock"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// gif43 is the transparent 1×1 GIF the pixel must be, byte for byte.
var gif43 = []byte{
	'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0,
	0, 0, 0, 0xff, 0xff, 0xff,
	0x21, 0xf9, 4, 1, 0, 0, 0, 0,
	0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0,
	2, 2, 0x44, 1, 0,
	0x3b,
}

func TestPixel(t *testing.T) {
	t.Parallel()
	te := newEdge(t, nil)
	tok := te.seal(t, token.Claims{Kind: token.Open, Rcpt: 7})
	resp, body := te.get(t, "/o/"+tok+".gif")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(gif43) != 43 || !bytes.Equal([]byte(body), gif43) {
		t.Errorf("pixel is %d bytes %x, want the 43-byte GIF", len(body), body)
	}
	for k, want := range map[string]string{
		"Content-Type":           "image/gif",
		"Content-Length":         "43",
		"Cache-Control":          "no-store, no-cache, must-revalidate, private",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	ev := te.rec.take(t)
	want := events.Event{Time: t0, Kind: events.KindOpen, Tenant: "acme", Message: msgID(accepted), Rcpt: 7,
		IP: "127.0.0.0/24", UAClass: "browser"}
	if ev != want {
		t.Errorf("event\n got %+v\nwant %+v", ev, want)
	}

	// HEAD: the same headers, no body, a machine open.
	resp, body = te.do(t, http.MethodHead, "/o/"+tok+".gif", nil)
	if resp.StatusCode != http.StatusOK || body != "" || resp.Header.Get("Content-Type") != "image/gif" {
		t.Errorf("HEAD: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if ev := te.rec.take(t); !ev.Machine || ev.Reason != "head" {
		t.Errorf("HEAD event %+v", ev)
	}
	if st := te.edge.Stats(); st.Opens != 1 || st.MachineOpens != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestHealthAndNotFound(t *testing.T) {
	t.Parallel()
	te := newEdge(t, nil)
	resp, body := te.get(t, "/healthz")
	if resp.StatusCode != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", resp.StatusCode, body)
	}
	open := te.seal(t, token.Claims{Kind: token.Open})
	click := te.seal(t, token.Claims{Kind: token.Click, URL: "https://shop.example/"})
	for _, c := range []struct{ method, path string }{
		{"GET", "/"},
		{"GET", "/o/"},
		{"GET", "/o/.gif"},
		{"GET", "/o/" + open}, // no .gif
		{"GET", "/o/" + open + ".png"},
		{"POST", "/o/" + open + ".gif"},
		{"PUT", "/c/" + click},
		{"DELETE", "/u/x"},
		{"GET", "/c/"},
		{"GET", "/u/"},
		{"GET", "/favicon.ico"},
		{"GET", "/healthz/x"},
		{"POST", "/healthz"},
	} {
		resp, body := te.do(t, c.method, c.path, nil)
		t.Run(c.method+c.path, func(t *testing.T) { expect404(t, resp, body) })
	}
	if evs := te.rec.events(); len(evs) != 0 {
		t.Errorf("recorded %+v", evs)
	}
}

func TestClickRedirect(t *testing.T) {
	t.Parallel()
	te := newEdge(t, nil)
	for i, c := range []struct{ dest, location string }{
		{"https://shop.example/", ""},
		{"http://shop.example", ""},
		{"https://shop.example/sale?utm_source=mail&utm_medium=email&q=a%20b&x=1;y=2#top", ""},
		{"https://shop.example/a/b/../c?q=1&q=2&empty=&flag", ""},
		{"https://shop.example/#/spa/route?x=1", ""},
		{"https://user@shop.example:8443/p?a=%2F%3F", ""},
		{"https://[2001:db8::1]:8443/v6", ""},
		{"HTTPS://Shop.Example/Case", ""},
		{"https://shop.example/{brace}|pipe^caret", ""},
		// Not percent-encoded in the href: a browser would encode them.
		{"https://shop.example/ünïcode/日本?q=café&r=ü#frägment", "https://shop.example/%C3%BCn%C3%AFcode/%E6%97%A5%E6%9C%AC?q=caf%C3%A9&r=%C3%BC#fr%C3%A4gment"},
		{"https://shop.example/a b?c d#e f", "https://shop.example/a%20b?c%20d#e%20f"},
		{"https://bücher.example/", "https://b%C3%BCcher.example/"},
		{"https://shop.example/50%off?d=50%", "https://shop.example/50%25off?d=50%25"},
		{`https://shop.example/"quoted"<x>`, "https://shop.example/%22quoted%22%3Cx%3E"},
		// The longest destination a token holds: a 3.3 KB request line.
		{"https://shop.example/?q=" + strings.Repeat("a", token.MaxURL-len("https://shop.example/?q=")), ""},
	} {
		want := c.location
		if want == "" {
			want = c.dest
		}
		// One recipient per case, or quick clicks on several links would
		// look like a scanner.
		tok := te.seal(t, token.Claims{Kind: token.Click, Rcpt: uint32(i), Link: uint16(i), URL: c.dest})
		resp, body := te.get(t, "/c/"+tok)
		if resp.StatusCode != http.StatusFound {
			t.Errorf("%q: status %d %q", c.dest, resp.StatusCode, body)
			continue
		}
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("Location\n got %q\nwant %q", got, want)
		}
		// What a browser requests is what the href meant.
		u, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Errorf("%q: %v", c.dest, err)
		} else if orig, err := url.Parse(strings.ReplaceAll(c.dest, "%off", "%25off")); err == nil && u.Path != orig.Path {
			t.Errorf("%q: path %q, want %q", c.dest, u.Path, orig.Path)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store, no-cache, must-revalidate, private" {
			t.Errorf("Cache-Control %q", cc)
		}
		if rp := resp.Header.Get("Referrer-Policy"); rp != "no-referrer" {
			t.Errorf("Referrer-Policy %q", rp)
		}
		ev := te.rec.take(t)
		if ev.Kind != events.KindClick || ev.Link != i || ev.Machine || ev.Message != msgID(accepted) {
			t.Errorf("event %+v", ev)
		}
	}
}

func TestBadTokens(t *testing.T) {
	t.Parallel()
	te := newEdge(t, func(c *tracking.Config) { c.MaxTokenAge = 365 * 24 * time.Hour })
	foreign := testKeyring(t, 2, "another secret of 32 bytes long!")
	sameID := testKeyring(t, 1, "same key id, another secret!!!!!")
	click := token.Claims{Kind: token.Click, Tenant: "acme", Message: msgID(accepted), URL: "https://shop.example/", Issued: accepted}
	good := te.seal(t, click)
	sealWith := func(k *token.Keyring, c token.Claims) string {
		tok, err := k.Seal(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	old := click
	old.Issued = t0.Add(-400 * 24 * time.Hour)
	noIssued := click
	noIssued.Issued = time.Time{}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for _, c := range []struct {
		name, path string
		expired    bool
	}{
		{"tampered start", "/c/" + flip(good, 5), false},
		{"tampered middle", "/c/" + flip(good, len(good)/2), false},
		{"tampered end", "/c/" + flip(good, len(good)-1), false},
		{"truncated", "/c/" + good[:len(good)-1], false},
		{"extended", "/c/" + good + "A", false},
		{"garbage", "/c/not-a-token", false},
		{"foreign key", "/c/" + sealWith(foreign, click), false},
		{"same key id, other secret", "/c/" + sealWith(sameID, click), false},
		{"expired", "/c/" + te.seal(t, old), true},
		{"no issue time", "/c/" + sealWith(te.keys, noIssued), true},
		{"open token as click", "/c/" + te.seal(t, token.Claims{Kind: token.Open}), false},
		{"click token as pixel", "/o/" + good + ".gif", false},
		{"unsubscribe token as click", "/c/" + te.seal(t, token.Claims{Kind: token.Unsubscribe, Addr: "a@b.example"}), false},
		{"click token as unsubscribe", "/u/" + good, false},
		{"tampered pixel", "/o/" + flip(te.seal(t, token.Claims{Kind: token.Open}), 10) + ".gif", false},
		{"tampered unsubscribe", "/u/" + flip(te.seal(t, token.Claims{Kind: token.Unsubscribe, Addr: "a@b.example"}), 12), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := te.edge.Stats()
			resp, body := te.get(t, c.path)
			expect404(t, resp, body)
			after := te.edge.Stats()
			if c.expired && after.Expired != before.Expired+1 || !c.expired && after.BadToken != before.BadToken+1 {
				t.Errorf("counters before %+v after %+v", before, after)
			}
		})
	}
	// POSTs with bad tokens suppress nothing.
	body, ct := oneClickForm()
	resp, b := te.do(t, "POST", "/u/"+good, body, "Content-Type", ct)
	expect404(t, resp, b)
	if calls, _ := te.supp.snapshot(); len(calls) != 0 {
		t.Errorf("suppressed %+v", calls)
	}
	if evs := te.rec.events(); len(evs) != 0 {
		t.Errorf("recorded %+v", evs)
	}
	// The good one still works.
	if resp, _ := te.get(t, "/c/"+good); resp.StatusCode != http.StatusFound {
		t.Errorf("good token: %d", resp.StatusCode)
	}
}

func TestOpenRedirectAttempts(t *testing.T) {
	t.Parallel()
	te := newEdge(t, nil)
	good := te.seal(t, token.Claims{Kind: token.Click, URL: "https://shop.example/"})
	for _, path := range []string{
		"/c/" + good + "?url=https://evil.example/",
		"/c/" + good + "?https://evil.example/",
		"/c/" + good + "/https://evil.example/",
		"/c/" + good + "/",
		"/c/" + good + "%2Fhttps:%2F%2Fevil.example",
		"/c/https://evil.example/",
		"/c/https%3A%2F%2Fevil.example%2F",
		"/c//evil.example",
		"/c/?url=https://evil.example/",
		"/c/" + good + "/../../evil.example",
	} {
		t.Run(path[:min(len(path), 40)], func(t *testing.T) {
			resp, body := te.get(t, path)
			expect404(t, resp, body)
		})
	}
	// A token sealed with a destination that is not http(s) is refused.
	for _, dest := range []string{"javascript:alert(1)", "data:text/html,<script>x</script>", "//evil.example/", "/relative", "mailto:x@y.example", "https:///nohost", "https://ev il.example/"} {
		tok := te.seal(t, token.Claims{Kind: token.Click, URL: dest})
		resp, body := te.get(t, "/c/"+tok)
		expect404(t, resp, body)
	}
	if evs := te.rec.events(); len(evs) != 0 {
		t.Errorf("recorded %+v", evs)
	}
	if st := te.edge.Stats(); st.BadURL != 7 {
		t.Errorf("bad_url %d, want 7", st.BadURL)
	}
}

func TestDoNotTrack(t *testing.T) {
	t.Parallel()
	te := newEdge(t, nil)
	open := te.seal(t, token.Claims{Kind: token.Open, Rcpt: 3})
	click := te.seal(t, token.Claims{Kind: token.Click, Rcpt: 3, Link: 2, URL: "https://shop.example/"})
	unsub := te.seal(t, token.Claims{Kind: token.Unsubscribe, Rcpt: 3, Addr: "Jane@Example.com"})

	resp, body := te.get(t, "/o/"+open+".gif", "DNT", "1")
	if resp.StatusCode != 200 || len(body) != 43 {
		t.Errorf("DNT pixel: %d, %d bytes", resp.StatusCode, len(body))
	}
	want := events.Event{Time: t0, Kind: events.KindOpen, Tenant: "acme", Anonymous: true}
	if ev := te.rec.take(t); ev != want {
		t.Errorf("DNT open\n got %+v\nwant %+v", ev, want)
	}
	resp, _ = te.get(t, "/c/"+click, "Sec-GPC", "1")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://shop.example/" {
		t.Errorf("GPC click: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	want = events.Event{Time: t0, Kind: events.KindClick, Tenant: "acme", Anonymous: true}
	if ev := te.rec.take(t); ev != want {
		t.Errorf("GPC click\n got %+v\nwant %+v", ev, want)
	}
	// A machine request with DNT is still counted apart.
	te.get(t, "/o/"+open+".gif", "DNT", "1", "User-Agent", "python-requests/2.31")
	if ev := te.rec.take(t); !ev.Anonymous || !ev.Machine || ev.Message != 0 || ev.Reason != "" {
		t.Errorf("DNT machine open %+v", ev)
	}
	// The unsubscribe itself happens; only its event is anonymous.
	form, ct := oneClickForm()
	resp, _ = te.do(t, "POST", "/u/"+unsub, form, "Content-Type", ct, "DNT", "1")
	if resp.StatusCode != 200 {
		t.Errorf("DNT unsubscribe: %d", resp.StatusCode)
	}
	if calls, _ := te.supp.snapshot(); len(calls) != 1 || calls[0].Addr != "jane@example.com" {
		t.Errorf("suppressions %+v", calls)
	}
	want = events.Event{Time: t0, Kind: events.KindUnsubscribe, Tenant: "acme", Anonymous: true}
	if ev := te.rec.take(t); ev != want {
		t.Errorf("DNT unsubscribe\n got %+v\nwant %+v", ev, want)
	}
	// DNT: 0 is tracked as usual (past RepeatWindow: not a repeat).
	te.clock.Add(10 * time.Second)
	te.get(t, "/o/"+open+".gif", "DNT", "0")
	if ev := te.rec.take(t); ev.Anonymous || ev.Rcpt != 3 {
		t.Errorf("DNT: 0 open %+v", ev)
	}
	if st := te.edge.Stats(); st.Anonymous != 4 {
		t.Errorf("anonymous %d, want 4", st.Anonymous)
	}
}

func TestIPRecording(t *testing.T) {
	t.Parallel()
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	for _, c := range []struct {
		name    string
		mod     func(*tracking.Config)
		xff, ip string
	}{
		{"truncate", nil, "", "127.0.0.0/24"},
		{"none", func(c *tracking.Config) { c.IPMode = tracking.IPNone }, "", ""},
		{"full", func(c *tracking.Config) { c.IPMode = tracking.IPFull }, "", "127.0.0.1"},
		{"untrusted XFF ignored", nil, "198.51.100.7", "127.0.0.0/24"},
		{"trusted XFF", func(c *tracking.Config) { c.TrustedProxies = loopback }, "198.51.100.7", "198.51.100.0/24"},
		{"trusted XFF, rightmost untrusted", func(c *tracking.Config) { c.TrustedProxies = loopback }, "203.0.113.9, 198.51.100.7, 127.0.0.2", "198.51.100.0/24"},
		{"trusted XFF, IPv6 /48", func(c *tracking.Config) { c.TrustedProxies = loopback }, "2001:db8:1234:5678::1", "2001:db8:1234::/48"},
		{"trusted XFF, garbage", func(c *tracking.Config) { c.TrustedProxies = loopback }, "not an address", "127.0.0.0/24"},
		{"custom bits", func(c *tracking.Config) { c.TrustedProxies = loopback; c.IPv4Bits = 16 }, "198.51.100.7", "198.51.0.0/16"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			te := newEdge(t, c.mod)
			tok := te.seal(t, token.Claims{Kind: token.Open})
			te.get(t, "/o/"+tok+".gif", "X-Forwarded-For", c.xff)
			if ev := te.rec.take(t); ev.IP != c.ip {
				t.Errorf("IP %q, want %q", ev.IP, c.ip)
			}
		})
	}
}

// TestForwardedForLines: a client's own X-Forwarded-For line and the one a
// trusted proxy appends (HAProxy's option forwardfor adds a line) are one
// list: the address the proxy saw (the last line) is recorded, not the
// client's invention in the first.
func TestForwardedForLines(t *testing.T) {
	t.Parallel()
	te := newEdge(t, func(c *tracking.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		c.IPMode = tracking.IPFull
	})
	tok := te.seal(t, token.Claims{Kind: token.Open})
	req, err := http.NewRequest(http.MethodGet, te.base+"/o/"+tok+".gif", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", firefox)
	req.Header.Add("X-Forwarded-For", "17.58.0.1, 6.6.6.6") // the client's (an Apple egress address first)
	req.Header.Add("X-Forwarded-For", "203.0.113.9")        // the proxy's
	resp, err := te.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ev := te.rec.take(t); ev.IP != "203.0.113.9" {
		t.Errorf("IP %q, want the proxy's 203.0.113.9", ev.IP)
	}
}

func TestUserAgentRecording(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{false, true} {
		te := newEdge(t, func(c *tracking.Config) { c.KeepUserAgent = keep })
		tok := te.seal(t, token.Claims{Kind: token.Open})
		te.get(t, "/o/"+tok+".gif")
		ev := te.rec.take(t)
		if want := map[bool]string{false: "", true: firefox}[keep]; ev.UA != want || ev.UAClass != "browser" {
			t.Errorf("keep=%v: UA %q class %q", keep, ev.UA, ev.UAClass)
		}
	}
}

// TestWithEventStore runs the edge against the real event store: opens and
// clicks land in the campaign learnt from the sent event.
func TestWithEventStore(t *testing.T) {
	t.Parallel()
	store, err := events.Open(t.TempDir()+"/events.db", events.Options{NoSync: true, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.Background())
	te := newEdge(t, func(c *tracking.Config) { c.Events = store })
	m := msgID(accepted)
	for r := range uint32(2) {
		store.Record(events.Event{Time: accepted, Kind: events.KindSent, Tenant: "acme", Campaign: "launch", Message: m, Rcpt: r})
	}
	for range 2 {
		te.get(t, "/o/"+te.seal(t, token.Claims{Kind: token.Open, Message: m, Rcpt: 0})+".gif")
		te.clock.Add(10 * time.Second) // past RepeatWindow: a second open, recorded
	}
	te.get(t, "/o/"+te.seal(t, token.Claims{Kind: token.Open, Message: m, Rcpt: 1})+".gif", "User-Agent", "Barracuda Sentinel (EE)")
	te.get(t, "/c/"+te.seal(t, token.Claims{Kind: token.Click, Message: m, Rcpt: 0, Link: 4, URL: "https://shop.example/"}))
	te.get(t, "/c/"+te.seal(t, token.Claims{Kind: token.Click, Message: m, Rcpt: 1, Link: tracking.HoneypotLink, URL: "https://shop.example/h"}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := store.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := store.Stats("acme", "launch")
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 2 || st.Opens != 2 || st.UniqueOpens != 1 || st.MachineOpens != 1 ||
		st.Clicks != 1 || st.UniqueClicks != 1 || st.MachineClicks != 1 ||
		len(st.Links) != 1 || st.Links[0] != (events.LinkStats{Link: 4, Clicks: 1, UniqueClicks: 1}) {
		t.Errorf("campaign stats %+v", st)
	}
	if m := store.Metrics(); m.Dropped != 0 || m.Written != 7 {
		t.Errorf("store metrics %+v", m)
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	kr := testKeyring(t, 1, "edge test secret, 32 bytes long!")
	e, err := tracking.New(tracking.Config{Keyring: kr, Suppressor: &suppressor{}})
	if err != nil {
		t.Fatal(err)
	}
	// Shutdown before Serve: Serve returns at once.
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serve(ln); err != nil {
		t.Errorf("Serve after Shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("listener still open")
	}

	if _, err := tracking.New(tracking.Config{Suppressor: &suppressor{}}); err == nil {
		t.Error("New without a keyring")
	}
	if _, err := tracking.New(tracking.Config{Keyring: kr}); err == nil {
		t.Error("New without a suppressor")
	}
	if _, err := tracking.New(tracking.Config{Keyring: kr, Suppressor: &suppressor{}, IPMode: "half"}); err == nil {
		t.Error("New with a bad IPMode")
	}
}

// With no clock configured, an event's time is when the request arrived
// (fasthttp's time of the request), in real time.
func TestEventTimeWithoutClock(t *testing.T) {
	t.Parallel()
	te := newEdge(t, func(c *tracking.Config) { c.Now = nil })
	tok := te.seal(t, token.Claims{Kind: token.Open, Issued: clock.Now()})
	before := clock.Now()
	te.get(t, "/o/"+tok+".gif")
	after := clock.Now()
	ev := te.rec.take(t)
	if ev.Time.Before(before.Add(-time.Second)) || ev.Time.After(after) {
		t.Fatalf("event at %v, request between %v and %v", ev.Time, before, after)
	}
}

// One token repeated is recorded once per RepeatWindow (redteam2: 5,000
// clicks a second from one connection were 5,000 events, each a row in
// the shared event store and a webhook call): the same link again, or the
// same open, within the window is served (redirect, pixel) but not
// recorded and counted as a repeat; another link, another recipient, a
// machine's request or the same one after the window is recorded.
func TestRepeatedHitsRecordedOncePerWindow(t *testing.T) {
	t.Parallel()
	te := newEdge(t, nil)
	click := te.seal(t, token.Claims{Kind: token.Click, Rcpt: 1, Link: 2, URL: "https://shop.example/a"})
	other := te.seal(t, token.Claims{Kind: token.Click, Rcpt: 1, Link: 3, URL: "https://shop.example/b"})
	open := te.seal(t, token.Claims{Kind: token.Open, Rcpt: 1})
	for i := range 50 {
		if resp, _ := te.get(t, "/c/"+click); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://shop.example/a" {
			t.Fatalf("click %d: %d %q", i, resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, body := te.get(t, "/o/"+open+".gif"); resp.StatusCode != http.StatusOK || len(body) != 43 {
			t.Fatalf("open %d: %d, %d bytes", i, resp.StatusCode, len(body))
		}
		te.clock.Add(100 * time.Millisecond)
	}
	if n := len(te.rec.events()); n != 2 {
		t.Fatalf("%d events for 50 clicks and 50 opens within the window, want 2", n)
	}
	te.clock.Add(2 * time.Second) // no burst: another link is a person's
	te.get(t, "/c/"+other)
	te.get(t, "/c/"+click, "User-Agent", "python-requests/2.31") // a machine's
	te.clock.Add(10 * time.Second)
	te.get(t, "/c/"+click)
	evs := te.rec.events()
	if len(evs) != 5 || evs[2].Link != 3 || !evs[3].Machine || evs[4].Link != 2 || evs[4].Machine {
		t.Errorf("events %+v", evs)
	}
	if st := te.edge.Stats(); st.Repeats != 98 {
		t.Errorf("repeats %d, want 98", st.Repeats)
	}
}
