package reencode

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// TestConformProperties builds random MIME trees (nested multiparts,
// message/rfc822 parts, digests; text, HTML, JSON and binary leaves in
// every transfer encoding, some with lines far over the limit) and checks
// on each what checkConforms checks: every line within the limit, the
// same structure under net/mail and mime/multipart, every leaf decoding
// to what it was, leaves without long lines unchanged byte for byte, and
// Conform idempotent.
func TestConformProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	changed := 0
	for i := range 400 {
		g := &gen{r: r}
		msg := g.message(0)
		out, ch, err := Conform(msg, MaxLine)
		if err != nil {
			t.Fatalf("message %d: %v\n%s", i, err, msg)
		}
		if ch {
			changed++
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkConforms(t, msg, out, MaxLine) })
	}
	if changed < 100 {
		t.Fatalf("only %d of 400 messages needed changes: the generator is too tame", changed)
	}
}

type gen struct {
	r     *rand.Rand
	nextB int
}

func (g *gen) message(depth int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.com\r\nSubject: test\r\n")
	if g.r.IntN(4) > 0 {
		b.WriteString("MIME-Version: 1.0\r\n")
	}
	g.entity(&b, depth, "text/plain")
	return b.Bytes()
}

// entity writes the rest of a header (Content-Type and encoding), the
// empty line and a body.
func (g *gen) entity(b *bytes.Buffer, depth int, defType string) {
	k := g.r.IntN(10)
	if depth > 2 {
		k = 3 + g.r.IntN(7)
	}
	switch {
	case k < 2:
		g.nextB++
		bd := fmt.Sprintf("b%d=_%d", g.nextB, g.r.IntN(1000))
		sub := []string{"mixed", "alternative", "related", "digest"}[g.r.IntN(4)]
		fmt.Fprintf(b, "Content-Type: multipart/%s; boundary=\"%s\"\r\n\r\n", sub, bd)
		if g.r.IntN(2) == 0 {
			b.WriteString(g.text(g.r.IntN(3)) + "\r\n")
		}
		child := "text/plain"
		if sub == "digest" {
			child = "message/rfc822"
		}
		for range 1 + g.r.IntN(3) {
			b.WriteString("--" + bd + "\r\n")
			if child == "message/rfc822" && g.r.IntN(2) == 0 {
				b.WriteString("\r\n")
				b.Write(g.message(depth + 1))
			} else {
				g.entity(b, depth+1, child)
			}
			b.WriteString("\r\n")
		}
		b.WriteString("--" + bd + "--\r\n")
		if g.r.IntN(2) == 0 {
			b.WriteString(g.text(g.r.IntN(3)))
		}
	case k == 2:
		b.WriteString("Content-Type: message/rfc822\r\n\r\n")
		b.Write(g.message(depth + 1))
	default:
		g.leaf(b, defType)
	}
}

// leaf writes a leaf part; without Content-Type at times, where the
// default type is text/plain.
func (g *gen) leaf(b *bytes.Buffer, defType string) {
	var ct string
	var data string
	switch g.r.IntN(4) {
	case 0:
		ct, data = "text/plain; charset=utf-8", g.text(1+g.r.IntN(4))
	case 1:
		ct, data = "text/html; charset=utf-8", g.text(1+g.r.IntN(2))
	case 2:
		ct, data = "application/json", `{"a":"`+strings.Repeat("z", g.r.IntN(3000))+`"}`
	default:
		p := make([]byte, g.r.IntN(5000))
		for i := range p {
			p[i] = byte(g.r.IntN(256))
		}
		ct, data = "application/octet-stream", string(p)
	}
	if g.r.IntN(5) > 0 || defType != "text/plain" {
		b.WriteString("Content-Type: " + ct + "\r\n")
	}
	switch g.r.IntN(4) {
	case 0:
		enc := base64.StdEncoding.EncodeToString([]byte(data))
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n" + enc)
	case 1:
		var q bytes.Buffer
		w := quotedprintable.NewWriter(&q)
		w.Write([]byte(data))
		w.Close()
		enc := q.String()
		if g.r.IntN(2) == 0 {
			enc = strings.ReplaceAll(enc, "=\r\n", "") // one long line
		}
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n" + enc)
	default:
		if ct == "application/octet-stream" {
			data = strings.NewReplacer("\r", "", "\n", "").Replace(data)
		}
		b.WriteString("Content-Transfer-Encoding: 8bit\r\n\r\n" + data)
	}
}

// text is n paragraphs of words (some with non-ASCII, "=", dashes,
// trailing spaces), each one line, some far over 998 octets.
func (g *gen) text(n int) string {
	words := []string{"the", "café", "a=b", "--", "-x", "tab\t", "日本", "<p>", " ", ".", "From"}
	var lines []string
	for range n {
		var l strings.Builder
		want := g.r.IntN(80)
		if g.r.IntN(3) == 0 {
			want = 900 + g.r.IntN(3000)
		}
		for l.Len() < want {
			l.WriteString(words[g.r.IntN(len(words))])
			if g.r.IntN(3) > 0 {
				l.WriteByte(' ')
			}
		}
		lines = append(lines, l.String())
	}
	return strings.Join(lines, "\r\n")
}
