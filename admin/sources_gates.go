package admin

import "sluice/mta/shaping"

// Gates is delivery's source gates as the admin API reports them: a nil
// warm-up (no source warms up) or blocklist stays a nil interface, which
// the API reports as none, rather than a nil pointer it would call.
func Gates(w *shaping.Warmup, b *shaping.Blocklist) SourceGates {
	var g SourceGates
	if w != nil {
		g.Warmup = w
	}
	if b != nil {
		g.Blocklist = b
	}
	return g
}
