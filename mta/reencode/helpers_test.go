package reencode

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
)

// leaf is a MIME leaf part as net/mail and mime/multipart read it.
type leaf struct {
	path, mediaType, cte string
	header               textproto.MIMEHeader
	raw                  []byte // the body as it is on the wire
	data                 []byte // the body decoded
}

// readLeaves parses msg with net/mail and mime/multipart, recursing into
// message/rfc822 parts, and returns every leaf in order.
func readLeaves(msg []byte) ([]leaf, error) {
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		return nil, fmt.Errorf("net/mail: %w", err)
	}
	return walkLeaves("", textproto.MIMEHeader(m.Header), m.Body, "text/plain")
}

func walkLeaves(path string, h textproto.MIMEHeader, body io.Reader, defType string) ([]leaf, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	mt, params := defType, map[string]string(nil)
	if v := h.Get("Content-Type"); v != "" {
		if mt, params, err = mime.ParseMediaType(v); err != nil {
			// Readers differ on what they make of it.
			return nil, fmt.Errorf("part %s: %w", path, err)
		}
	}
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	switch {
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" && (cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary"):
		r := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
		var out []leaf
		childType := "text/plain"
		if mt == "multipart/digest" {
			childType = "message/rfc822"
		}
		for i := 1; ; i++ {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return nil, fmt.Errorf("part %s.%d: %w", path, i, err)
			}
			ls, err := walkLeaves(fmt.Sprintf("%s.%d", path, i), p.Header, p, childType)
			if err != nil {
				return nil, err
			}
			out = append(out, ls...)
		}
	case mt == "message/rfc822" && (cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary"):
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("part %s: inner message: %w", path, err)
		}
		return walkLeaves(path+".m", textproto.MIMEHeader(m.Header), m.Body, "text/plain")
	}
	l := leaf{path: path, mediaType: mt, cte: cte, header: h, raw: raw}
	switch cte {
	case "base64":
		l.data, err = base64.StdEncoding.DecodeString(string(stripBase64(raw)))
	case "quoted-printable":
		l.data, err = io.ReadAll(quotedprintable.NewReader(bufio.NewReaderSize(bytes.NewReader(raw), len(raw)+16)))
	default:
		l.data = raw
	}
	if err != nil {
		return nil, fmt.Errorf("part %s: decode %s: %w", path, cte, err)
	}
	return []leaf{l}, nil
}

// stripBase64 keeps the base64 alphabet only, as RFC 2045 §6.8 decoders do.
func stripBase64(b []byte) []byte {
	var out []byte
	for _, c := range b {
		if isBase64Char(c) {
			out = append(out, c)
		}
	}
	return out
}

// checkConforms checks what Conform must guarantee for a message that
// parses: no line over max, the same leaves in the same order with the
// same decoded content, leaves without long lines unchanged byte for
// byte, and Conform(out) leaving out alone.
func checkConforms(t *testing.T, in, out []byte, max int) {
	t.Helper()
	if i := longLineAt(out, max); i >= 0 {
		t.Fatalf("output line at offset %d is over %d octets", i, max)
	}
	before, err := readLeaves(in)
	if err != nil {
		t.Fatalf("input does not parse: %v", err)
	}
	after, err := readLeaves(out)
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, out)
	}
	if len(before) != len(after) {
		t.Fatalf("%d leaves in, %d out", len(before), len(after))
	}
	for i, b := range before {
		a := after[i]
		if a.path != b.path || a.mediaType != b.mediaType {
			t.Fatalf("leaf %d: %s %s became %s %s", i, b.path, b.mediaType, a.path, a.mediaType)
		}
		if !bytes.Equal(a.data, b.data) {
			t.Fatalf("leaf %s: decoded content changed (%d bytes, was %d)", b.path, len(a.data), len(b.data))
		}
		if !hasLongLine(b.raw, max) && !bytes.Equal(a.raw, b.raw) {
			t.Fatalf("leaf %s had no long line but changed", b.path)
		}
	}
	again, changed, err := Conform(out, max)
	if err != nil || changed || !bytes.Equal(again, out) {
		t.Fatalf("Conform(out) = changed %v, err %v", changed, err)
	}
}

// longLineAt is the offset of the first line over max, or -1.
func longLineAt(b []byte, max int) int {
	for off := 0; off < len(b); {
		line, _ := nextLine(b[off:])
		if lineLen(line) > max {
			return off
		}
		off += len(line)
	}
	return -1
}
