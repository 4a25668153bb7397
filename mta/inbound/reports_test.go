package inbound

import (
	"bytes"
	"encoding/base64"
	"mime/quotedprintable"
	"strings"
	"testing"

	"sluice/queue"
)

// Builders of the returns a receiver (or a forger) sends: copies of our
// message, RFC 5965 feedback reports, RFC 3464 DSNs, in several shapes.

// msgCopy is a copy of a message sluice sent, as a report returns it.
type msgCopy struct {
	to      string
	id      queue.ID
	headers string // more header lines, each ending in CRLF
	ctype   string // of the body; default text/plain
	enc     string // "", "quoted-printable" or "base64"
	body    string
}

func (c msgCopy) bytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("From: News <news@tenant-a.test>\r\nTo: " + c.to + "\r\nSubject: Spring sale\r\n")
	if c.id != 0 {
		b.WriteString("X-Sluice-ID: " + c.id.String() + "\r\n")
	}
	b.WriteString("Message-ID: <m1@tenant-a.test>\r\nMIME-Version: 1.0\r\n" + c.headers)
	ct := c.ctype
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	b.WriteString("Content-Type: " + ct + "\r\n")
	if c.enc != "" {
		b.WriteString("Content-Transfer-Encoding: " + c.enc + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(encode(t, c.enc, []byte(c.body)))
	return b.Bytes()
}

// encode applies a Content-Transfer-Encoding, with the line lengths real
// mailers use (76 characters).
func encode(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	switch enc {
	case "quoted-printable":
		var out bytes.Buffer
		w := quotedprintable.NewWriter(&out)
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return append(out.Bytes(), "\r\n"...)
	case "base64":
		s := base64.StdEncoding.EncodeToString(b)
		var out bytes.Buffer
		for len(s) > 76 {
			out.WriteString(s[:76] + "\r\n")
			s = s[76:]
		}
		out.WriteString(s + "\r\n")
		return out.Bytes()
	}
	return append(b, "\r\n"...)
}

// arfOpts shapes a feedback report.
type arfOpts struct {
	from      string // default abuse@isp.test
	origRcpt  string // Original-Rcpt-To, "" for a redacted report
	enc       string // transfer encoding of the returned copy
	headersOn bool   // return only the headers (text/rfc822-headers)
	ftype     string // default abuse
	sourceIP  string // Source-IP (RFC 5965 §3.2), "" for none
}

// arf builds an RFC 5965 report returning cp.
func arf(t *testing.T, o arfOpts, cp []byte) []byte {
	t.Helper()
	if o.from == "" {
		o.from = "abuse@isp.test"
	}
	if o.ftype == "" {
		o.ftype = "abuse"
	}
	var b bytes.Buffer
	b.WriteString("From: <" + o.from + ">\r\nTo: fbl@" + bounceDomain + "\r\nSubject: FW: Spring sale\r\n" +
		"Date: Mon, 4 Mar 2030 05:06:07 +0000\r\nMessage-ID: <r1@isp.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"arf-b\"\r\n\r\n" +
		"--arf-b\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n" +
		"--arf-b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: " + o.ftype + "\r\nUser-Agent: isp/1.0\r\nVersion: 1\r\n")
	if o.origRcpt != "" {
		b.WriteString("Original-Rcpt-To: <" + o.origRcpt + ">\r\n")
	}
	if o.sourceIP != "" {
		b.WriteString("Source-IP: " + o.sourceIP + "\r\n")
	}
	b.WriteString("Arrival-Date: Mon, 4 Mar 2030 05:00:00 +0000\r\n\r\n--arf-b\r\n")
	if o.headersOn {
		hdr, _, _ := bytes.Cut(cp, []byte("\r\n\r\n"))
		cp = append(hdr, "\r\n"...)
		b.WriteString("Content-Type: text/rfc822-headers\r\n")
	} else {
		b.WriteString("Content-Type: message/rfc822\r\n")
	}
	if o.enc != "" {
		b.WriteString("Content-Transfer-Encoding: " + o.enc + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(encode(t, o.enc, cp))
	b.WriteString("--arf-b--\r\n")
	return b.Bytes()
}

// jmrp builds a complaint in the shape of Microsoft's JMRP: no
// feedback-report part, the complainer in X-HmXmrOriginalRecipient.
func jmrp(t *testing.T, rcpt string, cp []byte) []byte {
	t.Helper()
	cp = append([]byte("X-HmXmrOriginalRecipient: <"+rcpt+">\r\n"), cp...)
	return []byte("From: staff@hotmail.test\r\nTo: fbl@" + bounceDomain + "\r\nSubject: complaint about message from 192.0.2.1\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"j\"\r\n\r\n--j\r\nContent-Type: text/plain\r\n\r\n" +
		"This is a complaint.\r\n--j\r\nContent-Type: message/rfc822\r\n\r\n" + string(cp) + "\r\n--j--\r\n")
}

// dsn builds an RFC 3464 report that rcpt failed with status.
func dsn(t *testing.T, rcpt, status, diag string, cp []byte) []byte {
	t.Helper()
	return []byte("From: Mail Delivery System <MAILER-DAEMON@mx.dest.test>\r\nTo: fbl@" + bounceDomain + "\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"d\"\r\n\r\n" +
		"--d\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
		"--d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.dest.test\r\n\r\n" +
		"Final-Recipient: rfc822; " + rcpt + "\r\nAction: failed\r\nStatus: " + status + "\r\n" +
		"Diagnostic-Code: smtp; " + diag + "\r\n\r\n" +
		"--d\r\nContent-Type: message/rfc822\r\n\r\n" + string(cp) + "\r\n--d--\r\n")
}

// plainBounce is a bounce without DSN structure, quoting the copy inline.
func plainBounce(rcpt string, id queue.ID) []byte {
	return []byte("From: postmaster@dest.test\r\nTo: fbl@" + bounceDomain + "\r\nSubject: Delivery failure\r\n\r\n" +
		"This message was created automatically by mail delivery software.\r\n\r\n" +
		"A message that you sent could not be delivered to one or more of its recipients.\r\n\r\n  " + rcpt +
		"\r\n    SMTP error from remote mail server after RCPT TO:<" + rcpt + ">:\r\n    550 5.1.1 User unknown\r\n\r\n" +
		"------ This is a copy of the message, including all the headers. ------\r\n\r\n" +
		"X-Sluice-ID: " + id.String() + "\r\nSubject: Spring sale\r\n\r\nhi\r\n")
}

// html is an HTML body with a click link and an open pixel at base.
func html(click, open string) string {
	var b strings.Builder
	b.WriteString("<html><body><p>Our spring sale starts today, with offers on everything you liked last year.</p>")
	if click != "" {
		b.WriteString(`<p><a href="https://t.tenant-a.test/c/` + click + `">See the offers</a></p>`)
	}
	if open != "" {
		b.WriteString(`<img src="https://t.tenant-a.test/o/` + open + `.gif" width="1" height="1" alt="">`)
	}
	b.WriteString("</body></html>")
	return b.String()
}
