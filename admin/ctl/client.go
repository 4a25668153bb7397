package ctl

import (
	"bytes"
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
	out, _, err := c.call(method, path, q, body, contentType)
	return out, err
}

// call is do that also returns the answer's header.
func (c *client) call(method, path string, q url.Values, body io.Reader, contentType string) ([]byte, http.Header, error) {
	u := "http://" + c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("X-Sluice-Actor", c.actor)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("admin API at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("admin API: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("admin API: %s: %s", resp.Status, apiMessage(out))
	}
	return out, resp.Header, nil
}

// get sends a GET and decodes the JSON answer into v, returning the raw
// answer too (what --json prints).
func (c *client) get(path string, q url.Values, v any) ([]byte, error) {
	body, err := c.do(http.MethodGet, path, q, nil, "")
	if err != nil {
		return nil, err
	}
	return body, decodeAPI(body, v)
}

// post sends v as JSON and decodes the answer into out (if not nil).
func (c *client) post(method, path string, v, out any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	body, err := c.do(method, path, nil, bytes.NewReader(b), "application/json")
	if err != nil || out == nil {
		return body, err
	}
	return body, decodeAPI(body, out)
}

// apiMessage is the error an API answer carries ({"error": …}), or the
// answer itself, trimmed.
func apiMessage(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(string(body))
}

// decodeAPI decodes an admin API answer into v.
func decodeAPI(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("admin API: bad JSON: %w", err)
	}
	return nil
}
