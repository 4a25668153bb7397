package inbound

import (
	"sync/atomic"

	"sluice/queue"
)

// ReturnPaths is delivery's envelope-sender hook whose bounce domains a
// config reload swaps while delivery runs: Path gives the VERP return
// path (KeyringTokens.VERP) of the tenants' bounce domains last Set, ""
// (keep the submitted sender) for the others or when none has one.
// Delivery asks per transaction, so a swap applies from the next one.
// The zero value with Tokens set has no bounce domain.
type ReturnPaths struct {
	Tokens KeyringTokens
	verp   atomic.Pointer[func(*queue.Work, queue.WorkRcpt) string]
}

// Set makes domains (tenant name to bounce domain, "" for none) the ones
// in force.
func (p *ReturnPaths) Set(domains map[string]string) {
	if f := p.Tokens.VERP(domains); f != nil {
		p.verp.Store(&f)
		return
	}
	p.verp.Store(nil)
}

// Path is the envelope sender of r in w under the domains in force.
func (p *ReturnPaths) Path(w *queue.Work, r queue.WorkRcpt) string {
	if f := p.verp.Load(); f != nil {
		return (*f)(w, r)
	}
	return ""
}
