package tlsrpt

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// HTTPS delivery limits.
const (
	// maxReplyBody bounds what is read of a receiver's answer: it is read
	// only so the connection ends cleanly, never kept.
	maxReplyBody = 64 << 10
	// maxRedirects bounds the redirects followed for one POST.
	maxRedirects = 3
	// defaultHTTPTimeout bounds one POST, connection included.
	defaultHTTPTimeout = 30 * time.Second
)

// errRedirect refuses a redirect the reporter will not follow.
var errRedirect = errors.New("tlsrpt: redirect refused")

// newHTTPClient builds the client that POSTs reports (RFC 8460 §5.3):
// HTTPS, the receiver's certificate verified against roots (nil: the
// system's) at now(), TLS 1.2 or later, no proxy, redirects followed only
// when they keep the POST (307, 308) on the same host over https.
func newHTTPClient(cfg *Config) *http.Client {
	dial := cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: cfg.HTTPTimeout}).DialContext
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:            dial,
			TLSClientConfig:        &tls.Config{RootCAs: cfg.RootCAs, Time: cfg.Now, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:    cfg.HTTPTimeout,
			ResponseHeaderTimeout:  cfg.HTTPTimeout,
			MaxResponseHeaderBytes: 16 << 10,
			DisableKeepAlives:      true,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			switch {
			case len(via) >= maxRedirects:
				return fmt.Errorf("%w: more than %d", errRedirect, maxRedirects)
			case req.Method != http.MethodPost: // 301, 302, 303 would turn the POST into a GET
				return fmt.Errorf("%w: to a %s", errRedirect, req.Method)
			case req.URL.Scheme != "https" || !strings.EqualFold(req.URL.Host, via[0].URL.Host):
				return fmt.Errorf("%w: to another host", errRedirect)
			}
			return nil
		},
		Timeout: cfg.HTTPTimeout,
	}
}

// post delivers a gzipped report to an https rua (§5.3): a POST with
// Content-Type application/tlsrpt+gzip; any 2xx answer is success.
func (r *Reporter) post(ctx context.Context, uri string, gz []byte) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.HTTPTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(gz))
	if err != nil {
		return fmt.Errorf("tlsrpt: post to %s: %w", uri, err)
	}
	req.Header.Set("Content-Type", MediaType)
	req.Header.Set("User-Agent", "sluice-tlsrpt")
	resp, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("tlsrpt: post to %s: %w", uri, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxReplyBody))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("tlsrpt: post to %s: HTTP status %d", uri, resp.StatusCode)
	}
	return nil
}
