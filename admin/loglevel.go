package admin

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// LogLevel is the JSON of the log-level endpoints: GET answers the level,
// PUT sets it ({"level": "debug"}) and answers the new one with the
// previous.
type LogLevel struct {
	// Level is debug, info, warn or error.
	Level    string `json:"level"`
	Previous string `json:"previous,omitempty"`
}

// levels are the levels an operator may set, by name.
var levels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// levelName is l's name as the API writes it (lower case, as configs'
// log.level takes it).
func levelName(l slog.Level) string { return strings.ToLower(l.String()) }

func (s *server) logLevel(w http.ResponseWriter, _ *http.Request) {
	if s.LogLevel == nil {
		apiError(w, http.StatusNotImplemented, "this node's log level cannot change at run time")
		return
	}
	writeJSON(w, http.StatusOK, LogLevel{Level: levelName(s.LogLevel.Level())})
}

// setLogLevel changes the running node's log level. The audit line goes
// out before the change, so that raising the level to warn or error is
// itself recorded (audit lines are at info).
func (s *server) setLogLevel(w http.ResponseWriter, r *http.Request) {
	if s.LogLevel == nil {
		apiError(w, http.StatusNotImplemented, "this node's log level cannot change at run time")
		return
	}
	var in LogLevel
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&in); err != nil {
		apiError(w, http.StatusBadRequest, "bad JSON body")
		return
	}
	l, ok := levels[strings.ToLower(strings.TrimSpace(in.Level))]
	if !ok {
		apiError(w, http.StatusBadRequest, "level must be debug, info, warn or error")
		return
	}
	prev := s.LogLevel.Level()
	s.audit(r, "log level", "from", levelName(prev), "to", levelName(l))
	s.LogLevel.Set(l)
	writeJSON(w, http.StatusOK, LogLevel{Level: levelName(l), Previous: levelName(prev)})
}
