package bounce

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// TNEF (MS-OXTNEF) is how Exchange and Outlook wrap a message for another
// Exchange: an application/ms-tnef part named winmail.dat. A relay that
// strips the rest leaves a non-delivery report whose only text is inside
// it, so the classifier reads what it needs from it: the attBody
// attribute, and the string properties of the message and of its
// recipient table (PR_BODY, PR_SUBJECT, the recipients' addresses and
// report texts); an RTF-only body (PR_RTF_COMPRESSED, MS-OXRTFCP) is
// decompressed and its text kept. Everything is bounded: a part that is
// not TNEF, or breaks off, yields what was read so far.

const (
	tnefSignature   = 0x223E9F78
	tnefAttBody     = 0x0002800C // atpText attBody (§2.1.3.3.15)
	tnefAttMsgProps = 0x00069003 // attMsgProps (§2.1.3.3.21)
	tnefAttRecipTbl = 0x00049004 // attRecipTable (§2.1.3.3.20)

	mapiString8    = 0x001E
	mapiUnicode    = 0x001F
	mapiBinary     = 0x0102
	mapiObject     = 0x000D
	mapiMultiValue = 0x1000

	prRTFCompressed = 0x1009

	// maxTNEFProps bounds the properties read from one TNEF stream.
	maxTNEFProps = 4096
)

// tnefText returns the text found in a TNEF stream, "" if b is not one.
func tnefText(b []byte) string {
	if len(b) < 6 || binary.LittleEndian.Uint32(b) != tnefSignature {
		return ""
	}
	t := &tnefReader{}
	b = b[6:]
	for len(b) >= 9 && t.size() < maxText {
		id := binary.LittleEndian.Uint32(b[1:])
		n := int(binary.LittleEndian.Uint32(b[5:]))
		if n < 0 || n > len(b)-9 {
			break
		}
		data := b[9 : 9+n]
		switch id {
		case tnefAttBody:
			t.add(strings.TrimRight(string(data), "\x00"))
		case tnefAttMsgProps:
			t.props(data)
		case tnefAttRecipTbl:
			t.recipients(data)
		}
		b = b[9+n:]
		if len(b) >= 2 {
			b = b[2:] // checksum
		}
	}
	return strings.ToValidUTF8(strings.Join(t.texts, "\n"), "\uFFFD")
}

// tnefReader collects the texts of one TNEF stream.
type tnefReader struct {
	texts  []string
	n      int // total bytes collected
	nprops int // properties visited
}

func (t *tnefReader) size() int { return t.n }

func (t *tnefReader) add(s string) {
	if s = strings.TrimSpace(s); s == "" || t.n >= maxText {
		return
	}
	if len(s) > maxText-t.n {
		s = s[:maxText-t.n]
	}
	t.texts = append(t.texts, s)
	t.n += len(s)
}

// recipients reads attRecipTable: a row count, then each row's properties.
func (t *tnefReader) recipients(b []byte) {
	if len(b) < 4 {
		return
	}
	rows := binary.LittleEndian.Uint32(b)
	b = b[4:]
	for i := uint32(0); i < rows && len(b) > 0; i++ {
		rest, ok := t.propList(b)
		if !ok {
			return
		}
		b = rest
	}
}

// props reads attMsgProps: one property list.
func (t *tnefReader) props(b []byte) { t.propList(b) }

// propList reads a count and that many properties (§2.1.3.4), keeping the
// string values; it returns what follows the list, and false when the list
// breaks off or holds a type it cannot size.
func (t *tnefReader) propList(b []byte) ([]byte, bool) {
	if len(b) < 4 {
		return nil, false
	}
	count := binary.LittleEndian.Uint32(b)
	b = b[4:]
	for i := uint32(0); i < count; i++ {
		if t.nprops++; t.nprops > maxTNEFProps || len(b) < 4 {
			return nil, false
		}
		typ := binary.LittleEndian.Uint16(b)
		id := binary.LittleEndian.Uint16(b[2:])
		b = b[4:]
		if id >= 0x8000 { // a named property: GUID, kind, then id or name
			var ok bool
			if b, ok = skipPropName(b); !ok {
				return nil, false
			}
		}
		var ok bool
		if b, ok = t.value(b, typ, id); !ok {
			return nil, false
		}
	}
	return b, true
}

// skipPropName skips a named property's name (§2.1.3.4.1).
func skipPropName(b []byte) ([]byte, bool) {
	if len(b) < 20 {
		return nil, false
	}
	kind := binary.LittleEndian.Uint32(b[16:])
	b = b[20:]
	if kind == 0 {
		if len(b) < 4 {
			return nil, false
		}
		return b[4:], true
	}
	if len(b) < 4 {
		return nil, false
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 0 || pad4(n) > len(b)-4 {
		return nil, false
	}
	return b[4+pad4(n):], true
}

// value reads one property value, keeping strings and a compressed RTF
// body as text.
func (t *tnefReader) value(b []byte, typ, id uint16) ([]byte, bool) {
	base := typ &^ mapiMultiValue
	variable := base == mapiString8 || base == mapiUnicode || base == mapiBinary || base == mapiObject
	count := uint32(1)
	if typ&mapiMultiValue != 0 || variable {
		if len(b) < 4 {
			return nil, false
		}
		count = binary.LittleEndian.Uint32(b)
		b = b[4:]
	}
	for i := uint32(0); i < count; i++ {
		if !variable {
			size := fixedSize(base)
			if size == 0 || size > len(b) {
				return nil, false
			}
			b = b[size:]
			continue
		}
		if len(b) < 4 {
			return nil, false
		}
		n := int(binary.LittleEndian.Uint32(b))
		if n < 0 || n > len(b)-4 {
			return nil, false
		}
		v := b[4 : 4+n]
		switch {
		case base == mapiString8:
			t.add(strings.TrimRight(string(v), "\x00"))
		case base == mapiUnicode:
			t.add(utf16le(v))
		case base == mapiBinary && id == prRTFCompressed && t.n < maxText:
			t.add(rtfText(lzfu(v)))
		}
		if pad4(n) > len(b)-4 {
			return nil, false
		}
		b = b[4+pad4(n):]
	}
	return b, true
}

// fixedSize is the size in a TNEF stream of a fixed-length MAPI type
// (values shorter than four bytes are padded to four), 0 if unknown.
func fixedSize(typ uint16) int {
	switch typ {
	case 0x0001, 0x0002, 0x0003, 0x0004, 0x000A, 0x000B:
		return 4
	case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040:
		return 8
	case 0x0048:
		return 16
	}
	return 0
}

func pad4(n int) int { return (n + 3) &^ 3 }

// utf16le decodes UTF-16LE text, dropping a trailing NUL.
func utf16le(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, binary.LittleEndian.Uint16(b[i:]))
	}
	return strings.TrimRight(string(utf16.Decode(u)), "\x00")
}

// lzfuPrebuf is the dictionary's initial content (MS-OXRTFCP §2.1.2.1).
const lzfuPrebuf = "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"

// lzfu decompresses a PR_RTF_COMPRESSED value (MS-OXRTFCP): "MELA" is
// stored as is, "LZFu" is a 4096-byte sliding dictionary of literals and
// (offset, length) references. The output is bounded by maxText.
func lzfu(b []byte) []byte {
	if len(b) < 16 {
		return nil
	}
	raw := int(binary.LittleEndian.Uint32(b[4:]))
	kind := binary.LittleEndian.Uint32(b[8:])
	b = b[16:]
	if raw < 0 || raw > maxText {
		raw = maxText
	}
	if kind == 0x414C454D { // "MELA": uncompressed
		if len(b) > raw {
			b = b[:raw]
		}
		return b
	}
	if kind != 0x75465A4C { // "LZFu"
		return nil
	}
	var dict [4096]byte
	w := copy(dict[:], lzfuPrebuf)
	out := make([]byte, 0, min(raw, 64<<10))
	for len(b) > 0 && len(out) < raw {
		ctl := b[0]
		b = b[1:]
		for bit := 0; bit < 8 && len(b) > 0 && len(out) < raw; bit++ {
			if ctl&(1<<bit) == 0 {
				out = append(out, b[0])
				dict[w] = b[0]
				w = (w + 1) % len(dict)
				b = b[1:]
				continue
			}
			if len(b) < 2 {
				return out
			}
			ref := int(b[0])<<8 | int(b[1])
			b = b[2:]
			off, n := ref>>4, ref&0xF+2
			if off == w {
				return out // the end marker
			}
			for i := 0; i < n && len(out) < raw; i++ {
				c := dict[(off+i)%len(dict)]
				out = append(out, c)
				dict[w] = c
				w = (w + 1) % len(dict)
			}
		}
	}
	return out
}

// rtfText keeps the text of an RTF document: control words dropped
// (\par and \line as line ends, \'hh as a windows-1252 byte, \uN as a
// character), ignorable destinations ({\*…}, font, colour and style
// tables, document info) skipped.
func rtfText(b []byte) string {
	var sb strings.Builder
	skip := 0  // depth at which an ignorable group began, 0 if none
	depth := 0 // group depth
	ucSkip := 0
	for i := 0; i < len(b) && sb.Len() < maxText; i++ {
		c := b[i]
		switch c {
		case '{':
			depth++
			if skip == 0 && rtfIgnorable(b[i+1:]) {
				skip = depth
			}
			continue
		case '}':
			if skip == depth {
				skip = 0
			}
			depth--
			continue
		case '\r', '\n':
			continue
		case '\\':
			var text string
			i, text, ucSkip = rtfControl(b, i, ucSkip)
			if skip == 0 {
				sb.WriteString(text)
			}
			continue
		}
		if ucSkip > 0 {
			ucSkip--
			continue
		}
		if skip == 0 {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// rtfIgnorable reports a group that holds no text: {\*…} and the tables.
func rtfIgnorable(b []byte) bool {
	s := string(b[:min(len(b), 12)])
	for _, p := range []string{"\\*", "\\fonttbl", "\\colortbl", "\\stylesheet", "\\info", "\\pict"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// rtfControl reads the control word or symbol at b[i] ('\\') and returns
// the index of its last byte, its text, and how many characters to skip
// after a \uN.
func rtfControl(b []byte, i, ucSkip int) (int, string, int) {
	if i+1 >= len(b) {
		return i, "", ucSkip
	}
	c := b[i+1]
	switch {
	case c == '\'' && i+3 < len(b):
		v, ok := hexByte(b[i+2], b[i+3])
		if !ok {
			return i + 3, "", ucSkip
		}
		return i + 3, string(charmap.Windows1252.DecodeByte(v)), ucSkip
	case !isASCIILetter(c):
		if c == '\\' || c == '{' || c == '}' {
			return i + 1, string(c), ucSkip
		}
		return i + 1, "", ucSkip
	}
	j := i + 1
	for j < len(b) && isASCIILetter(b[j]) {
		j++
	}
	word := string(b[i+1 : j])
	k := j
	if k < len(b) && b[k] == '-' {
		k++
	}
	for k < len(b) && isDigit(b[k]) {
		k++
	}
	param := string(b[j:k])
	if k < len(b) && b[k] == ' ' {
		k++
	}
	switch word {
	case "par", "line", "row":
		return k - 1, "\n", ucSkip
	case "tab", "cell":
		return k - 1, "\t", ucSkip
	case "u":
		n := 0
		for _, d := range strings.TrimPrefix(param, "-") {
			n = n*10 + int(d-'0')
			if n > 0xFFFF {
				break
			}
		}
		if strings.HasPrefix(param, "-") {
			n = 0x10000 - n
		}
		return k - 1, string(rune(n)), 1
	}
	return k - 1, "", ucSkip
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func hexByte(a, b byte) (byte, bool) {
	h := func(c byte) (byte, bool) {
		switch {
		case c >= '0' && c <= '9':
			return c - '0', true
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10, true
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	x, ok1 := h(a)
	y, ok2 := h(b)
	return x<<4 | y, ok1 && ok2
}
