package events

import (
	"time"
)

// Holding edge events for their "sent".
//
// A Follower gathers spool commits for Gather before applying them (one
// fsync for many commits), so an open or click the edge records directly
// can reach the writer before its message's "sent". Committed at once it
// would carry no campaign in its record and its webhook would go out
// before the message's "sent" and "delivered". The writer therefore holds
// such an event, urges the follower (which skips its gather), and commits
// the event after the journal batch that brings the "sent", or after
// holdMax whatever happens; late.go settles the campaign counters of an
// event that still went first. Held events are in memory like every event
// the writer has not committed yet: Record was never durable on return.
//
// "Its sent not applied yet" is judged from the newest message id of a
// "sent" applied (message ids are acceptance times, and the journal is
// in commit order): exact but for a message accepted before another and
// committed after it, whose early open may then go first.
const holdMax = time.Second

// ahead reports whether ev may be ahead of its message's "sent".
func (s *Store) ahead(ev *Event, now time.Time) bool {
	if ev.Anonymous || ev.Campaign != "" || ev.Message == 0 || !s.late.following.Load() {
		return false
	}
	switch ev.Kind {
	case KindOpen, KindClick, KindUnsubscribe:
	default:
		return false
	}
	return ev.Message > s.late.sentMark.Load() && ev.Message >= uint64(now.Add(-lateWindow).UnixMicro())
}

// holdAhead moves the events of batch that may be ahead of their "sent"
// to the held list, urges the follower if it did, and returns the rest.
// Writer goroutine only.
func (s *Store) holdAhead(batch []Event) []Event {
	if !s.late.following.Load() {
		return batch
	}
	now := s.opts.Now()
	keep := batch[:0]
	held := len(s.held)
	for i := range batch {
		if s.ahead(&batch[i], now) {
			s.held = append(s.held, batch[i])
		} else {
			keep = append(keep, batch[i])
		}
	}
	clear(batch[len(keep):])
	if len(s.held) > held {
		if held == 0 {
			s.heldTimer.Reset(holdMax)
		}
		if f := s.late.follower.Load(); f != nil {
			f.urge()
		}
	}
	return keep
}

// releaseHeld commits the held events whose "sent" has been applied, or
// all of them when force is set (holdMax passed, Flush, Close). Writer
// goroutine only.
func (s *Store) releaseHeld(force bool) {
	if len(s.held) == 0 {
		return
	}
	now := s.opts.Now()
	var out, still []Event
	for i := range s.held {
		if force || !s.ahead(&s.held[i], now) {
			out = append(out, s.held[i])
		} else {
			still = append(still, s.held[i])
		}
	}
	s.held = still
	if len(s.held) == 0 {
		s.heldTimer.Stop()
	}
	s.commitDirect(out)
}
