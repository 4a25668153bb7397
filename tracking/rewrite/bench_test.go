package rewrite

import (
	"bytes"
	"fmt"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// newsletter50K builds a 50 KB HTML newsletter with 40 tracked links (and
// a few that are not), quoted-printable, in a multipart/alternative with
// its text version.
func newsletter50K(tb testing.TB) []byte {
	tb.Helper()
	var h strings.Builder
	h.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Weekly picks</title>\n<style>body{margin:0;padding:0} .btn a{display:inline-block}</style></head>\n<body style=\"margin:0;padding:0;background:#f4f4f4;\">\n<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">\n")
	for i := range 40 {
		fmt.Fprintf(&h, `<tr><td class="item" style="padding:16px 24px;font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:22px;color:#333333;border-bottom:1px solid #eeeeee;">`+"\n"+
			`<a href="https://shop.example.com/p/%d?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=weekly-42&amp;utm_content=item-%d" style="color:#1a73e8;text-decoration:none;font-weight:bold;">Product n°%d — summer collection</a>`+"\n"+
			`<p style="margin:8px 0 0 0;">Lightweight, durable and made to last: our best-selling item number %d is back in stock in all sizes and colours. Prices from &euro;%d.99, free delivery over &euro;50 and free returns within 30 days. Ça vaut le détour !</p>`+"\n"+
			`<img src="https://cdn.example.com/img/p%d.jpg" width="552" alt="Product %d" style="display:block;width:100%%;height:auto;border:0;margin-top:8px;" />`+"\n"+
			`<p style="margin:8px 0 0 0;font-size:13px;color:#777777;">Questions? <a href="mailto:help@example.com">help@example.com</a> &middot; <a href="#top">top</a></p>`+"\n</td></tr>\n",
			i, i, i, i, 10+i, i, i)
	}
	h.WriteString("</table>\n")
	for h.Len() < 50<<10-200 {
		h.WriteString("<p style=\"font-size:11px;color:#999999;margin:0 24px;\">You receive this email because you subscribed at example.com. Our address: 1 Example Street, 75000 Paris.</p>\n")
	}
	h.WriteString("</body></html>\n")
	htmlDoc := strings.ReplaceAll(h.String(), "\n", "\r\n")

	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	if _, err := w.Write([]byte(htmlDoc)); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	msg := "From: Shop <news@example.com>\r\nTo: a@example.net\r\nSubject: Weekly picks\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nWeekly picks: https://shop.example.com/weekly\r\n" +
		"--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		qp.String() + "\r\n--b1--\r\n"
	return []byte(msg)
}

func TestNewsletter50K(t *testing.T) {
	t.Parallel()
	msg := newsletter50K(t)
	opts := testOptions()
	out, res, err := Message(msg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Links) != 40 || !res.Pixel {
		t.Errorf("%d links, pixel %v", len(res.Links), res.Pixel)
	}
	checkBodies(t, msg, out, res, opts)
}

func BenchmarkNewsletter(b *testing.B) {
	msg := newsletter50K(b)
	opts := testOptions()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, res, err := Message(msg, opts); err != nil || len(res.Links) != 40 {
			b.Fatal(err, len(res.Links))
		}
	}
}

// BenchmarkNewsletterUntouched measures a message with tracking off: the
// cost of parsing the structure only.
func BenchmarkNewsletterUntouched(b *testing.B) {
	msg := newsletter50K(b)
	opts := testOptions()
	opts.TrackOpens, opts.TrackClicks = false, false
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Message(msg, opts); err != nil {
			b.Fatal(err)
		}
	}
}
