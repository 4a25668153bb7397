package mx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestNewDefaultsAndValidation(t *testing.T) {
	t.Parallel()
	r, err := New(Config{Servers: []string{"192.0.2.53", "[2001:db8::53]:5353", "127.0.0.1:53"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"192.0.2.53:53", "[2001:db8::53]:5353", "127.0.0.1:53"}; !slices.Equal(r.servers, want) {
		t.Errorf("servers = %v, want %v", r.servers, want)
	}
	c := r.cfg
	if c.Timeout != defaultTimeout || c.Attempts != defaultAttempts || c.MinTTL != defaultMinTTL ||
		c.MaxTTL != defaultMaxTTL || c.NegativeTTL != defaultNegativeTTL || c.CacheSize != defaultCacheSize ||
		c.Now == nil || c.Rand == nil {
		t.Errorf("defaults not applied: %+v", c)
	}

	bad := []Config{
		{Servers: []string{"dns.example:53"}},
		{Servers: []string{"192.0.2.53:99999"}},
		{Servers: []string{"127.0.0.1:53"}, Timeout: -time.Second},
		{Servers: []string{"127.0.0.1:53"}, CacheSize: -1},
		{Servers: []string{"127.0.0.1:53"}, MinTTL: time.Hour, MaxTTL: time.Minute},
	}
	for _, cfg := range bad {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestSystemServers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	got, err := SystemServers(write("resolv.conf", "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver 2001:db8::53\noptions ndots:1\n"))
	if want := []string{"192.0.2.53:53", "[2001:db8::53]:53"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("SystemServers = %v, %v; want %v", got, err, want)
	}
	if _, err := SystemServers(write("empty.conf", "search example.com\n")); !errors.Is(err, ErrNoServers) {
		t.Errorf("SystemServers(no nameserver) = %v, want ErrNoServers", err)
	}
	if _, err := SystemServers(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("SystemServers(missing file) = %v, want os.ErrNotExist", err)
	}
}

func TestIsPermanent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("mx: lookup MX x: %w", ErrNoSuchDomain), true},
		{fmt.Errorf("wrapped: %w", ErrNullMX), true},
		{ErrNoAddress, true},
		{ErrInvalidDomain, true},
		{ErrServerFailure, false},
		{ErrBadResponse, false},
		{ErrCNAMEChain, false},
		{context.DeadlineExceeded, false},
		{context.Canceled, false},
		{errors.New("something unknown"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := IsPermanent(tt.err); got != tt.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
