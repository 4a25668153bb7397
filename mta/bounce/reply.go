package bounce

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseReply splits an SMTP reply into its code, its RFC 3463 enhanced
// status code and its text. Multi-line replies (RFC 5321 §4.2: "550-5.1.1
// …\r\n550 5.1.1 …") are joined with single spaces, each line's code and
// repeated enhanced code removed; the last line's code wins (§4.2.1). Input
// without a reply code yields code 0; a leading enhanced code ("5.1.1 user
// unknown") is still found. Unlike a protocol reader it never fails: it is
// also used on diagnostic texts copied into bounces.
func ParseReply(s string) (code int, enhanced, text string) {
	if len(s) > maxText {
		s = s[:maxText]
	}
	var parts []string
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if c, rest, ok := cutCode(line); ok {
			code = c
			line = rest
		}
		if e, rest, ok := cutEnhanced(line); ok {
			if enhanced == "" {
				enhanced = e
			}
			if e == enhanced || code == 0 {
				line = rest
			}
		}
		if line != "" {
			parts = append(parts, line)
		}
	}
	text = strings.Join(parts, " ")
	if code != 0 {
		// A reply flattened onto one line ("550-5.1.1 a 550-5.1.1 b")
		// still repeats its prefixes inside the text.
		p := strconv.Itoa(code)
		for _, sep := range []string{"-", " "} {
			if enhanced != "" {
				text = strings.ReplaceAll(text, " "+p+sep+enhanced+" ", " ")
			}
		}
	}
	return code, enhanced, collapse(text)
}

// cutCode removes a leading reply code ("550 ", "550-", "550") from a line.
func cutCode(line string) (int, string, bool) {
	if len(line) < 3 || line[0] < '2' || line[0] > '5' || !isDigit(line[1]) || !isDigit(line[2]) {
		return 0, line, false
	}
	if len(line) > 3 && line[3] != ' ' && line[3] != '-' && line[3] != '\t' {
		return 0, line, false
	}
	code := int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	if len(line) == 3 {
		return code, "", true
	}
	return code, strings.TrimSpace(line[4:]), true
}

// cutEnhanced removes a leading RFC 3463 code ("5.1.1 ", "#5.1.1 ") from a line.
func cutEnhanced(line string) (string, string, bool) {
	l := strings.TrimPrefix(line, "#")
	n := enhancedLen(l)
	if n == 0 {
		return "", line, false
	}
	if n < len(l) && l[n] != ' ' && l[n] != '\t' && l[n] != ',' && l[n] != ';' && l[n] != ':' {
		return "", line, false
	}
	return l[:n], strings.TrimLeft(l[n:], " \t,;:"), true
}

// enhancedLen returns the length of the RFC 3463 code at the start of s
// (class "." subject "." detail, RFC 3463 §2: class 2, 4 or 5, subject and
// detail up to three digits), or 0.
func enhancedLen(s string) int {
	if len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return 0
	}
	i := 2
	for part := 0; part < 2; part++ {
		start := i
		for i < len(s) && isDigit(s[i]) && i-start < 4 {
			i++
		}
		if i == start || i-start > 3 {
			return 0
		}
		if part == 0 {
			if i >= len(s) || s[i] != '.' {
				return 0
			}
			i++
		}
	}
	if i < len(s) && (isDigit(s[i]) || (s[i] == '.' && i+1 < len(s) && isDigit(s[i+1]))) {
		return 0
	}
	return i
}

// validEnhanced returns s if it is exactly an RFC 3463 code, else "".
func validEnhanced(s string) string {
	s = strings.TrimSpace(s)
	if n := enhancedLen(s); n > 0 && n == len(s) {
		return s
	}
	return ""
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// Reply classifies a synchronous SMTP reply received during delivery. An
// invalid enhanced code is ignored; a missing one is looked for in the text
// (qmail writes "(#5.1.1)" at the end).
func (c *Classifier) Reply(code int, enhanced, text string) Result {
	return c.ReplyFrom("", code, enhanced, text)
}

// ReplyFrom is [Classifier.Reply] for a reply from a known receiving site
// (the recipient's domain or the MX host), which operator rules with a
// Site may select on.
func (c *Classifier) ReplyFrom(site string, code int, enhanced, text string) Result {
	if code < 200 || code > 599 {
		code = 0
	}
	enhanced = validEnhanced(enhanced)
	if len(text) > maxText {
		text = text[:maxText]
	}
	text = strings.ToValidUTF8(text, "\uFFFD")
	if enhanced == "" {
		if e, rest, ok := cutEnhanced(strings.TrimSpace(text)); ok {
			enhanced, text = e, rest
		} else {
			enhanced = c.findEnhanced(text)
		}
	}
	v := c.classify(signal{code: code, enhanced: enhanced, texts: []string{text}, sites: []string{site}})
	return v.result("", enhanced, formatReply(code, enhanced, text))
}

// formatReply puts a reply back together for Result.Diagnostic.
func formatReply(code int, enhanced, text string) string {
	var b strings.Builder
	if code != 0 {
		b.WriteString(strconv.Itoa(code))
	}
	if enhanced != "" && !strings.HasPrefix(strings.TrimSpace(text), enhanced) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(enhanced)
	}
	if t := strings.TrimSpace(text); t != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}

// findEnhanced finds an RFC 3463 code anywhere in free text, or "".
func (c *Classifier) findEnhanced(text string) string {
	if m := c.re.enhanced.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// foundReply is a reply found inside a bounce's free text.
type foundReply struct {
	code     int
	enhanced string
	text     string // the reply text without code and enhanced code
	line     string // the reply as written, multi-line replies joined
	pos      int    // where it starts in the searched text
}

// findReply finds the first remote reply quoted in a bounce's text: a code
// with an enhanced code ("said: 550 5.1.1 …", "550-5.1.1 …"), else an
// enhanced code alone ("(#5.1.1)"), else a code alone after the usual
// lead-ins. Continuation lines of a multi-line reply are joined.
func (c *Classifier) findReply(text string) (foundReply, bool) {
	if loc := c.re.replyEnhanced.FindStringSubmatchIndex(text); loc != nil {
		return c.replyAt(text, loc[2]), true
	}
	if loc := c.re.replyCode.FindStringSubmatchIndex(text); loc != nil {
		return c.replyAt(text, loc[2]), true
	}
	if m := c.re.enhanced.FindStringSubmatchIndex(text); m != nil {
		line := lineAt(text, m[2])
		return foundReply{enhanced: text[m[2]:m[3]], text: line, line: line, pos: m[2]}, true
	}
	return foundReply{}, false
}

// replyAt parses the reply starting at pos and the lines that continue
// it: lines carrying the same code (a multi-line reply, as Exim quotes
// them) and lines indented deeper than the reply's own line (Postfix wraps
// long replies that way, even between the code and the enhanced code).
func (c *Classifier) replyAt(text string, pos int) foundReply {
	lineStart := strings.LastIndexByte(text[:pos], '\n') + 1
	indent := indentOf(text[lineStart:])
	rest := text[pos:]
	end := strings.IndexByte(rest, '\n')
	if end < 0 {
		end = len(rest)
	}
	first := strings.TrimRight(rest[:end], "\r")
	lines := []string{first}
	prefix := first[:3]
	for end < len(rest) && len(lines) < 20 {
		next := rest[end+1:]
		e := strings.IndexByte(next, '\n')
		if e < 0 {
			e = len(next)
		}
		l := strings.TrimRight(next[:e], "\r")
		t := strings.TrimSpace(l)
		sameCode := strings.HasPrefix(t, prefix) && (len(t) == 3 || t[3] == '-' || t[3] == ' ')
		if t == "" || !(sameCode || indentOf(l) > indent) {
			break
		}
		lines = append(lines, t)
		end += 1 + e
	}
	raw := strings.Join(lines, "\n")
	code, enh, txt := ParseReply(raw)
	if enh == "" {
		enh = c.findEnhanced(txt)
	}
	return foundReply{code: code, enhanced: enh, text: txt, line: formatReply(code, enh, txt), pos: pos}
}

// indentOf counts the spaces and tabs that start a line.
func indentOf(line string) int {
	n := 0
	for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
		n++
	}
	return n
}

// lineAt returns the trimmed line of text containing offset pos.
func lineAt(text string, pos int) string {
	if pos < 0 || pos > len(text) {
		return ""
	}
	start := strings.LastIndexByte(text[:pos], '\n') + 1
	end := strings.IndexByte(text[pos:], '\n')
	if end < 0 {
		end = len(text)
	} else {
		end += pos
	}
	return strings.TrimSpace(text[start:end])
}

// collapse trims s and replaces every run of white space with one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// clip collapses white space and bounds the length of a diagnostic text,
// cutting on a rune boundary.
func clip(s string) string {
	s = collapse(strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
