package tlsrpt

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strconv"
	"strings"
	"testing"
)

// TestMailtoReport: a domain publishing a mailto rua gets its report as a
// message handed to the queue: From/To envelope, the §5.3 Subject and
// TLS-Report headers, a multipart/report; report-type="tlsrpt" whose
// attachment is application/tlsrpt+gzip named per §5.1 and holds the
// day's report.
func TestMailtoReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dns.AddTXT("_smtp._tls.example.net", "v=TLSRPTv1; rua=mailto:tls-reports@example.net")
	r := e.open()
	day := utcDay(e.clock.Now())
	e.traffic("example.net", 4)
	e.tick(r)
	e.nextDay()
	e.tick(r)

	msgs := e.mail.got()
	if len(msgs) != 1 {
		t.Fatalf("%d messages enqueued, want 1", len(msgs))
	}
	q := msgs[0]
	if q.from != "tlsrpt@mta.sender.test" || q.to != "tls-reports@example.net" {
		t.Errorf("envelope %q → %q", q.from, q.to)
	}
	m, err := mail.ReadMessage(bytes.NewReader(q.msg))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, q.msg)
	}
	id := day.Format("20060102") + ".example.net@mta.sender.test"
	for k, want := range map[string]string{
		"Subject":              "Report Domain: example.net Submitter: mta.sender.test Report-ID: <" + id + ">",
		"TLS-Report-Domain":    "example.net",
		"TLS-Report-Submitter": "mta.sender.test",
		"From":                 "<tlsrpt@mta.sender.test>",
		"To":                   "<tls-reports@example.net>",
		"MIME-Version":         "1.0",
	} {
		if got := m.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if _, err := m.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if _, err := mail.ParseAddress(m.Header.Get("Message-ID")); err != nil {
		t.Errorf("Message-ID %q: %v", m.Header.Get("Message-ID"), err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["report-type"] != "tlsrpt" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	text, err := mr.NextPart()
	if err != nil || !strings.HasPrefix(text.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("first part %v: %v", text.Header, err)
	}
	att, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if ct := att.Header.Get("Content-Type"); ct != MediaType {
		t.Errorf("attachment Content-Type %q", ct)
	}
	disp, dp, err := mime.ParseMediaType(att.Header.Get("Content-Disposition"))
	start := day.Unix()
	wantName := "mta.sender.test!example.net!" + itoa(start) + "!" + itoa(start+86399) + ".json.gz"
	if err != nil || disp != "attachment" || dp["filename"] != wantName {
		t.Errorf("Content-Disposition %q, want attachment %q", att.Header.Get("Content-Disposition"), wantName)
	}
	b64, _ := io.ReadAll(att)
	gz, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b64)))
	if err != nil {
		t.Fatalf("attachment is not base64: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("attachment is not gzip: %v", err)
	}
	raw, _ := io.ReadAll(zr)
	checkSchema(t, raw)
	for _, line := range strings.Split(string(q.msg), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d octets", len(line))
		}
	}
	if strings.Contains(strings.ReplaceAll(string(q.msg), "\r\n", ""), "\n") {
		t.Error("bare LF in the message")
	}
	if _, more := mr.NextPart(); more != io.EOF {
		t.Error("more than two parts")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
