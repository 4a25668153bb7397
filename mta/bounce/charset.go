package bounce

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Upper halves (bytes 0x80 to 0xFF) of the single-byte charsets decoded by
// hand, as the standard library has no charset tables. They cover the
// languages the classifier has rules for: Western European, Central
// European and Cyrillic (Mail.ru and Yandex still send KOI8-R). Unmapped
// bytes are U+FFFD. Constants, so nothing here can be mutated.
const (
	upperKOI8R       = "─│┌┐└┘├┤┬┴┼▀▄█▌▐░▒▓⌠■∙√≈≤≥\u00a0⌡°²·÷═║╒ё╓╔╕╖╗╘╙╚╛╜╝╞╟╠╡Ё╢╣╤╥╦╧╨╩╪╫╬©юабцдефгхийклмнопярстужвьызшэщчъЮАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗШЭЩЧЪ"
	upperWindows1251 = "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—\ufffd™љ›њќћџ\u00a0ЎўЈ¤Ґ¦§Ё©Є«¬\u00ad®Ї°±Ііґµ¶·ё№є»јЅѕїАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя"
	upperWindows1252 = "€\ufffd‚ƒ„…†‡ˆ‰Š‹Œ\ufffdŽ\ufffd\ufffd‘’“”•–—˜™š›œ\ufffdžŸ\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ"
	upperISO885915   = "\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009a\u009b\u009c\u009d\u009e\u009f\u00a0¡¢£€¥Š§š©ª«¬\u00ad®¯°±²³Žµ¶·ž¹º»ŒœŸ¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ"
	upperISO88592    = "\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009a\u009b\u009c\u009d\u009e\u009f\u00a0Ą˘Ł¤ĽŚ§¨ŠŞŤŹ\u00adŽŻ°ą˛ł´ľśˇ¸šşťź˝žżŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢßŕáâăäĺćçčéęëěíîďđńňóôőö÷řůúűüýţ˙"
)

// charsetTables expands the constants into rune tables, keyed by the
// charset names and aliases mail uses (lowercase).
func charsetTables() map[string][]rune {
	koi8r := []rune(upperKOI8R)
	cp1251 := []rune(upperWindows1251)
	cp1252 := []rune(upperWindows1252)
	latin9 := []rune(upperISO885915)
	latin2 := []rune(upperISO88592)
	return map[string][]rune{
		"koi8-r": koi8r, "koi8r": koi8r, "koi8-u": koi8r, "koi8": koi8r,
		"windows-1251": cp1251, "cp1251": cp1251, "win-1251": cp1251, "x-cp1251": cp1251,
		"windows-1252": cp1252, "cp1252": cp1252, "x-cp1252": cp1252,
		"iso-8859-15": latin9, "iso8859-15": latin9, "latin9": latin9, "latin-9": latin9,
		"iso-8859-2": latin2, "iso8859-2": latin2, "latin2": latin2,
	}
}

// decodeCharset converts text in the named charset to UTF-8. UTF-8 and
// ASCII are checked and repaired, ISO-8859-1 maps bytes to runes, the
// tables above do the rest; any other charset passes through as bytes,
// invalid sequences replaced, which keeps its ASCII (codes, addresses,
// English) readable.
func (c *Classifier) decodeCharset(charset string, b []byte) string {
	cs := strings.ToLower(strings.Trim(strings.TrimSpace(charset), `"'`))
	switch cs {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1", "cp819", "us-ascii-latin1":
		var sb strings.Builder
		sb.Grow(len(b))
		for _, x := range b {
			sb.WriteRune(rune(x))
		}
		return sb.String()
	}
	if table, ok := c.charsets[cs]; ok && !utf8.Valid(b) {
		var sb strings.Builder
		sb.Grow(len(b) * 2)
		for _, x := range b {
			if x < 0x80 {
				sb.WriteByte(x)
			} else {
				sb.WriteRune(table[x-0x80])
			}
		}
		return sb.String()
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// charsetReader lets mime.WordDecoder decode RFC 2047 encoded words in the
// same charsets as bodies.
func (c *Classifier) charsetReader(charset string, input io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(io.LimitReader(input, maxText))
	if err != nil {
		return nil, err
	}
	return strings.NewReader(c.decodeCharset(charset, b)), nil
}

// decodeWords decodes RFC 2047 encoded words in a header value, keeping
// the raw value when decoding fails.
func (c *Classifier) decodeWords(v string) string {
	v = oneLine(v)
	if !strings.Contains(v, "=?") {
		return strings.ToValidUTF8(v, "\uFFFD")
	}
	if d, err := c.words.DecodeHeader(v); err == nil {
		return d
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}
