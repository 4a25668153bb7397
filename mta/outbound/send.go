package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxPipelineGroup bounds how many commands are written before their
// replies are read. RFC 2920 §3.1 warns that a client which writes without
// reading can deadlock once the server's replies fill the TCP windows; a
// hundred commands (the recipient count RFC 5321 §4.5.3.1.8 requires
// servers to accept) keep the unread replies far below any window.
const maxPipelineGroup = 100

// Envelope is the SMTP envelope of one message.
type Envelope struct {
	// From is the reverse-path (RFC 5321 §4.1.1.2) without angle brackets;
	// "" for the null sender of bounces.
	From string
	// To holds the forward-paths, one per recipient, without angle brackets.
	To []string
	// EightBit marks a body with 8-bit data: sent with BODY=8BITMIME when
	// the server offers it (RFC 6152).
	EightBit bool
	// SMTPUTF8 marks a message with UTF-8 in addresses or headers: sent
	// with the SMTPUTF8 parameter, and refused locally when the server does
	// not offer it (RFC 6531 §3.4). Non-ASCII addresses imply it.
	SMTPUTF8 bool
}

// Result is the outcome of one Send, one entry per recipient.
type Result struct {
	// Rcpts holds one outcome per Envelope.To entry, in the same order.
	Rcpts []RcptResult
	// Reply is the server's reply to the end of data, code and text, when
	// the message was accepted ("250 2.0.0 Ok: queued as 4Bq…"): it names
	// the message in the receiver's logs.
	Reply string
	// Unanswered is true when the connection failed before the server
	// answered any command of the transaction, or when its first answer
	// was 421 (closing): the usual signs of a pooled connection the server
	// closed since its last message. Nothing was accepted then, since the
	// body goes out only after the 354 reply, so the message may be sent
	// again on a new connection as if not tried. A ctx that ended does not
	// count.
	Unanswered bool
}

// RcptResult is the outcome for one recipient.
type RcptResult struct {
	// To is the recipient, as in Envelope.To.
	To string
	// Err is nil when the server took responsibility for the message for
	// this recipient (RCPT accepted, then 250 to the end of data).
	// Otherwise it is an [*Error]: this recipient's RCPT reply, or the
	// failure shared by the transaction (MAIL, DATA, the connection, a
	// local check). [IsPermanent] tells bounce from retry.
	Err error
}

// stepKind is one command of a transaction.
type stepKind uint8

const (
	stepRSET stepKind = iota
	stepMAIL
	stepRCPT
	stepDATA
)

// step is one command of Send's list; rcpt indexes Envelope.To.
type step struct {
	kind stepKind
	rcpt int
}

// txn is the state of one Send.
type txn struct {
	env       Envelope
	msg       []byte
	from      string   // env.From as written on MAIL (wireAddress)
	to        []string // env.To as written on RCPT; "" for one refused
	res       *Result
	err       *Error // the failure shared by all recipients, nil so far
	acc       []bool // per recipient: RCPT got 250 or 251
	accepted  int    // how many are true in acc
	delivered bool   // the end of data got 250
}

// Send delivers msg, the message in CRLF form, to env's recipients over
// one SMTP transaction (RFC 5321 §3.3), and returns one outcome per
// recipient in Result. With PIPELINING (RFC 2920) the MAIL, RCPT and DATA
// commands go out in one write and their replies are read in order; without
// it they go one at a time.
//
// A non-nil error reports a failure shared by every recipient not already
// rejected at RCPT: a local check, MAIL, DATA or the connection. It is then
// also in those recipients' Result entries, so a caller may ignore it and
// loop over Result.Rcpts alone. A nil error means each recipient has its own
// outcome, delivered or rejected at RCPT. After any failure, [Client.Usable]
// tells whether the connection may carry the next message.
func (c *Client) Send(ctx context.Context, env Envelope, msg []byte) (Result, error) {
	var res Result
	res.Rcpts = make([]RcptResult, len(env.To))
	for i, to := range env.To {
		res.Rcpts[i].To = to
	}
	t := &txn{env: env, msg: msg, res: &res}
	if e := c.precheck(ctx, t); e != nil {
		return res, t.finish(e)
	}
	// A ctx that fires once the transaction is over only costs the
	// connection (Usable turns false), not the outcome: errp is nil.
	stop := c.begin(ctx)
	defer c.end(ctx, stop, nil)
	before := c.replies
	c.run(ctx, t)
	if e := t.err; e != nil && ctx.Err() == nil {
		res.Unanswered = c.replies == before && e.Code == 0 || c.replies == before+1 && e.Code == 421
	}
	return res, t.finish(t.err)
}

// finish gives e, or an internal error if there is nothing to give, to
// every recipient without an outcome, and returns e as an error (nil if e
// is nil).
func (t *txn) finish(e *Error) error {
	for i := range t.res.Rcpts {
		r := &t.res.Rcpts[i]
		if r.Err != nil || t.delivered && t.acc[i] {
			continue
		}
		if e == nil {
			e = netError("DATA", errors.New("outbound: transaction ended without a reply for every recipient"))
		}
		r.Err = e
	}
	if e == nil {
		return nil
	}
	return e
}

// precheck refuses what cannot be sent, before anything is written: an
// unusable connection, a dead ctx, bad addresses, and messages the server
// announced it would refuse.
func (c *Client) precheck(ctx context.Context, t *txn) *Error {
	if len(t.env.To) == 0 {
		return netError("MAIL", ErrNoRecipients)
	}
	if c.err != nil {
		return netError("MAIL", fmt.Errorf("%w: %w", ErrUnusable, c.err))
	}
	if err := ctx.Err(); err != nil {
		return netError("MAIL", err)
	}
	utf8 := t.env.SMTPUTF8
	from, ok := wireAddress(t.env.From, true)
	if !ok || hasControl(t.env.From) {
		// RFC 3463 §3.2: X.1.7, bad sender's mailbox address syntax.
		return localError("MAIL", 553, fmt.Sprintf("5.1.7 sender address %q cannot be written on a command line", t.env.From), ErrBadAddress)
	}
	t.from = from
	utf8 = utf8 || !isASCII(from)
	c.wireTo = slices.Grow(c.wireTo[:0], len(t.env.To))[:len(t.env.To)]
	t.to = c.wireTo
	valid := 0
	for i, to := range t.env.To {
		w, ok := wireAddress(to, false)
		if !ok || hasControl(to) {
			// RFC 3463 §3.2: X.1.3, bad destination mailbox address syntax.
			t.res.Rcpts[i].Err = localError("RCPT", 553, fmt.Sprintf("5.1.3 recipient address %q cannot be written on a command line", to), ErrBadAddress)
			t.to[i] = ""
			continue
		}
		t.to[i] = w
		valid++
		utf8 = utf8 || !isASCII(w)
	}
	if valid == 0 {
		return nil // every recipient has its outcome; nothing to send
	}
	// RFC 6532 header fields (raw UTF-8) need SMTPUTF8 end to end (RFC
	// 6531 §3.4), like UTF-8 addresses: a message queued without the flag
	// (an older spool, another path) is recognised by its header here.
	utf8 = utf8 || !isASCIIBytes(headerSection(t.msg))
	if utf8 && !c.smtpUTF8 {
		// RFC 6531 §3.4: without the extension the client must not send
		// UTF-8 addresses; §3.5 names the status code, X.6.7.
		return localError("MAIL", 553, fmt.Sprintf("5.6.7 %s does not support SMTPUTF8, which the message needs", c.host), ErrNeedSMTPUTF8)
	}
	t.env.SMTPUTF8 = utf8
	if c.maxSize > 0 {
		if size := messageSize(t.msg); size > c.maxSize {
			// RFC 1870: a message over the declared fixed limit fails
			// permanently; RFC 3463 §3.4: X.3.4 "message too big for system".
			return localError("MAIL", 552, fmt.Sprintf("5.3.4 message of %d bytes exceeds the %d-byte limit of %s", size, c.maxSize, c.host), ErrSizeExceeded)
		}
	}
	return nil
}

// run executes the transaction. Commands are written in groups (all of
// them with PIPELINING, one at a time without), each group's replies read
// before the next is written; DATA always ends a group (RFC 2920 §3.1).
func (c *Client) run(ctx context.Context, t *txn) {
	c.steps = c.steps[:0]
	if c.dirty {
		// RFC 5321 §4.1.1.5: clear what a previous, unfinished transaction
		// left; RSET may open a pipelined group (RFC 2920 §3.1).
		c.steps = append(c.steps, step{kind: stepRSET})
	}
	c.steps = append(c.steps, step{kind: stepMAIL})
	for i := range t.env.To {
		if t.res.Rcpts[i].Err == nil {
			c.steps = append(c.steps, step{kind: stepRCPT, rcpt: i})
		}
	}
	if len(c.steps) == 1 || c.steps[len(c.steps)-1].kind != stepRCPT {
		return // no sendable recipient (precheck gave each an outcome)
	}
	c.steps = append(c.steps, step{kind: stepDATA})
	c.acc = slices.Grow(c.acc[:0], len(t.env.To))[:len(t.env.To)]
	clear(c.acc)
	t.acc = c.acc

	group := 1
	if c.pipelining {
		group = maxPipelineGroup
	}
	c.timeout = c.opts.CommandTimeout
	for next := 0; next < len(c.steps); {
		// Between groups every reply is known: stop when MAIL failed, and
		// skip DATA when no recipient was accepted (RFC 5321 §3.3).
		if t.err != nil || c.steps[next].kind == stepDATA && t.accepted == 0 {
			return
		}
		end := min(next+group, len(c.steps))
		for _, s := range c.steps[next:end] {
			c.writeStep(t, s)
		}
		if err := c.w.Flush(); err != nil {
			t.err = c.fail(c.ioError(ctx, c.stepName(c.steps[next]), err))
			return
		}
		for _, s := range c.steps[next:end] {
			if !c.readStep(ctx, t, s) {
				return
			}
		}
		next = end
	}
}

func (c *Client) stepName(s step) string {
	return [...]string{"RSET", "MAIL", "RCPT", "DATA"}[s.kind]
}

// writeStep buffers one command.
func (c *Client) writeStep(t *txn, s step) {
	w := c.w
	switch s.kind {
	case stepRSET:
		w.WriteString("RSET\r\n")
	case stepMAIL:
		w.WriteString("MAIL FROM:<")
		w.WriteString(t.from)
		w.WriteByte('>')
		if c.hasSize {
			// RFC 1870: the message's size, an estimate the server may
			// check against its limit before any data is sent.
			w.WriteString(" SIZE=")
			w.Write(strconv.AppendInt(c.num[:0], messageSize(t.msg), 10))
		}
		// RFC 6152 asks for BODY=8BITMIME when the body has 8-bit
		// data. Without the extension the body is sent as is rather than
		// converted to 7 bits: conversion would break DKIM signatures, and
		// servers nearly all accept 8-bit data (Postfix does the same).
		// RFC 6531 §3.4 implies 8BITMIME for SMTPUTF8 messages.
		if (t.env.EightBit || t.env.SMTPUTF8) && c.eightBit {
			w.WriteString(" BODY=8BITMIME")
		}
		if t.env.SMTPUTF8 {
			w.WriteString(" SMTPUTF8") // RFC 6531 §3.4
		}
		w.WriteString("\r\n")
	case stepRCPT:
		w.WriteString("RCPT TO:<")
		w.WriteString(t.to[s.rcpt])
		w.WriteString(">\r\n")
	case stepDATA:
		w.WriteString("DATA\r\n")
	}
}

// readStep reads and applies the reply to one command. It returns false
// when the transaction cannot go on (the connection failed).
func (c *Client) readStep(ctx context.Context, t *txn, s step) bool {
	cmd := c.stepName(s)
	rep, err := c.read(ctx, cmd)
	if err != nil {
		var e *Error
		errors.As(err, &e)
		t.err = e
		return false
	}
	switch s.kind {
	case stepRSET:
		if rep.code != 250 {
			// The server's state is unknown: finish reading this group,
			// then give up on the connection.
			t.err = c.fail(ReplyError(cmd, rep.code, rep.String()))
			return true
		}
		c.dirty = false
	case stepMAIL:
		if t.err != nil {
			return true
		}
		if rep.code != 250 {
			t.err = ReplyError(cmd, rep.code, rep.String())
			return true
		}
		c.dirty = true
	case stepRCPT:
		if t.err != nil {
			return true // its reply, a 503, says nothing of the recipient
		}
		// RFC 5321 §4.1.1.3: 250, or 251 "will forward", accept.
		if rep.code == 250 || rep.code == 251 {
			t.acc[s.rcpt] = true
			t.accepted++
			return true
		}
		t.res.Rcpts[s.rcpt].Err = ReplyError(cmd, rep.code, rep.String())
	case stepDATA:
		return c.data(ctx, t, rep)
	}
	return true
}

// data handles the reply to DATA and, after 354, sends the message and
// reads the final reply (RFC 5321 §4.1.1.4).
func (c *Client) data(ctx context.Context, t *txn, rep *reply) bool {
	if rep.code != 354 {
		// With pipelining, DATA is sent before the RCPT replies are known;
		// when none was accepted its 503 or 554 is expected (RFC 2920
		// §3.1) and each recipient keeps its own RCPT error.
		if t.err == nil && t.accepted > 0 {
			t.err = ReplyError("DATA", rep.code, rep.String())
		}
		return true
	}
	c.timeout = c.opts.DataTimeout
	empty := t.err != nil || t.accepted == 0
	if empty {
		// RFC 2920 §3.1: a server that answers 354 although no recipient
		// was accepted gets an empty message, a lone dot, which it must
		// refuse, rather than the message itself.
		c.w.WriteString(".\r\n")
	} else {
		writeData(c.w, t.msg)
	}
	if err := c.w.Flush(); err != nil {
		t.err = c.fail(c.ioError(ctx, "DATA", err))
		return false
	}
	rep, err := c.read(ctx, "DATA")
	if err != nil {
		var e *Error
		errors.As(err, &e)
		t.err = e
		return false
	}
	c.dirty = false // after the end of data the transaction is over, either way
	switch {
	case empty:
	case rep.code == 250:
		t.delivered = true
		var b strings.Builder
		b.Grow(4 + len(rep.text))
		b.WriteString(strconv.Itoa(rep.code))
		b.WriteByte(' ')
		b.Write(rep.text)
		t.res.Reply = b.String()
	default:
		t.err = ReplyError("DATA", rep.code, rep.String())
	}
	return true
}

// hasControl reports whether addr has a control byte (C0 or DEL), which
// could smuggle a command onto the line; wireAddress refuses them in a
// local part, this catches them anywhere.
func hasControl(addr string) bool {
	for i := range len(addr) {
		if b := addr[i]; b < ' ' || b == 0x7f {
			return true
		}
	}
	return false
}

// headerSection returns msg's header section: up to its first empty line
// (CRLF or bare LF ends), or all of msg when it has none.
func headerSection(msg []byte) []byte {
	for i := 0; i < len(msg); {
		j := bytes.IndexByte(msg[i:], '\n')
		if j < 0 {
			break
		}
		line := msg[i : i+j]
		if len(line) == 0 || len(line) == 1 && line[0] == '\r' {
			return msg[:i]
		}
		i += j + 1
	}
	return msg
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
