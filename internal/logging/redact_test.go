package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func logLine(t *testing.T, mode Mode, hasher Hasher, log func(*slog.Logger)) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	r := New(slog.NewJSONHandler(&buf, nil), mode)
	if hasher != nil {
		r.SetHasher(hasher)
	}
	log(slog.New(r))
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("%v: %q", err, buf.String())
	}
	if mode != Full && strings.Contains(buf.String(), "ann@example.net") {
		t.Fatalf("address in clear in %q", buf.String())
	}
	return m
}

func fakeHash(tenant, addr string) string { return "h:" + tenant + ":" + strings.ToUpper(addr[:1]) }

func TestRedactModes(t *testing.T) {
	entry := func(l *slog.Logger) {
		l.Info("delivery", "msgid", "m1", "tenant", "acme", "rcpt", "ann@example.net", "rcpt_domain", "example.net")
	}
	m := logLine(t, Hash, fakeHash, entry)
	if m["rcpt_hash"] != "h:acme:A" || m["rcpt"] != nil || m["msgid"] != "m1" || m["rcpt_domain"] != "example.net" {
		t.Errorf("hash: %v", m)
	}
	m = logLine(t, Domain, fakeHash, entry)
	if m["rcpt_hash"] != nil || m["rcpt"] != nil || m["rcpt_domain"] != "example.net" {
		t.Errorf("domain: %v", m)
	}
	m = logLine(t, Full, fakeHash, entry)
	if m["rcpt"] != "ann@example.net" {
		t.Errorf("full: %v", m)
	}
	// Before the spool is open, hash mode logs the domain only.
	m = logLine(t, Hash, nil, func(l *slog.Logger) { l.Warn("refused", "rcpt", "ann@example.net") })
	if m["rcpt"] != nil || m["rcpt_domain"] != "example.net" {
		t.Errorf("hash without a hasher: %v", m)
	}
	// Attributes given to a derived logger are redacted too.
	m = logLine(t, Hash, fakeHash, func(l *slog.Logger) { l.With("tenant", "acme", "rcpt", "ann@example.net").Info("x") })
	if m["rcpt"] != nil || m["rcpt_hash"] == nil {
		t.Errorf("With: %v", m)
	}
	// Lines without a recipient pass untouched.
	m = logLine(t, Hash, fakeHash, func(l *slog.Logger) { l.Info("started", "listen", "127.0.0.1:25") })
	if m["listen"] != "127.0.0.1:25" {
		t.Errorf("plain line: %v", m)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": Hash, "hash": Hash, "domain": Domain, "full": Full} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseMode("clear"); err == nil {
		t.Error("ParseMode accepted clear")
	}
}
