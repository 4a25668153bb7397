package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// idHeader is the field sluice puts in every message it sends
// (mta/submit.IDHeader): the queue id the ledger records.
const idHeader = "x-sluice-id:"

// chaosConn is an accepted connection with its drawn fate. go-smtp wraps
// it in a *tls.Conn after STARTTLS; rawConn finds it again.
type chaosConn struct {
	net.Conn
	tcp    *net.TCPConn // for the RST; nil if not TCP
	choice connChoice
}

// rawConn returns the chaosConn under c (through a TLS layer), or nil.
func rawConn(c net.Conn) *chaosConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	cc, _ := c.(*chaosConn)
	return cc
}

// session plays one connection's transactions according to the mix.
type session struct {
	sink *sink
	conn *smtp.Conn
	cc   *chaosConn
	ip   string

	from    string
	rcpts   []string
	tx      tx
	inTx    bool
	slowHit bool
}

var _ smtp.Session = (*session)(nil)

// errClosed is returned after the session closed the connection itself:
// go-smtp's attempt to write it fails, which is the point.
var errClosed = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 0}, Message: "closed"}

func (s *session) Reset() {
	s.from, s.rcpts, s.inTx, s.slowHit = "", s.rcpts[:0], false, false
}

func (s *session) Logout() error { return nil }

// pause applies the tarpit (every reply) and the transaction's slow
// reply (once, at its stage).
func (s *session) pause(st stage) {
	if s.cc.choice.tarpit {
		time.Sleep(s.sink.mix.tarpitDelay)
	}
	if s.tx.isSlow && s.tx.slowAt == st && !s.slowHit {
		s.slowHit = true
		time.Sleep(s.tx.slowFor)
	}
}

// strike carries out a 421, hang-up or reset due at stage st; it reports
// whether the connection is gone.
func (s *session) strike(st stage) bool {
	if s.tx.at != st {
		return false
	}
	c := s.conn.Conn()
	switch s.tx.fate {
	case tx421:
		s.sink.count("tx_421")
		// RFC 5321 §3.8: 421 and close, whatever the command was.
		_, _ = io.WriteString(c, "421 4.3.0 chaos.test closing the channel\r\n")
		_ = c.Close()
	case txHangup:
		s.sink.count("tx_hangup")
		_ = c.Close()
	case txReset:
		s.sink.count("tx_reset")
		if s.cc.tcp != nil {
			_ = s.cc.tcp.SetLinger(0) // Close sends RST, not FIN
		}
		_ = c.Close()
	default:
		return false
	}
	return true
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from, s.rcpts, s.inTx, s.slowHit = from, s.rcpts[:0], true, false
	s.tx = s.sink.mix.forTx(s.cc.choice.rng)
	s.sink.count("transactions")
	s.pause(atMail)
	if s.strike(atMail) {
		return errClosed
	}
	switch s.tx.fate {
	case txMail4xx:
		s.sink.count("mail_4xx")
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "chaos: sender check unavailable, try later"}
	case txMail5xx:
		s.sink.count("mail_5xx")
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "chaos: sender refused"}
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.pause(atRcpt)
	if len(s.rcpts) == 0 && s.strike(atRcpt) {
		return errClosed
	}
	m := s.sink.mix
	if k := tripletKey(s.ip, s.from, to); m.greylisted(k) && !s.sink.grey.pass(k) {
		s.sink.count("rcpt_greylisted")
		// RFC 6647 §2.1: a temporary failure, 4.7.1 as most greylisters say.
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "chaos: greylisted, try again later"}
	}
	switch m.rcptReply(&s.tx) {
	case 450:
		s.sink.count("rcpt_4xx")
		return &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "chaos: mailbox unavailable, try later"}
	case 550:
		s.sink.count("rcpt_5xx")
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "chaos: no such user"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	br := bufio.NewReaderSize(r, 4096)
	id, err := sluiceID(br)
	if err != nil {
		return err
	}
	if s.tx.fate == txDropData {
		s.sink.count("tx_drop_data")
		_, _ = io.CopyN(io.Discard, br, 512) // some of the body, then gone
		_ = s.conn.Conn().Close()
		return errClosed
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return err // cut short by the peer: not taken
	}
	s.pause(atData)
	if s.tx.fate == txHangup && s.tx.at == atData {
		// The data was taken and then the line died before the reply: the
		// sender must retry, and this message arrives twice.
		s.sink.ledger.accept(id, s.rcpts)
	}
	if s.strike(atData) {
		return errClosed
	}
	switch s.tx.fate {
	case txData4xx:
		s.sink.count("data_4xx")
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "chaos: local error in processing"}
	case txData5xx:
		s.sink.count("data_5xx")
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "chaos: message refused"}
	}
	s.sink.ledger.accept(id, s.rcpts)
	s.sink.count("accepted")
	return nil
}

// sluiceID reads the header section (64 KiB at most) and returns the
// X-Sluice-ID field's value ("" if absent); the body stays in r.
func sluiceID(r *bufio.Reader) (string, error) {
	id, read, start := "", 0, true
	for read < 64<<10 {
		line, err := r.ReadSlice('\n')
		read += len(line)
		l := bytes.TrimRight(line, "\r\n")
		if start && len(l) == 0 && err == nil {
			return id, nil // the empty line ends the header section
		}
		if start && id == "" && len(l) > len(idHeader) && bytes.EqualFold(l[:len(idHeader)], []byte(idHeader)) {
			id = strings.TrimSpace(string(l[len(idHeader):]))
		}
		start = true
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			start = false // the rest of a long line is not a field's start
			continue
		case errors.Is(err, io.EOF):
			return id, nil
		case err != nil:
			return id, err
		}
	}
	return id, nil
}
