package certs

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
)

// ChallengePrefix is the path of HTTP-01 validation requests (RFC 8555
// §8.3), the one path a plain-HTTP listener must not redirect.
const ChallengePrefix = "/.well-known/acme-challenge/"

// HTTPChallenge answers an HTTP-01 validation request for host (the Host
// header, a port allowed) and path: the key authorization to send with a
// 200, or false (answer 404) when host is not an ACME host, HTTP01 is off
// or no such challenge is pending.
func (m *Manager) HTTPChallenge(ctx context.Context, host, path string) ([]byte, bool) {
	if m.acme == nil || !m.cfg.ACME.HTTP01 || !strings.HasPrefix(path, ChallengePrefix) {
		return nil, false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if !m.isACMEHost(normalise(host)) {
		return nil, false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+path, nil)
	if err != nil {
		return nil, false
	}
	// autocert keeps its pending tokens private: its handler is the one
	// way to read them.
	var w recorder
	m.acme.HTTPHandler(nil).ServeHTTP(&w, req)
	if w.code != 0 && w.code != http.StatusOK {
		return nil, false
	}
	return w.body.Bytes(), true
}

// recorder is the http.ResponseWriter HTTPChallenge hands autocert.
type recorder struct {
	hdr  http.Header
	code int
	body bytes.Buffer
}

func (r *recorder) Header() http.Header {
	if r.hdr == nil {
		r.hdr = http.Header{}
	}
	return r.hdr
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(b)
}
