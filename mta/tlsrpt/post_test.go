package tlsrpt

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPostRedirectsAndLimits: a 307 or 308 on the same host keeps the
// POST and is followed; a 302 (which would turn it into a GET), a redirect
// to another host or to http, and a redirect loop are refused; a huge
// answer body is not read whole; an untrusted certificate fails.
func TestPostRedirectsAndLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rv = startReceiver(t, func(rv *receiver) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("/ok", rv.serve)
		mux.HandleFunc("/307", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/ok", http.StatusTemporaryRedirect)
		})
		mux.HandleFunc("/308", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://EXAMPLE.com/ok", http.StatusPermanentRedirect)
		})
		mux.HandleFunc("/302", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/ok", http.StatusFound)
		})
		mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://other.example/ok", http.StatusTemporaryRedirect)
		})
		mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://example.com/ok", http.StatusTemporaryRedirect)
		})
		mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/loop", http.StatusTemporaryRedirect)
		})
		mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
			// 1 MiB, then silence until the client hangs up: a client
			// reading the answer whole would wait for its timeout.
			_, _ = io.Copy(io.Discard, r.Body) // then a hang-up cancels r.Context()
			chunk := []byte(strings.Repeat("x", 32<<10))
			for range 32 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second): // never hang the test's cleanup
			}
		})
		return mux
	})
	cfg := e.config()
	cfg.HTTPTimeout = 3 * time.Second
	r, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	gz, err := gzipJSON(buildReport("o", "c@x.test", "x.test", utcDay(e.clock.Now()), "example.net", nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		ok   bool
	}{
		{"/ok", true}, {"/307", true}, {"/308", true},
		{"/302", false}, {"/elsewhere", false}, {"/plain", false}, {"/loop", false},
	} {
		err := r.post(context.Background(), "https://example.com"+tt.path, gz)
		if (err == nil) != tt.ok {
			t.Errorf("POST %s: %v, want ok=%v", tt.path, err, tt.ok)
		}
		if !tt.ok && tt.path != "/302" && !errors.Is(err, errRedirect) {
			t.Errorf("POST %s: %v, want a refused redirect", tt.path, err)
		}
	}
	if got, _ := e.rv.got(); len(got) != 3 {
		t.Errorf("%d reports received, want 3", len(got))
	}
	start := time.Now()
	if err := r.post(context.Background(), "https://example.com/huge", gz); err != nil {
		t.Errorf("POST /huge: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("POST /huge took %v: the answer was read whole", d)
	}

	cfg.RootCAs = nil // the system's roots do not know the test server
	cfg.Dir = t.TempDir()
	r2, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if err := r2.post(context.Background(), "https://example.com/ok", gz); err == nil {
		t.Error("POST to an untrusted certificate succeeded")
	}
}
