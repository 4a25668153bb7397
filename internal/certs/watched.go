package certs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"sluice/internal/reload"
)

// Reloads is where a certificate's reload is registered: internal/reload's
// Registry, whose reloads run on SIGHUP.
type Reloads interface {
	Add(name string, fn reload.Func)
}

var _ Reloads = (*reload.Registry)(nil)

// Watched are a process's certificates (the submission's, the inbound
// MX's, the tracking edge's): each one's reload is registered on
// Reloads as it is added, so that SIGHUP reads its files again (a failed
// reload keeps the certificate in force), and Watch checks all their
// files for change. Safe for concurrent use.
type Watched struct {
	// Reloads receives each certificate's reload; required.
	Reloads Reloads
	// Logger is the Logger of the Managers LoadFiles makes.
	Logger *slog.Logger

	mu       sync.Mutex
	managers []*Manager
}

// LoadFiles loads the certificate chain and key of certFile and keyFile
// (a Manager with no ACME), and adds it as name ("inbound").
func (w *Watched) LoadFiles(name, certFile, keyFile string) (*Manager, error) {
	m, err := New(Config{CertFile: certFile, KeyFile: keyFile, Logger: w.Logger})
	if err != nil {
		return nil, err
	}
	w.Add(name, m)
	return m, nil
}

// Add registers m's reload as name's certificate ("tracking
// certificate") and watches its files from the next Watch on.
func (w *Watched) Add(name string, m *Manager) {
	w.Reloads.Add(name+" certificate", func(context.Context) error { return m.Reload() })
	w.mu.Lock()
	w.managers = append(w.managers, m)
	w.mu.Unlock()
}

// Watch checks the files of every certificate added every interval
// (Manager.Watch) until ctx ends; it returns once every watch has
// stopped (at once when none has files).
func (w *Watched) Watch(ctx context.Context, interval time.Duration) {
	w.mu.Lock()
	ms := append([]*Manager(nil), w.managers...)
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		go func() { defer wg.Done(); m.Watch(ctx, interval) }()
	}
	wg.Wait()
}
