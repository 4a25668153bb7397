package mtatest

import (
	"crypto/tls"
	"errors"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Submission is one message to submit.
type Submission struct {
	Addr     string // submission server host:port
	Username string // AUTH PLAIN after STARTTLS when set
	Password string
	From     string
	To       []string
	Data     []byte
	// NoTLS skips STARTTLS.
	NoTLS bool
}

// Submit sends one message with go-smtp's client, as an application
// would, and returns the final reply ("250 2.0.0 queued as …") or the
// SMTP error.
func Submit(s Submission) (string, error) {
	var c *smtp.Client
	var err error
	if s.NoTLS {
		c, err = smtp.Dial(s.Addr)
	} else {
		c, err = smtp.DialStartTLS(s.Addr, &tls.Config{InsecureSkipVerify: true})
	}
	if err != nil {
		return "", err
	}
	defer c.Close()
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			return "", err
		}
	}
	if err := c.Mail(s.From, nil); err != nil {
		return "", err
	}
	for _, to := range s.To {
		if err := c.Rcpt(to, nil); err != nil {
			return "", err
		}
	}
	w, err := c.Data()
	if err != nil {
		return "", err
	}
	if _, err := w.Write(s.Data); err != nil {
		return "", err
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	_ = c.Quit()
	return "250 " + resp.StatusText, nil
}

// Code returns the SMTP reply code in err, or 0.
func Code(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}
