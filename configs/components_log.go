package configs

import (
	"io"
	"log/slog"

	"sluice/internal/logging"
)

// Logger is [log]'s JSON logger on w, with its level (held in a variable
// that `sluice ctl log-level` changes at run time) and its recipient
// redactor (log.recipients), for the node to wire. Both keys are
// validated: should they not parse, it logs at info with recipients
// hashed, the defaults.
func (l Log) Logger(w io.Writer) (*slog.Logger, *slog.LevelVar, *logging.Redactor) {
	log, lv, r, err := logging.NewJSON(w, l.Level, l.Recipients)
	if err != nil {
		log, lv, r, _ = logging.NewJSON(w, "", "")
	}
	return log, lv, r
}
