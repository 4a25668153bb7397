package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"sluice/queue"
)

// RemoteSuppressor records suppressions through the admin API of the node
// that owns the spool (POST /api/v1/suppressions). A tracking edge that
// runs apart from the node (`sluice edge`) records unsubscribes with it:
// the API answers 200 only after the spool's fsync, so the edge's own 200
// still means durable.
type RemoteSuppressor struct {
	// URL is the admin API's base URL, e.g. "http://10.0.0.5:8025"; a
	// trailing slash is ignored.
	URL string
	// Token is the admin bearer token.
	Token string
	// Client sends the requests; give it a timeout.
	Client *http.Client
}

// Suppress records s, acting as "edge" in the node's audit log.
func (r RemoteSuppressor) Suppress(ctx context.Context, s queue.Suppression) error {
	base := strings.TrimSuffix(r.URL, "/")
	b, err := json.Marshal(Suppression{Tenant: s.Tenant, Address: s.Addr, Scope: s.Scope.String(), Reason: s.Reason})
	if err != nil {
		return fmt.Errorf("admin: suppress via %s: %w", base, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/suppressions", bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("admin: suppress via %s: %w", base, err)
	}
	req.Header.Set("Authorization", "Bearer "+r.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sluice-Actor", "edge")
	resp, err := r.Client.Do(req)
	if err != nil {
		return fmt.Errorf("suppress via %s: %w", base, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("suppress via %s: %s", base, resp.Status)
	}
	return nil
}
