package ctl

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// client talks to a node's admin API.
type client struct {
	base, token, actor string
	http               *http.Client
}

// do sends one request and returns the body of a 200 answer (at most
// 256 MiB); any other status is an error quoting the answer.
func (c *client) do(method, path string, q url.Values, body io.Reader, contentType string) ([]byte, error) {
	u := "http://" + c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("X-Sluice-Actor", c.actor)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin API at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("admin API: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("admin API: %s: %s", resp.Status, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// decodeAPI decodes an admin API answer into v.
func decodeAPI(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("admin API: bad JSON: %w", err)
	}
	return nil
}
