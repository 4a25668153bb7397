package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"sluice/internal/clock"
	"sluice/queue"
)

// Suspensions with an end and a reason, and holds of one message. The
// spool keeps both durably (queue.Store.SuspendUntil) and lifts expired
// holds itself (queue.Store.LiftExpired), deciding on the stored hold, so
// a suspension renewed at its end is never lifted by a stale listing;
// [Lifter] asks it to every few seconds.

// HoldInfo is one suspension as GET /api/v1/queue/holds shows it.
type HoldInfo struct {
	// Kind is domain, tenant, pool, site or message.
	Kind string `json:"kind"`
	// Name is the domain, tenant, pool or site name, or the message id.
	Name string `json:"name"`
	// By is the operator who suspended (X-Sluice-Actor).
	By    string    `json:"by"`
	Since time.Time `json:"since"`
	// Reason is the operator's reason, if given.
	Reason string `json:"reason,omitempty"`
	// Until is when the hold lifts itself; zero for a hold that lasts
	// until resumed.
	Until time.Time `json:"until,omitzero"`
}

// maxReason bounds a hold's reason, in bytes.
const maxReason = 200

// maxHoldDuration bounds a timed suspension: longer than this is a
// suspension until resumed, which should say so.
const maxHoldDuration = 90 * 24 * time.Hour

// unitSep separated the end and reason that an interim admin packed into
// a hold's "by" (actor US until US reason) before the spool stored them;
// holdInfo still reads that form.
const unitSep = "\x1f"

// holdInfo is a spool hold as the API shows it.
func holdInfo(h queue.Hold) HoldInfo {
	out := HoldInfo{Kind: h.Kind, Name: h.Name, By: h.By, Since: h.Since.UTC(), Reason: h.Reason}
	if !h.Until.IsZero() {
		out.Until = h.Until.UTC()
	}
	parts := strings.SplitN(h.By, unitSep, 3)
	if len(parts) != 3 || h.Reason != "" || !h.Until.IsZero() {
		return out
	}
	out.By, out.Reason = parts[0], parts[2]
	if parts[1] != "" {
		if t, err := time.Parse(time.RFC3339Nano, parts[1]); err == nil {
			out.Until = t.UTC()
		}
	}
	return out
}

// cleanText makes an operator's free text fit for a hold: controls (the
// unit separator among them) become spaces, and it is cut to max bytes
// on a rune boundary.
func cleanText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > max {
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}

// parseHoldDuration reads an action's duration ("" is none).
func parseHoldDuration(d string) (time.Duration, error) {
	if d == "" {
		return 0, nil
	}
	v, err := time.ParseDuration(d)
	if err != nil || v <= 0 || v > maxHoldDuration {
		return 0, fmt.Errorf("duration must be a Go duration (2h, 90m) above 0 and at most %s", maxHoldDuration)
	}
	return v, nil
}

// Holder is what timed holds need of the spool (*queue.Store).
type Holder interface {
	SuspendUntil(ctx context.Context, kind, name, by, reason string, until time.Time) error
	LiftExpired(ctx context.Context, now time.Time) ([]queue.Hold, error)
}

var _ Holder = (*queue.Store)(nil)

// holder is the server's spool as a Holder, if it is one.
func (s *server) holder() (Holder, bool) {
	h, ok := s.Queue.(Holder)
	return h, ok
}

// liftExpired has the spool lift every hold whose end is at or before
// now, and logs each one it lifted. A spool that is not a Holder has no
// timed holds to lift.
func liftExpired(ctx context.Context, q Queue, now time.Time, log *slog.Logger) ([]HoldInfo, error) {
	h, ok := q.(Holder)
	if !ok {
		return nil, nil
	}
	return lift(ctx, h, now, log)
}

func lift(ctx context.Context, q Holder, now time.Time, log *slog.Logger) ([]HoldInfo, error) {
	holds, err := q.LiftExpired(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("admin: lift expired holds: %w", err)
	}
	lifted := make([]HoldInfo, 0, len(holds))
	for _, h := range holds {
		hi := holdInfo(h)
		log.Info("admin: hold lifted", "kind", hi.Kind, "name", hi.Name, "by", hi.By, "reason", hi.Reason,
			"until", hi.Until, "released", h.Released)
		lifted = append(lifted, hi)
	}
	return lifted, nil
}

// Lifter lifts timed suspensions when their end comes, so that a
// suspension given --duration ends even if no operator looks. Run it for
// the node's lifetime.
type Lifter struct {
	// Queue is the spool (*queue.Store).
	Queue Holder
	// Logger receives a line per lifted hold. Required.
	Logger *slog.Logger
	// Every is how often it looks. Default 5 s: a timed hold lasts at
	// most that much longer than asked.
	Every time.Duration
	// Now is the clock holds end by. Default clock.Now.
	Now func() time.Time
}

// Run lifts expired holds every l.Every until ctx ends.
func (l Lifter) Run(ctx context.Context) {
	if l.Every <= 0 {
		l.Every = 5 * time.Second
	}
	if l.Now == nil {
		l.Now = clock.Now
	}
	t := time.NewTicker(l.Every)
	defer t.Stop()
	for {
		if _, err := lift(ctx, l.Queue, l.Now(), l.Logger); err != nil {
			l.Logger.Warn("admin: lifting timed holds", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// holds answers GET /api/v1/queue/holds, lifting the expired ones first
// so that a listing never shows a suspension that has ended.
func (s *server) holds(w http.ResponseWriter, r *http.Request) {
	if _, err := liftExpired(r.Context(), s.Queue, s.Now(), s.Logger); err != nil {
		s.Logger.Warn("admin: lifting timed holds", "err", err)
	}
	out := []HoldInfo{}
	for _, h := range s.Queue.Holds() {
		out = append(out, holdInfo(h))
	}
	slices.SortFunc(out, func(a, b HoldInfo) int {
		return strings.Compare(a.Kind+":"+a.Name, b.Kind+":"+b.Name)
	})
	writeJSON(w, http.StatusOK, map[string]any{"holds": out})
}

// suspend records the hold (kind, name) by the request's actor, with a's
// reason and duration; it answers the request itself on failure.
func (s *server) suspend(w http.ResponseWriter, r *http.Request, kind, name string, a QueueAction) (HoldInfo, bool) {
	d, err := parseHoldDuration(a.Duration)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return HoldInfo{}, false
	}
	h := HoldInfo{Kind: kind, Name: strings.ToLower(name), By: cleanText(actor(r), 100), Since: s.Now().UTC(),
		Reason: cleanText(a.Reason, maxReason)}
	if d > 0 {
		h.Until = h.Since.Add(d)
	}
	if hq, ok := s.holder(); ok {
		err = hq.SuspendUntil(r.Context(), kind, name, h.By, h.Reason, h.Until)
	} else if h.Until.IsZero() && h.Reason == "" {
		err = s.Queue.Suspend(r.Context(), kind, name, h.By)
	} else {
		apiError(w, http.StatusNotImplemented, "this node's spool cannot hold with an end or a reason")
		return h, false
	}
	switch {
	case errors.Is(err, queue.ErrNotFound):
		apiError(w, http.StatusNotFound, "no such message in the queue")
		return h, false
	case errors.Is(err, queue.ErrBadHold):
		apiError(w, http.StatusBadRequest, "kind must be domain, tenant, pool or site, with a name")
		return h, false
	case err != nil:
		apiError(w, http.StatusInternalServerError, "store error")
		return h, false
	}
	s.audit(r, "queue suspend", "kind", kind, "name", h.Name, "reason", h.Reason, "until", h.Until)
	return h, true
}
