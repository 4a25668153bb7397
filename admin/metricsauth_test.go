package admin

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestBearerSchemeCaseInsensitive: the auth scheme is matched without
// regard to case (RFC 7235 §2.1); before, "bearer <token>" got 401.
func TestBearerSchemeCaseInsensitive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, auth := range []string{"Bearer " + testToken, "bearer " + testToken, "BEARER " + testToken, "bEaReR  " + testToken} {
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/queue/stats", nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%q: %d, want 200", auth, resp.StatusCode)
		}
	}
	for _, auth := range []string{"Bearer", "Bearer ", "Bearertoken " + testToken, "Basic " + testToken} {
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/queue/stats", nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("%q: %d, want 401", auth, resp.StatusCode)
		}
	}
}

// TestMetricsAuth: with MetricsAuth, /metrics needs the bearer token like
// the API (the metrics name tenants); /healthz stays open.
func TestMetricsAuth(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.config()
	c.MetricsAuth = true
	h, err := NewHandler(c)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path, auth string) int {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("/metrics", ""); code != 401 {
		t.Errorf("/metrics without a token: %d, want 401", code)
	}
	if code := get("/metrics", "Bearer "+testToken); code != 200 {
		t.Errorf("/metrics with the token: %d, want 200", code)
	}
	if code := get("/healthz", ""); code != 200 {
		t.Errorf("/healthz: %d, want 200", code)
	}
}
