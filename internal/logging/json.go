package logging

import (
	"fmt"
	"io"
	"log/slog"
)

// NewJSON returns a process's logger: JSON lines on w at level (a slog
// level name: debug, info (also ""), warn, error), held in the returned LevelVar so
// that it can change at run time (`sluice ctl log-level`), with
// recipients written as recipients says (ParseMode) by the returned
// Redactor, which is given the spool's hash once the spool is open
// (SetHasher).
func NewJSON(w io.Writer, level, recipients string) (*slog.Logger, *slog.LevelVar, *Redactor, error) {
	var l slog.Level // info when level is ""
	if err := l.UnmarshalText([]byte(level)); level != "" && err != nil {
		return nil, nil, nil, fmt.Errorf("logging: level: %w", err)
	}
	mode, err := ParseMode(recipients)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("logging: recipients: %w", err)
	}
	lv := new(slog.LevelVar)
	lv.Set(l)
	r := New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv}), mode)
	return slog.New(r), lv, r, nil
}
