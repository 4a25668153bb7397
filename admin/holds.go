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

// Suspensions with an end and a reason, and holds of one message.
//
// The spool records a hold as (kind, name, by, since): it has no field
// for an end or a reason yet. Until it does (see the report of issue 17:
// queue.Store.SuspendUntil), the API keeps both in the hold's durable "by"
// string, as actor US until US reason (US is the ASCII unit separator,
// which actor and reason never contain), and lifts expired holds itself:
// on every holds listing and suspension, and every few seconds from
// [Lifter]. Holds written by older code carry a plain actor and never
// expire.

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

// unitSep separates the fields packed into a hold's "by".
const unitSep = "\x1f"

// packBy is the spool's "by" of a hold by actor, lifting at until (zero:
// never), for reason.
func packBy(actor string, until time.Time, reason string) string {
	if until.IsZero() && reason == "" {
		return actor
	}
	u := ""
	if !until.IsZero() {
		u = until.UTC().Format(time.RFC3339Nano)
	}
	return actor + unitSep + u + unitSep + reason
}

// holdInfo unpacks a spool hold.
func holdInfo(h queue.Hold) HoldInfo {
	out := HoldInfo{Kind: h.Kind, Name: h.Name, By: h.By, Since: h.Since.UTC()}
	parts := strings.SplitN(h.By, unitSep, 3)
	if len(parts) != 3 {
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

// holdQueue is what lifting holds needs of the spool.
type holdQueue interface {
	Holds() []queue.Hold
	Resume(ctx context.Context, kind, name string) (int, error)
}

// liftExpired resumes every hold whose end is at or before now and
// returns what it lifted. A hold whose resume fails stays and is retried
// at the next call.
func liftExpired(ctx context.Context, q holdQueue, now time.Time, log *slog.Logger) ([]HoldInfo, error) {
	var lifted []HoldInfo
	var errs []error
	for _, h := range q.Holds() {
		hi := holdInfo(h)
		if hi.Until.IsZero() || hi.Until.After(now) {
			continue
		}
		n, err := q.Resume(ctx, h.Kind, h.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("admin: lift %s:%s: %w", h.Kind, h.Name, err))
			continue
		}
		log.Info("admin: hold lifted", "kind", hi.Kind, "name", hi.Name, "by", hi.By, "reason", hi.Reason,
			"until", hi.Until, "released", n)
		lifted = append(lifted, hi)
	}
	return lifted, errors.Join(errs...)
}

// Lifter lifts timed suspensions when their end comes, so that a
// suspension given --duration ends even if no operator looks. Run it for
// the node's lifetime.
type Lifter struct {
	// Queue is the spool (*queue.Store).
	Queue Queue
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
		if _, err := liftExpired(ctx, l.Queue, l.Now(), l.Logger); err != nil {
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
	if err := s.Queue.Suspend(r.Context(), kind, name, packBy(h.By, h.Until, h.Reason)); err != nil {
		if kind == "message" && !slices.Contains(queue.HoldKinds, "message") {
			apiError(w, http.StatusNotImplemented, "this node's spool cannot hold one message")
			return h, false
		}
		apiError(w, http.StatusBadRequest, "kind must be domain, tenant, pool or site, with a name")
		return h, false
	}
	s.audit(r, "queue suspend", "kind", kind, "name", h.Name, "reason", h.Reason, "until", h.Until)
	return h, true
}
