package events

import "sluice/tracking/internal/binrec"

// A delivery outcome (delivered, deferred, failed) whose mail left from
// another egress source than the one first chosen says why: the first
// source's warm-up allowance at the site was spent, or the site refused
// its IP (a DNS blocklist; mta/delivery's source choice). A tenant can
// then tell a reroute from a plain delivery.

// MaxRerouted bounds Event.Rerouted, in bytes (the spool's journal keeps
// no more: queue.JournalEntry.Rerouted).
const MaxRerouted = 256

// normalizeRerouted bounds Rerouted: it quotes the receiver's reply (a
// blocklist's diagnostic), so it is cleaned as the reply is (CleanText):
// valid UTF-8, no control characters.
func (ev *Event) normalizeRerouted() {
	ev.Rerouted = CleanText(ev.Rerouted, MaxRerouted)
}

// The rerouted part of a record (version 4), there exactly when flags has
// flagRerouted, after the TLS part:
//
//	rerouted (uvarint length | bytes)

// appendRerouted appends the rerouted part of ev's record.
func appendRerouted(rec []byte, ev *Event) []byte {
	return binrec.AppendString(rec, ev.Rerouted)
}

// readRerouted reads the rerouted part of a record; r.Bad reports a
// damaged one (a text longer than any record written holds included).
func readRerouted(r *binrec.Reader, ev *Event) {
	ev.Rerouted = r.Str()
	if len(ev.Rerouted) > MaxRerouted {
		r.Bad = true
	}
}
