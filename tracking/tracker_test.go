package tracking_test

import (
	"bytes"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// newsletter has an HTML link, a mailto link (never tracked) and a bare URL
// in its text part (tracked only with TrackText).
const newsletter = "From: News <news@acme.example>\r\nTo: list@acme.example\r\nSubject: November\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"A\"\r\n\r\n" +
	"--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nRead it at https://acme.example/text\r\n" +
	"--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p><a href=\"https://acme.example/nov?x=1&amp;y=2#top\">Read</a> " +
	"<a href=\"mailto:help@acme.example\">help</a></p></body></html>\r\n--A--\r\n"

const trackerBase = "https://t.example"

var (
	trackedURL  = regexp.MustCompile(`https://t\.example/[^"\s<>]*`)
	unsubHeader = regexp.MustCompile(`^<(https://t\.example/u/[A-Za-z0-9_-]+)>(?:, <mailto:u\.([a-z2-7]+)@bounces\.example>)?$`)
)

// tracked is what a Tracker put into one message.
type tracked struct {
	clicks    []token.Claims // by link number, honeypot excluded
	honeypot  bool
	opens     int // pixel URLs (one per HTML part)
	textLink  bool
	unsub     string // List-Unsubscribe
	unsubPost string // List-Unsubscribe-Post
}

// inspect opens every tracking URL in out with kr and sorts them by kind.
func inspect(t *testing.T, kr *token.Keyring, out []byte) tracked {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("rewritten message does not parse: %v\n%s", err, out)
	}
	var got tracked
	got.unsub, got.unsubPost = m.Header.Get("List-Unsubscribe"), m.Header.Get("List-Unsubscribe-Post")
	text, _, _ := strings.Cut(string(out), "text/html")
	got.textLink = trackedURL.MatchString(text[strings.Index(text, "\r\n\r\n"):])
	for _, u := range trackedURL.FindAllString(string(out), -1) {
		path := strings.TrimPrefix(u, trackerBase)
		switch {
		case strings.HasPrefix(path, "/o/") && strings.HasSuffix(path, ".gif"):
			c, err := kr.Open(strings.TrimSuffix(path[3:], ".gif"))
			if err != nil || c.Kind != token.Open {
				t.Errorf("pixel %s: %+v %v", u, c, err)
			}
			got.opens++
		case strings.HasPrefix(path, "/c/"):
			c, err := kr.Open(path[3:])
			if err != nil || c.Kind != token.Click {
				t.Errorf("click %s: %+v %v", u, c, err)
			}
			if c.Link == tracking.HoneypotLink {
				got.honeypot = true
			} else {
				got.clicks = append(got.clicks, c)
			}
		case strings.HasPrefix(path, "/u/"): // in the header, checked by the caller
		default:
			t.Errorf("unexpected tracking URL %s", u)
		}
	}
	return got
}

// TestTrackerModes: what the tenant's mode, the stream, TrackText, the
// bounce domain and X-Sluice-Track make of one newsletter.
func TestTrackerModes(t *testing.T) {
	t.Parallel()
	kr := testKeyring(t, 1, "tracker test secret, 32 bytes ok")
	id := queue.ID(msgID(accepted))
	type want struct {
		clicks, honeypot, opens, textLink, unsub, mailto, changed bool
	}
	for _, c := range []struct {
		name         string
		mode         string
		stream       queue.Stream
		text         bool
		bounceDomain string
		header       string // X-Sluice-Track
		want         want
	}{
		{"all marketing", tracking.ModeAll, queue.Marketing, false, "bounces.example", "",
			want{clicks: true, honeypot: true, opens: true, unsub: true, mailto: true, changed: true}},
		{"all with text", tracking.ModeAll, queue.Marketing, true, "", "",
			want{clicks: true, honeypot: true, opens: true, textLink: true, unsub: true, changed: true}},
		{"opens only", tracking.ModeOpens, queue.Marketing, true, "bounces.example", "",
			want{opens: true, unsub: true, mailto: true, changed: true}},
		{"clicks transactional", "Clicks", queue.Transactional, false, "bounces.example", "",
			want{clicks: true, honeypot: true, changed: true}},
		{"none marketing", tracking.ModeNone, queue.Marketing, false, "", "",
			want{unsub: true, changed: true}},
		{"none transactional", tracking.ModeNone, queue.Transactional, false, "bounces.example", "",
			want{}},
		{"unknown mode is none", "everything", queue.Transactional, false, "", "", want{}},
		{"header switches opens on", tracking.ModeNone, queue.Transactional, false, "", "opens",
			want{opens: true, changed: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr := tracking.NewTracker(tracking.TrackerConfig{Keyring: kr, BaseURL: trackerBase + "/", BounceDomain: c.bounceDomain,
				Mode: c.mode, TrackText: c.text, Now: func() time.Time { return accepted }})
			msg := newsletter
			if c.header != "" {
				msg = "X-Sluice-Track: " + c.header + "\r\n" + msg
			}
			out, changed, err := tr.Track("acme", id, "ann@example.test", c.stream, []byte(msg))
			if err != nil {
				t.Fatal(err)
			}
			got := inspect(t, kr, out)
			if changed != c.want.changed {
				t.Errorf("changed = %v, want %v", changed, c.want.changed)
			}
			if !changed && string(out) != newsletter {
				t.Errorf("unchanged message differs:\n%s", out)
			}
			if (len(got.clicks) > 0) != c.want.clicks || got.honeypot != c.want.honeypot || (got.opens > 0) != c.want.opens || got.textLink != c.want.textLink {
				t.Errorf("tracked %+v, want %+v", got, c.want)
			}
			for _, cl := range got.clicks {
				if cl.Tenant != "acme" || cl.Message != uint64(id) || cl.Stream != uint8(c.stream) || !cl.Issued.Equal(accepted) {
					t.Errorf("click claims %+v", cl)
				}
			}
			if c.want.clicks && !c.want.textLink && (len(got.clicks) != 1 || got.clicks[0].Link != 0 || got.clicks[0].URL != "https://acme.example/nov?x=1&y=2#top") {
				t.Errorf("clicks %+v, want link 0 to the decoded href", got.clicks)
			}
			checkUnsubscribe(t, kr, got, id, c.want.unsub, c.want.mailto)
		})
	}
}

// checkUnsubscribe checks List-Unsubscribe (RFC 2369) and
// List-Unsubscribe-Post (RFC 8058 §3.1).
func checkUnsubscribe(t *testing.T, kr *token.Keyring, got tracked, id queue.ID, want, mailto bool) {
	t.Helper()
	if !want {
		if got.unsub != "" || got.unsubPost != "" {
			t.Errorf("List-Unsubscribe %q, -Post %q on a message that must have none", got.unsub, got.unsubPost)
		}
		return
	}
	m := unsubHeader.FindStringSubmatch(got.unsub)
	if m == nil || (m[2] != "") != mailto {
		t.Fatalf("List-Unsubscribe = %q (mailto wanted: %v)", got.unsub, mailto)
	}
	if got.unsubPost != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got.unsubPost)
	}
	c, err := kr.Open(strings.TrimPrefix(m[1], trackerBase+"/u/"))
	if err != nil || c.Kind != token.Unsubscribe || c.Addr != "ann@example.test" || c.Tenant != "acme" || c.Message != uint64(id) {
		t.Errorf("unsubscribe token %+v %v", c, err)
	}
	if strings.Contains(got.unsub, "ann@") {
		t.Errorf("address in clear in %q", got.unsub)
	}
	if mailto {
		c, err := kr.OpenMailbox(m[2])
		if err != nil || c.Kind != token.MailUnsubscribe || c.Message != uint64(id) || c.Rcpt != 0 {
			t.Errorf("mailto token %+v %v", c, err)
		}
	}
}

// TestTrackerNoKeyring: a tracker without a keyring fails the rewrite
// (the submission is refused with a temporary error), it does not panic.
func TestTrackerNoKeyring(t *testing.T) {
	t.Parallel()
	tr := tracking.NewTracker(tracking.TrackerConfig{BaseURL: trackerBase, Mode: tracking.ModeAll})
	if _, _, err := tr.Track("acme", 1, "ann@example.test", queue.Marketing, []byte(newsletter)); err == nil {
		t.Fatal("Track without a keyring succeeded")
	}
}

// TestTrackerEdgeRoundTrip: the URLs a Tracker writes are the ones a real
// Edge on loopback serves: the pixel, the click redirect to the original
// URL, the honeypot as a machine's click, the unsubscribe page and the
// one-click POST that suppresses the address for marketing mail.
func TestTrackerEdgeRoundTrip(t *testing.T) {
	t.Parallel()
	te := newEdge(t, nil)
	tr := tracking.NewTracker(tracking.TrackerConfig{Keyring: te.keys, BaseURL: te.base, Mode: tracking.ModeAll,
		Now: func() time.Time { return accepted }})
	out, _, err := tr.Track("acme", queue.ID(msgID(accepted)), "ann@example.test", queue.Marketing, []byte(newsletter))
	if err != nil {
		t.Fatal(err)
	}
	urls := regexp.MustCompile(regexp.QuoteMeta(te.base)+`(/[^"\s<>]*)`).FindAllStringSubmatch(string(out), -1)
	var pixel, click, honeypot, unsub string
	for _, u := range urls {
		switch p := u[1]; {
		case strings.HasSuffix(p, ".gif"):
			pixel = p
		case strings.Contains(string(out), `<a href="`+u[0]+`" style="display:none"`):
			honeypot = p
		case strings.HasPrefix(p, "/u/"):
			unsub = p
		default:
			click = p
		}
	}
	if pixel == "" || click == "" || honeypot == "" || unsub == "" {
		t.Fatalf("pixel %q click %q honeypot %q unsubscribe %q in:\n%s", pixel, click, honeypot, unsub, out)
	}

	if resp, body := te.get(t, pixel); resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "GIF89a") {
		t.Errorf("pixel: %d %q", resp.StatusCode, body)
	}
	if ev := te.rec.take(t); ev.Kind != events.KindOpen || ev.Tenant != "acme" || ev.Machine {
		t.Errorf("open event %+v", ev)
	}
	if resp, _ := te.get(t, click); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://acme.example/nov?x=1&y=2#top" {
		t.Errorf("click: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ev := te.rec.take(t); ev.Kind != events.KindClick || ev.Link != 0 || ev.Machine {
		t.Errorf("click event %+v", ev)
	}
	if resp, _ := te.get(t, honeypot); resp.StatusCode != http.StatusFound {
		t.Errorf("honeypot: %d", resp.StatusCode)
	}
	if ev := te.rec.take(t); ev.Kind != events.KindClick || !ev.Machine || ev.Reason != "honeypot" {
		t.Errorf("honeypot event %+v", ev)
	}
	if resp, page := te.get(t, unsub); resp.StatusCode != http.StatusOK || !strings.Contains(page, "<form") {
		t.Errorf("unsubscribe page: %d\n%s", resp.StatusCode, page)
	}
	body, ct := oneClickForm()
	if resp, _ := te.do(t, http.MethodPost, unsub, body, "Content-Type", ct); resp.StatusCode != http.StatusOK {
		t.Errorf("one-click unsubscribe: %d", resp.StatusCode)
	}
	sups, _ := te.supp.snapshot()
	if len(sups) != 1 || sups[0].Tenant != "acme" || sups[0].Addr != "ann@example.test" || sups[0].Scope != queue.ScopeMarketing {
		t.Errorf("suppressions %+v", sups)
	}
}
