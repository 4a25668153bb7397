package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"sluice/configs"
)

// TestWarnUnsigned: a tenant whose sender domain has no key (of its own
// or a parent's) is named at start-up; covered ones and require_aligned
// "all" (which refuses instead) are silent.
func TestWarnUnsigned(t *testing.T) {
	t.Parallel()
	cfg := &configs.Config{}
	cfg.DKIM.Keys = []configs.DKIMKey{{Domain: "acme.example"}}
	cfg.Tenants = []configs.Tenant{
		{Name: "acme", SenderDomains: []string{"acme.example", "news.acme.example"}},
		{Name: "bare", SenderDomains: []string{"acme.example.net", "bare.example"}},
	}
	var buf bytes.Buffer
	warnUnsigned(cfg, slog.New(slog.NewTextHandler(&buf, nil)))
	out := buf.String()
	if strings.Contains(out, "tenant=acme") || !strings.Contains(out, "tenant=bare") ||
		!strings.Contains(out, "acme.example.net") || !strings.Contains(out, "bare.example") {
		t.Fatalf("log: %s", out)
	}
	buf.Reset()
	cfg.DKIM.RequireAligned = "all"
	warnUnsigned(cfg, slog.New(slog.NewTextHandler(&buf, nil)))
	if buf.Len() != 0 {
		t.Fatalf("require_aligned all logged: %s", buf.String())
	}
}
