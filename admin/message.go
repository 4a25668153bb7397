package admin

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"sluice/queue"
)

// One message: its stored bytes, and holding it apart from its tenant
// and domains.

// Bounds of what one read of a stored message returns. Headers past
// maxHeaderRead are cut; a body read returns at most its ?max= bytes,
// defaultBodyRead unless asked, never more than maxBodyRead.
const (
	maxHeaderRead   = 256 << 10
	defaultBodyRead = 1 << 20
	maxBodyRead     = 64 << 20
)

// Response headers of a message read: the stored size, and whether the
// answer was cut.
const (
	HeaderMessageSize = "X-Sluice-Message-Size"
	HeaderTruncated   = "X-Sluice-Truncated"
)

// queueRead answers GET /api/v1/queue/messages/{id}/headers or /body:
// the message's stored (signed) bytes, as they will be sent, cut at the
// bound. This is tenant data: only the token opens it, and every read is
// audited. The header section ends at the first empty line (RFC 5322
// §2.1); a message without one is all header.
func (s *server) queueRead(part string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := queue.ParseID(r.PathValue("id"))
		if err != nil {
			apiError(w, http.StatusBadRequest, "bad message id")
			return
		}
		limit := defaultBodyRead
		if m := r.URL.Query().Get("max"); m != "" {
			if limit, err = strconv.Atoi(m); err != nil || limit <= 0 || limit > maxBodyRead {
				apiError(w, http.StatusBadRequest, "max must be a byte count from 1 to "+strconv.Itoa(maxBodyRead))
				return
			}
		}
		raw, err := s.Queue.Body(id)
		if errors.Is(err, queue.ErrNotFound) {
			apiError(w, http.StatusNotFound, "no such message in the queue")
			return
		}
		if err != nil {
			apiError(w, http.StatusInternalServerError, "store error")
			return
		}
		out := raw
		if part == "headers" {
			limit = maxHeaderRead
			if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
				out = raw[:i+2]
			}
		}
		cut := len(out) > limit
		if cut {
			out = out[:limit]
		}
		s.audit(r, "queue read", "id", id.String(), "part", part, "bytes", len(out))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set(HeaderMessageSize, strconv.Itoa(len(raw)))
		w.Header().Set(HeaderTruncated, strconv.FormatBool(cut))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
	}
}

// messageID reads the {id} of a one-message action and checks the
// message is in the queue, answering the request itself if not.
func (s *server) messageID(w http.ResponseWriter, r *http.Request) (queue.ID, bool) {
	id, err := queue.ParseID(r.PathValue("id"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad message id")
		return 0, false
	}
	if _, err := s.Queue.Message(id); err != nil {
		apiError(w, http.StatusNotFound, "no such message in the queue")
		return 0, false
	}
	return id, true
}

// queueHold answers POST /api/v1/queue/messages/{id}/hold: the message's
// waiting recipients are set aside like those of a suspended domain
// (a hold of kind "message"), optionally for a duration, with a reason.
func (s *server) queueHold(w http.ResponseWriter, r *http.Request) {
	id, ok := s.messageID(w, r)
	if !ok {
		return
	}
	a, ok := readAction(w, r)
	if !ok {
		return
	}
	h, ok := s.suspend(w, r, "message", id.String(), a)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"held": id.String(), "hold": h})
}

// queueRelease answers POST /api/v1/queue/messages/{id}/release: the
// message's hold is lifted and its set-aside recipients go back on the
// schedule.
func (s *server) queueRelease(w http.ResponseWriter, r *http.Request) {
	id, ok := s.messageID(w, r)
	if !ok {
		return
	}
	k, err := s.Queue.Resume(r.Context(), "message", id.String())
	if err != nil {
		apiError(w, http.StatusInternalServerError, "store error")
		return
	}
	s.audit(r, "queue release", "id", id.String(), "released", k)
	writeJSON(w, http.StatusOK, map[string]any{"released": k, "id": id.String()})
}
