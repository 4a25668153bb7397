package webhook

import (
	"sluice/tracking/events"
	"sluice/tracking/internal/binrec"
)

// The rerouted part of an outbox record (version 4), there exactly when
// flags has flagRerouted, after the TLS part, as in the events store's
// records (events.Event.Rerouted):
//
//	rerouted (uvarint length | bytes)

// appendRerouted appends the rerouted part of ev's record.
func appendRerouted(rec []byte, ev *events.Event) []byte {
	return binrec.AppendString(rec, ev.Rerouted)
}

// readRerouted reads the rerouted part of a record (the events store
// cleaned and bounded it before it was queued); r.Bad reports a damaged
// one, a text longer than the store lets through included.
func readRerouted(r *binrec.Reader, ev *events.Event) {
	ev.Rerouted = r.Str()
	if len(ev.Rerouted) > events.MaxRerouted {
		r.Bad = true
	}
}
