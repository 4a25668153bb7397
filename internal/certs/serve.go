package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// WatchInterval is how often a server's certificate files are checked for
// a change (a stat of two files) by Watch as the node runs it.
const WatchInterval = time.Minute

// ServeFunc serves ln over TLS with tc until ln is closed or the server is
// shut down: a server's ServeTLS (the tracking edge's, an http.Server's
// through a closure).
type ServeFunc func(ln net.Listener, tc *tls.Config) error

// Serve serves ln with m's certificates (TLSConfig(protos...)) through
// serve, and watches m's files every interval (Watch), until the returned
// stop is called: stop stops the watch, closes ln and waits for both. An
// error of serve other than a closed listener or server is logged, not
// returned: the process's other listeners go on (plain HTTP beside the
// HTTPS one).
func (m *Manager) Serve(ln net.Listener, serve ServeFunc, log *slog.Logger, interval time.Duration, protos ...string) (stop func()) {
	if log == nil {
		log = m.log
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		err := serve(ln, m.TLSConfig(protos...))
		if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) {
			log.Error("https listener failed", "addr", ln.Addr().String(), "err", err)
		}
	}()
	go func() {
		defer wg.Done()
		m.Watch(ctx, interval)
	}()
	return func() {
		cancel()
		ln.Close()
		wg.Wait()
	}
}
