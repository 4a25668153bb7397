package ctl

import (
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// termSafe is the writer of ctl's human output (tables, summaries, error
// lines): it writes control characters as visible Go escapes ("\x1b"),
// so that text a stranger wrote cannot drive the operator's terminal.
// Much of what ctl prints comes from outside: a receiving MX's reply
// (LAST_REPLY, a blocklist mark's reason), a returned report, DNS answers
// of a tenant's domain. Terminals obey escape sequences in it: clear the
// screen and print a fake "queue empty", hide the lines after it, set the
// window title, or write the clipboard (OSC 52) with a command for the
// operator to paste (CWE-150).
//
// Kept as they are: newline and tab (ctl's own layout) and every other
// character, UTF-8 included. Escaped: C0 controls but those two, DEL,
// the C1 controls U+0080 to U+009F (CSI is U+009B), the bidirectional
// controls (U+202A–202E, U+2066–2069, U+200E/F, U+061C: they reorder
// what follows on the line, so a reply could show a different address or
// count than it holds), and bytes that are not UTF-8 (a lone 0x9B is CSI
// to an 8-bit terminal). --json output and
// the raw bytes of `queue show --headers|--body` and `suppress export`
// are not filtered: they are data, not a table.
type termSafe struct {
	w io.Writer
	// held is the start of a UTF-8 sequence cut by the end of a Write,
	// decided with the next one.
	held []byte
}

// Write writes p with its control characters escaped. It reports
// len(p) when the escaped text was written whole.
func (t *termSafe) Write(p []byte) (int, error) {
	buf := make([]byte, 0, len(t.held)+len(p)+16)
	in := append(t.held, p...)
	t.held = nil
	for i := 0; i < len(in); {
		c := in[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
				buf = fmt.Appendf(buf, `\x%02x`, c)
			} else {
				buf = append(buf, c)
			}
			i++
			continue
		}
		if !utf8.FullRune(in[i:]) && len(in)-i < utf8.UTFMax {
			t.held = append([]byte(nil), in[i:]...)
			break
		}
		r, n := utf8.DecodeRune(in[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			buf = fmt.Appendf(buf, `\x%02x`, c)
		case r >= 0x80 && r <= 0x9f, unicode.Is(unicode.Bidi_Control, r):
			buf = fmt.Appendf(buf, `\u%04x`, r)
		default:
			buf = append(buf, in[i:i+n]...)
		}
		i += n
	}
	if _, err := t.w.Write(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a UTF-8 sequence left incomplete at the end of the output,
// escaped.
func (t *termSafe) Flush() error {
	if len(t.held) == 0 {
		return nil
	}
	var buf []byte
	for _, c := range t.held {
		buf = fmt.Appendf(buf, `\x%02x`, c)
	}
	t.held = nil
	_, err := t.w.Write(buf)
	return err
}
