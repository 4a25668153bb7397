package tlsrpt

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"time"
)

// mailReport is what a mailto report message says.
type mailReport struct {
	From, To  string // addresses
	Submitter string // the reporting domain
	Domain    string // the policy domain
	ReportID  string
	Filename  string
	Gz        []byte
	Date      time.Time
}

// buildMail makes the message of a report sent to a mailto rua (RFC 8460
// §5.3): a multipart/report with report-type "tlsrpt" (RFC 6522) whose
// first part is a short text and whose second is the gzipped report as an
// attachment named per §5.1; Subject, TLS-Report-Domain and
// TLS-Report-Submitter as §5.3 gives them. Every value written in a header
// was validated (host names, rua addresses), so none can inject one.
func buildMail(m mailReport) ([]byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	text, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {`text/plain; charset="us-ascii"`},
		"Content-Transfer-Encoding": {"7bit"},
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(text, "This is an aggregate TLS report from %s for %s.\r\n", m.Submitter, m.Domain)
	att, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {MediaType},
		"Content-Transfer-Encoding": {"base64"},
		"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": m.Filename})},
	})
	if err != nil {
		return nil, err
	}
	writeBase64(att, m.Gz)
	if err := mw.Close(); err != nil {
		return nil, err
	}

	var msg bytes.Buffer
	h := func(name, value string) { msg.WriteString(name + ": " + value + "\r\n") }
	h("From", "<"+m.From+">")
	h("To", "<"+m.To+">")
	h("Date", m.Date.Format(time.RFC1123Z))
	h("Message-ID", "<"+randomID()+"."+m.ReportID+">")
	// §5.3: "Report Domain: <domain> Submitter: <submitter>
	// Report-ID: <report-id>", folded as in its example.
	h("Subject", "Report Domain: "+m.Domain+"\r\n Submitter: "+m.Submitter+"\r\n Report-ID: <"+m.ReportID+">")
	h("TLS-Report-Domain", m.Domain)
	h("TLS-Report-Submitter", m.Submitter)
	h("MIME-Version", "1.0")
	h("Content-Type", `multipart/report; report-type="tlsrpt";`+"\r\n"+` boundary="`+mw.Boundary()+`"`)
	msg.WriteString("\r\nThis is a multipart message in MIME format.\r\n\r\n")
	msg.Write(body.Bytes())
	return msg.Bytes(), nil
}

// writeBase64 writes b in base64 lines of 76 characters (RFC 2045 §6.8).
func writeBase64(w io.Writer, b []byte) {
	enc := base64.StdEncoding.EncodeToString(b)
	for len(enc) > 76 {
		w.Write([]byte(enc[:76] + "\r\n"))
		enc = enc[76:]
	}
	w.Write([]byte(enc + "\r\n"))
}

// randomID is 16 random hex digits, for a unique Message-ID.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
