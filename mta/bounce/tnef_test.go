package bounce

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"
)

// TestLZFuSpecExample decompresses the example of MS-OXRTFCP §3.1.1.
func TestLZFuSpecExample(t *testing.T) {
	in := []byte{0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7,
		0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20,
		0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0}
	want := "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"
	if got := string(lzfu(in)); got != want {
		t.Fatalf("lzfu = %q, want %q", got, want)
	}
	if got := strings.TrimSpace(rtfText(lzfu(in))); got != "hello world" {
		t.Errorf("rtfText = %q", got)
	}
}

// tnefAttr encodes one TNEF attribute (MS-OXTNEF §2.1.3.1).
func tnefAttr(id uint32, data []byte) []byte {
	var b bytes.Buffer
	b.WriteByte(1)
	_ = binary.Write(&b, binary.LittleEndian, id)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	var sum uint16
	for _, x := range data {
		sum += uint16(x)
	}
	_ = binary.Write(&b, binary.LittleEndian, sum)
	return b.Bytes()
}

// tnefVarProp encodes one variable-length property value (count 1).
func tnefVarProp(typ, id uint16, v []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.LittleEndian, typ)
	_ = binary.Write(&b, binary.LittleEndian, id)
	_ = binary.Write(&b, binary.LittleEndian, uint32(1))
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(v)))
	b.Write(v)
	b.Write(make([]byte, pad4(len(v))-len(v)))
	return b.Bytes()
}

func utf16Bytes(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s + "\x00")) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// TestTNEFText reads an NDR's text from the places Exchange puts it: an
// RTF-only body (compressed, with \'hh and \u escapes), a fixed-size
// property before it, a named property, and the recipient table.
func TestTNEFText(t *testing.T) {
	rtf := "{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}{\\*\\generator Exchange;}Delivery has failed to these recipients:\\par ana@corp.example\\par Remote Server returned '550 5.1.1 User unknown' \\'e9t\\'e9 \\u8364?}"
	comp := append(binary.LittleEndian.AppendUint32(nil, uint32(len(rtf)+12)), binary.LittleEndian.AppendUint32(nil, uint32(len(rtf)))...)
	comp = append(comp, 'M', 'E', 'L', 'A', 0, 0, 0, 0)
	comp = append(comp, rtf...)

	var props bytes.Buffer
	_ = binary.Write(&props, binary.LittleEndian, uint32(3))
	props.Write([]byte{0x03, 0x00, 0x17, 0x00, 1, 0, 0, 0}) // PR_IMPORTANCE, PT_LONG
	named := []byte{0x1f, 0x00, 0x01, 0x80}
	named = append(named, make([]byte, 16)...)                              // GUID
	named = append(named, 0, 0, 0, 0, 0x05, 0x85, 0, 0)                     // kind 0, id
	named = append(named, tnefVarProp(0x1f, 0, utf16Bytes("named"))[4:]...) // value only
	props.Write(named)
	props.Write(tnefVarProp(0x0102, 0x1009, comp))

	var rt bytes.Buffer
	_ = binary.Write(&rt, binary.LittleEndian, uint32(1))
	_ = binary.Write(&rt, binary.LittleEndian, uint32(1))
	rt.Write(tnefVarProp(0x001e, 0x39fe, []byte("ana@corp.example\x00")))

	stream := binary.LittleEndian.AppendUint32(nil, tnefSignature)
	stream = append(stream, 0x34, 0x12)
	stream = append(stream, tnefAttr(tnefAttMsgProps, props.Bytes())...)
	stream = append(stream, tnefAttr(tnefAttRecipTbl, rt.Bytes())...)
	got := tnefText(stream)
	for _, w := range []string{"Delivery has failed", "550 5.1.1 User unknown", "été €", "named", "ana@corp.example"} {
		if !strings.Contains(got, w) {
			t.Errorf("tnefText misses %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "Arial") || strings.Contains(got, "generator") {
		t.Errorf("tnefText kept an ignorable group:\n%s", got)
	}
	// Every truncation of the stream is read without a panic.
	for i := range stream {
		_ = tnefText(stream[:i])
	}
	if tnefText([]byte("not tnef at all")) != "" {
		t.Error("text from a stream without the TNEF signature")
	}
}

// FuzzTNEF feeds arbitrary bytes to the TNEF, LZFu and RTF readers: no
// panic, output bounded.
func FuzzTNEF(f *testing.F) {
	f.Add(binary.LittleEndian.AppendUint32(nil, tnefSignature))
	f.Add([]byte{0x2d, 0, 0, 0, 0x2b, 0, 0, 0, 0x4c, 0x5a, 0x46, 0x75, 0, 0, 0, 0, 0x03, 0x00, 0x0a, 0x00, 0x72})
	f.Add([]byte("{\\rtf1{\\*\\x a}\\u-3913?\\'e9\\par}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if s := tnefText(data); len(s) > 2*maxText {
			t.Fatalf("tnefText returned %d bytes", len(s))
		}
		if out := lzfu(data); len(out) > maxText {
			t.Fatalf("lzfu returned %d bytes", len(out))
		}
		_ = rtfText(data)
		// As a TNEF stream with data as its message properties.
		stream := binary.LittleEndian.AppendUint32(nil, tnefSignature)
		stream = append(stream, 0, 0)
		stream = append(stream, tnefAttr(tnefAttMsgProps, data)...)
		stream = append(stream, tnefAttr(tnefAttRecipTbl, data)...)
		_ = tnefText(stream)
	})
}
