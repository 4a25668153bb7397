package ctl

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// out is where a command prints: a human table by default, one JSON
// document with --json.
type out struct {
	w    io.Writer
	json bool
	// bytes, when not nil, is where data is copied as it came (the stored
	// message of `queue show --headers|--body`, `suppress export`'s CSV):
	// w may filter what it prints for a terminal (termSafe), this does
	// not.
	bytes io.Writer
}

// data is the writer of output that is data, copied byte for byte.
func (o out) data() io.Writer {
	if o.bytes != nil {
		return o.bytes
	}
	return o.w
}

// raw prints an API answer as it came (indented JSON, snake_case keys).
func (o out) raw(body []byte) error {
	if len(body) > 0 && body[len(body)-1] != '\n' {
		body = append(body, '\n')
	}
	_, err := o.w.Write(body)
	return err
}

// value prints v as indented JSON, the API's own format.
func (o out) value(v any) error {
	enc := json.NewEncoder(o.w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table starts an aligned table with the given column heads.
func (o out) table(heads ...string) *table {
	t := &table{tw: tabwriter.NewWriter(o.w, 0, 4, 2, ' ', 0)}
	t.row(toAny(heads)...)
	return t
}

// table is an aligned table: columns separated by at least two spaces,
// one header line in capitals.
type table struct{ tw *tabwriter.Writer }

// row adds one line; cells are printed with %v, and tabs and newlines in
// them become spaces so that the alignment holds.
func (t *table) row(cells ...any) {
	s := make([]string, len(cells))
	for i, c := range cells {
		s[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(fmt.Sprint(c))
		if s[i] == "" {
			s[i] = "-"
		}
	}
	fmt.Fprintln(t.tw, strings.Join(s, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// stamp is a time for a table: RFC 3339 in UTC, "-" when zero.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
