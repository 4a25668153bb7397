package delivery

import (
	"slices"
	"sync/atomic"
)

// live is the part of the engine's configuration a reload changes while
// it runs: the routes, and a generation counted up at every change so
// that connections opened under the previous settings end after their
// transaction (dest.serve) and destinations ask their TLS policy again.
type live struct {
	routes atomic.Pointer[[]Route] // nil: Config.Routes
	gen    atomic.Uint64
}

// SetRoutes replaces Config.Routes while the engine runs (a config
// reload): the next connection to a domain goes where the new routes say,
// and a connection open now ends after its transaction in progress, so
// the next message is not sent over the old route. Nothing in flight is
// lost: a job that would have reused the connection is put back for a
// new one.
func (e *Engine) SetRoutes(routes []Route) {
	rs := slices.Clone(routes)
	e.live.routes.Store(&rs)
	e.Reconfigured()
}

// Reconfigured tells the engine that something it reads at connection
// time changed (the TLS policy's rules, tlspolicy.Resolver.SetRules):
// every destination asks its domain's TLS policy again before its next
// connection, and open connections end after their transaction.
func (e *Engine) Reconfigured() {
	e.live.gen.Add(1)
	e.mu.Lock()
	dests := make([]*dest, 0, len(e.dests))
	for _, d := range e.dests {
		dests = append(dests, d)
	}
	e.mu.Unlock()
	for _, d := range dests {
		d.mu.Lock()
		d.pol = nil
		d.mu.Unlock()
	}
}

// routes is the routes in force: the last SetRoutes', else Config.Routes.
func (e *Engine) routes() []Route {
	if rs := e.live.routes.Load(); rs != nil {
		return *rs
	}
	return e.cfg.Routes
}
