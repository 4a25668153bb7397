package tracking_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/token"
)

// hostGet sends GET path to the edge with the given Host header.
func (te *testEdge) hostGet(t *testing.T, host, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, te.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("User-Agent", firefox)
	resp, err := te.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestTenantTrackingHosts: on a tenant's own tracking host only that
// tenant's tokens are served (another tenant's authentic token is a 404);
// the default host serves every tenant's; a host map replaced at run
// time counts at the next request.
func TestTenantTrackingHosts(t *testing.T) {
	t.Parallel()
	hosts := tracking.NewHostMap(map[string]string{"t.acme.example": "acme", "T.Beta.Example.": "beta"})
	te := newEdge(t, func(c *tracking.Config) { c.Hosts = hosts })
	acmeOpen := "/o/" + te.seal(t, token.Claims{Kind: token.Open, Tenant: "acme"}) + ".gif"
	betaOpen := "/o/" + te.seal(t, token.Claims{Kind: token.Open, Tenant: "beta"}) + ".gif"
	gammaClick := "/c/" + te.seal(t, token.Claims{Kind: token.Click, Tenant: "gamma", URL: "https://gamma.example/"})
	acmeClick := "/c/" + te.seal(t, token.Claims{Kind: token.Click, Tenant: "acme", URL: "https://acme.example/"})
	acmeUnsub := "/u/" + te.seal(t, token.Claims{Kind: token.Unsubscribe, Tenant: "acme", Addr: "a@example.org"})
	for _, tc := range []struct {
		name, host, path string
		want             int
	}{
		{"own host, own open", "t.acme.example", acmeOpen, http.StatusOK},
		{"own host with port and case", "T.ACME.example:8080", acmeOpen, http.StatusOK},
		{"own host, own click", "t.acme.example", acmeClick, http.StatusFound},
		{"own host, own unsubscribe page", "t.acme.example", acmeUnsub, http.StatusOK},
		{"other tenant's host: open", "t.beta.example", acmeOpen, http.StatusNotFound},
		{"other tenant's host: click", "t.beta.example", acmeClick, http.StatusNotFound},
		{"other tenant's host: unsubscribe", "t.beta.example", acmeUnsub, http.StatusNotFound},
		{"hostless tenant's token on a tenant host", "t.acme.example", gammaClick, http.StatusNotFound},
		{"default host, hostless tenant", "track.esp.example", gammaClick, http.StatusFound},
		{"default host, tenant with a host (older mail)", "track.esp.example", betaOpen, http.StatusOK},
		{"IP literal host", "[::1]:80", betaOpen, http.StatusOK},
	} {
		resp, body := te.hostGet(t, tc.host, tc.path)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d (%q)", tc.name, resp.StatusCode, tc.want, body)
		}
		if tc.want == http.StatusNotFound && body != "not found\n" {
			t.Errorf("%s: 404 body %q", tc.name, body)
		}
	}
	if s := te.edge.Stats(); s.BadToken != 4 {
		t.Errorf("bad_token counted %d, want 4", s.BadToken)
	}

	// The tenants change: beta's host moves to acme's tokens' owner.
	hosts.Set(map[string]string{"t.beta.example": "acme"})
	if resp, _ := te.hostGet(t, "t.beta.example", acmeOpen); resp.StatusCode != http.StatusOK {
		t.Errorf("after Set: status %d, want 200", resp.StatusCode)
	}
	if resp, _ := te.hostGet(t, "t.acme.example", betaOpen); resp.StatusCode != http.StatusOK {
		t.Errorf("after Set, a host no longer a tenant's: status %d, want 200", resp.StatusCode)
	}
}

// TestTrackerWithHost: a tenant's tracker writes every URL (links, pixel,
// one-click List-Unsubscribe) on its own host, keeping the base URL's
// scheme and port, and those URLs are served by the edge on that host
// only.
func TestTrackerWithHost(t *testing.T) {
	t.Parallel()
	hosts := tracking.NewHostMap(map[string]string{"t.acme.example": "acme", "t.beta.example": "beta"})
	te := newEdge(t, func(c *tracking.Config) { c.Hosts = hosts })
	base := tracking.NewTracker(tracking.TrackerConfig{Keyring: te.keys, BaseURL: te.base + "/", Mode: tracking.ModeAll,
		BounceDomain: "bounces.example", Now: te.clock.Now})
	acme := base.WithHost("T.Acme.Example.")
	out, changed, err := acme.Track("acme", queue.ID(msgID(accepted)), "r@example.org", queue.Marketing, []byte(newsletter))
	if err != nil || !changed {
		t.Fatalf("Track: changed=%v err=%v", changed, err)
	}
	port := te.base[strings.LastIndexByte(te.base, ':'):]
	onHost := regexp.MustCompile(`http://t\.acme\.example` + regexp.QuoteMeta(port) + `/([ocu])/[A-Za-z0-9_.-]+`)
	urls := onHost.FindAllString(string(out), -1)
	kinds := map[string]bool{}
	for _, u := range urls {
		kinds[u[len("http://t.acme.example")+len(port)+1:][:1]] = true
	}
	if !kinds["o"] || !kinds["c"] || !kinds["u"] {
		t.Fatalf("URLs on the tenant's host: %q (kinds %v)\n%s", urls, kinds, out)
	}
	if strings.Contains(string(out), strings.TrimPrefix(te.base, "http://")+"/") {
		t.Fatalf("a URL still names the default host:\n%s", out)
	}
	if !strings.Contains(string(out), "mailto:u.") || !strings.Contains(string(out), "@bounces.example") {
		t.Errorf("mailto List-Unsubscribe lost:\n%s", out)
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if resp, body := te.hostGet(t, u.Host, u.Path); resp.StatusCode >= 400 {
			t.Errorf("%s on its host: %d %q", u.Path, resp.StatusCode, body)
		}
		if resp, _ := te.hostGet(t, "t.beta.example", u.Path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s on another tenant's host: %d, want 404", u.Path, resp.StatusCode)
		}
	}
	// The default tracker is untouched by WithHost.
	out, _, err = base.Track("gamma", queue.ID(msgID(accepted)), "r@example.org", queue.Marketing, []byte(newsletter))
	if err != nil || !strings.Contains(string(out), te.base+"/u/") {
		t.Fatalf("default tracker: %v\n%s", err, out)
	}
}
