package tracking

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"sluice/internal/certs"
)

// Standalone is the edge running apart from any node (`sluice edge`,
// for scaling it out): the edge on its plain listener and, with
// certificates, on an HTTPS one; the webhooks of its own events store
// beside it; and what must close after it (that store, the metrics
// server).
type Standalone struct {
	Edge *Edge
	// Listener serves plain HTTP (tracking.listen).
	Listener net.Listener
	// TLSListener, when not nil, serves HTTPS with the certificates of
	// Certs, whose files are watched meanwhile.
	TLSListener net.Listener
	Certs       *certs.Manager
	// Webhooks, when not nil, runs until the edge has stopped (the
	// dispatcher of the events store's outbox); its error is logged.
	Webhooks func(ctx context.Context) error
	// Events, when not nil, is closed once the edge and Webhooks have
	// stopped (the store the edge records into).
	Events interface {
		Close(ctx context.Context) error
	}
	// Metrics, when not nil, is shut down last.
	Metrics *http.Server
	// ShutdownTimeout bounds the edge's shutdown and the store's close.
	// Default 10s.
	ShutdownTimeout time.Duration
	// Logger: default slog.Default().
	Logger *slog.Logger
}

// Serve serves until ctx ends or the plain listener fails, then stops in
// order: the edge (requests in progress answered) and its HTTPS side,
// the webhooks, the events store, the metrics server. It returns the
// listener's error (nil after ctx ended or the listener was closed).
func (s *Standalone) Serve(ctx context.Context) error {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	errc := make(chan error, 1)
	go func() { errc <- ignoreClosed(s.Edge.Serve(s.Listener)) }()
	stopHTTPS := func() {}
	if s.TLSListener != nil {
		log.Info("tracking edge serves HTTPS", "https", s.TLSListener.Addr().String())
		stopHTTPS = s.Certs.Serve(s.TLSListener, s.Edge.ServeTLS, log, certs.WatchInterval, "http/1.1")
	}
	whCtx, whStop := context.WithCancel(context.Background())
	whDone := make(chan error, 1)
	go func() {
		if s.Webhooks == nil {
			whDone <- nil
			return
		}
		whDone <- s.Webhooks(whCtx)
	}()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	timeout := s.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_ = s.Edge.Shutdown(sctx)
	s.Listener.Close()
	stopHTTPS()
	whStop()
	if err := <-whDone; err != nil {
		log.Warn("webhooks", "err", err)
	}
	if s.Events != nil {
		if err := s.Events.Close(sctx); err != nil {
			log.Warn("events store close", "err", err)
		}
	}
	if s.Metrics != nil {
		mctx, mcancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = s.Metrics.Shutdown(mctx)
		mcancel()
	}
	return err
}

// Close releases what a Standalone that was never served holds (a start
// that failed half-way): its listeners, Events and Metrics, each when
// set.
func (s *Standalone) Close() {
	for _, ln := range []net.Listener{s.Listener, s.TLSListener} {
		if ln != nil {
			ln.Close()
		}
	}
	if s.Events != nil {
		s.Events.Close(context.Background())
	}
	if s.Metrics != nil {
		s.Metrics.Close()
	}
}

// ignoreClosed maps the errors of a listener closed on purpose to nil.
func ignoreClosed(err error) error {
	if errors.Is(err, net.ErrClosed) || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
