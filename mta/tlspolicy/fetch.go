package tlspolicy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"time"
)

// errFetch marks a policy that could not be fetched (RFC 8460's
// sts-policy-fetch-error).
var errFetch = errors.New("tlspolicy: MTA-STS policy fetch failed")

// newHTTPClient builds the policy fetcher's client (RFC 8461 §3.3): HTTPS
// only, WebPKI-validated against roots (nil: the system's) at now(), no
// redirects followed, no proxy, no connection kept.
func newHTTPClient(cfg *Config) *http.Client {
	dial := cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: cfg.FetchTimeout}).DialContext
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:            dial,
			TLSClientConfig:        &tls.Config{RootCAs: cfg.RootCAs, Time: cfg.Now, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:    cfg.FetchTimeout,
			DisableKeepAlives:      true,
			MaxResponseHeaderBytes: 16 << 10,
		},
		// §3.3: "HTTP 3xx redirects MUST NOT be followed".
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       cfg.FetchTimeout,
	}
}

// fetch gets domain's policy body from
// https://mta-sts.<domain>/.well-known/mta-sts.txt (§3.3): status 200,
// Content-Type text/plain, at most 64 KiB, within the fetch timeout.
func (r *Resolver) fetch(ctx context.Context, domain string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.FetchTimeout)
	defer cancel()
	url := "https://mta-sts." + domain + "/.well-known/mta-sts.txt"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errFetch, domain, err)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errFetch, domain, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: HTTP status %d", errFetch, domain, resp.StatusCode)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "text/plain" {
		return nil, fmt.Errorf("%w: %s: Content-Type %q", errFetch, domain, truncate(resp.Header.Get("Content-Type")))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPolicySize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: read: %w", errFetch, domain, err)
	}
	if len(body) > maxPolicySize {
		return nil, fmt.Errorf("%w: %s: policy over %d bytes", errFetch, domain, maxPolicySize)
	}
	return body, nil
}

// defaultFetchTimeout bounds one policy fetch, connection included.
const defaultFetchTimeout = 20 * time.Second
