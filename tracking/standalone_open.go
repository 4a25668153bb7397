package tracking

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"sluice/fleet"
	"sluice/internal/certs"
	"sluice/queue"
	"sluice/tracking/events"
)

// StandaloneOptions are what OpenStandalone builds a standalone edge
// from: plain values, and hooks for what this package does not know (the
// webhook dispatcher, the fleet's statistics and erasures, metrics).
type StandaloneOptions struct {
	// Dir is the edge's data directory, created if needed: its events
	// store (events.db) and, in a fleet, its suppression spool.
	Dir string
	// Events are the events store's options (its InTx: the webhook
	// outbox's hook).
	Events events.Options
	// Edge is the edge's config; OpenStandalone sets its Events and, in
	// a fleet, its Suppressor.
	Edge Config
	// Certs, when not nil, are the HTTPS edge's certificates.
	Certs *certs.Manager
	// Listen is the plain HTTP address; HTTPSAddr, when not "", the
	// HTTPS one (Certs required).
	Listen, HTTPSAddr string
	// Fleet, when not nil, joins the fleet on the edge's suppression
	// spool (OpenSuppressionSpool): unsubscribes go there and through
	// Redis, not to Edge.Suppressor.
	Fleet *fleet.MemberOptions
	// Joined, when not nil, is called once the edge has joined the
	// fleet, with its member, its suppression spool and the events store.
	Joined func(*fleet.EdgeMember, *queue.Store, *events.Store)
	// Webhooks, when not nil, makes the webhook dispatcher of the open
	// events store; its Run runs beside the edge.
	Webhooks func(*events.Store) (run func(context.Context) error, err error)
	// Logger: default slog.Default().
	Logger *slog.Logger
}

// OpenStandalone opens the edge's events store (in a fleet, also its
// suppression spool, and joins the fleet on it), builds the edge and its
// webhooks over it and binds its listeners. On failure it closes what it
// opened. The Standalone is then served (Serve) or closed (Close); its
// Metrics are the caller's to set.
func OpenStandalone(o StandaloneOptions) (_ *Standalone, err error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	ev, err := events.Open(filepath.Join(o.Dir, "events.db"), o.Events)
	if err != nil {
		return nil, fmt.Errorf("events store: %w", err)
	}
	s := &Standalone{Events: ev, Certs: o.Certs, Logger: o.Logger}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	var ef *EdgeFleet
	if o.Fleet != nil { // its member runs beside the webhooks and closes after the events store
		if ef, o.Edge.Suppressor, err = joinFleet(o, ev); err != nil {
			return nil, err
		}
		s.Events, s.Webhooks = ef, ef.Run
	}
	o.Edge.Events = ev
	if s.Edge, err = New(o.Edge); err != nil {
		return nil, fmt.Errorf("tracking edge: %w", err)
	}
	if o.Webhooks != nil {
		run, werr := o.Webhooks(ev)
		if werr != nil {
			return nil, werr
		}
		if ef != nil {
			ef.Webhooks = run
		} else {
			s.Webhooks = run
		}
	}
	if err := s.listen(o.Listen, o.HTTPSAddr); err != nil {
		return nil, err
	}
	return s, nil
}

// joinFleet opens the edge's suppression spool and joins the fleet on
// it. The EdgeFleet closes the events store, the member and the spool,
// in that order; unsubscribes go to the member's Suppressor.
func joinFleet(o StandaloneOptions, ev *events.Store) (*EdgeFleet, Suppressor, error) {
	spool, err := OpenSuppressionSpool(o.Dir, o.Logger, nil)
	if err != nil {
		return nil, nil, err
	}
	fm, err := fleet.JoinEdge(context.Background(), spool, *o.Fleet)
	if err != nil {
		spool.Close()
		return nil, nil, fmt.Errorf("cluster: %w", err)
	}
	if o.Joined != nil {
		o.Joined(fm, spool, ev)
	}
	return &EdgeFleet{Member: fm, Spool: spool, Events: ev}, fm.Suppressions(), nil
}

// listen binds the plain listener and, when httpsAddr is set, the HTTPS
// one.
func (s *Standalone) listen(addr, httpsAddr string) (err error) {
	if s.Listener, err = net.Listen("tcp", addr); err != nil {
		return fmt.Errorf("tracking.listen: %w", err)
	}
	if httpsAddr != "" {
		if s.TLSListener, err = net.Listen("tcp", httpsAddr); err != nil {
			return fmt.Errorf("tracking.https_addr: %w", err)
		}
	}
	return nil
}
