package bounce

import (
	"encoding/json"
	"fmt"
	"io"
)

// JSONWriter writes results as JSON lines, one object per [Result] with
// the field names of its json tags: the output of `sluice classify`, meant
// for jq and log pipelines. '<', '>' and '&' are written as they are, not
// escaped for HTML: addresses in angle brackets and replies stay readable.
type JSONWriter struct {
	enc *json.Encoder
}

// NewJSONWriter returns a JSONWriter that writes to w.
func NewJSONWriter(w io.Writer) *JSONWriter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &JSONWriter{enc: enc}
}

// Write writes one line per result, in order, and stops at the first
// error.
func (w *JSONWriter) Write(results ...Result) error {
	for _, r := range results {
		if err := w.enc.Encode(r); err != nil {
			return fmt.Errorf("bounce: write result: %w", err)
		}
	}
	return nil
}
