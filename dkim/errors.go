package dkim

import (
	"fmt"
	"strings"
)

// contextError adds context to an error that already starts with "dkim: "
// (the sentinels do), so the message reads "dkim: <context>: <error>"
// rather than repeating the prefix, while errors.Is still finds the
// sentinel.
type contextError struct {
	context string
	err     error
}

// wrapf returns err with the context given by format and args.
func wrapf(err error, format string, args ...any) error {
	return &contextError{context: fmt.Sprintf(format, args...), err: err}
}

// Error implements error.
func (e *contextError) Error() string {
	return "dkim: " + e.context + ": " + strings.TrimPrefix(e.err.Error(), "dkim: ")
}

// Unwrap lets errors.Is and errors.As see the wrapped error.
func (e *contextError) Unwrap() error { return e.err }
