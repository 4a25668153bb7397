package bounce

import (
	"testing"
)

func TestDecodeCharset(t *testing.T) {
	t.Parallel()
	c := New()
	tests := []struct {
		charset string
		in      []byte
		want    string
	}{
		{"koi8-r", []byte{0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4}, "Привет"},
		{"KOI8-R", []byte{0xd1, 0xdd, 0xc9, 0xcb}, "ящик"},
		{"windows-1251", []byte{0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2}, "Привет"},
		{"windows-1252", []byte{0x80, ' ', 0x93, 'x', 0x94}, "€ “x”"},
		{"iso-8859-1", []byte{'E', 'm', 'p', 'f', 0xe4, 'n', 'g', 'e', 'r'}, "Empfänger"},
		{`"ISO-8859-15"`, []byte{0xa4}, "€"},
		{"utf-8", []byte("déjà"), "déjà"},
		{"utf-8", []byte{'a', 0xff, 'b'}, "a\uFFFDb"},
		{"x-unknown", []byte("550 user unknown"), "550 user unknown"},
		// A part labelled KOI8-R that is really UTF-8 stays UTF-8.
		{"koi8-r", []byte("Привет"), "Привет"},
		// Legacy charsets of the languages the rules read, through x/text.
		{"shift_jis", []byte{0x88, 0xb6, 0x90, 0xe6}, "宛先"},
		{"iso-2022-jp", []byte("\x1b$B08@h\x1b(B"), "宛先"},
		{"gb2312", []byte{0xd3, 0xc3, 0xbb, 0xa7}, "用户"},
		{"big5", []byte{0xa5, 0xce, 0xa4, 0xe1}, "用戶"},
		{"euc-kr", []byte{0xbb, 0xe7, 0xbf, 0xeb, 0xc0, 0xda}, "사용자"},
		{"windows-1256", []byte{0xc8}, "ب"},
		{"iso-8859-8", []byte{0xf9}, "ש"},
		{"iso-8859-9", []byte{0xfd}, "ı"},
	}
	for _, tt := range tests {
		if got := c.decodeCharset(tt.charset, tt.in); got != tt.want {
			t.Errorf("decodeCharset(%s, % x) = %q, want %q", tt.charset, tt.in, got, tt.want)
		}
	}
	if got := c.decodeWords("=?koi8-r?B?8NLJ18XU?= =?utf-8?Q?caf=C3=A9?="); got != "Приветcafé" {
		t.Errorf("decodeWords: %q", got)
	}
}
