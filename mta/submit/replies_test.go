package submit

import (
	"bytes"
	"strings"
	"testing"
)

// The redteam's informational findings, at the submission server: RFC
// 4954's replies for AUTH (501 5.5.2 for a response that is not base64 or
// that the mechanism cannot parse, 504 5.5.4 for an unknown mechanism,
// whatever follows it), RFC 5321 §4.1.1.11's 555 for DSN parameters the
// server does not offer, never a temporary 454 or a 504 "not
// implemented".
func TestCommandReplies(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}})
	for _, tc := range []struct {
		login bool
		cmds  []string // command, reply prefix, …
	}{
		{false, []string{"AUTH PLAIN !!!notbase64", "501 5.5.2"}},
		{false, []string{"AUTH PLAIN =", "501 5.5.2"}},
		{false, []string{"AUTH PLAIN AGFjbWU=", "501 5.5.2"}}, // "\x00acme": no password part
		{false, []string{"AUTH PLAIN", "334", "!!!", "501 5.5.2"}},
		{false, []string{"AUTH LOGIN", "334", "%%%", "501 5.5.2"}},
		{false, []string{"AUTH XOAUTH2 abc", "504 5.5.4"}},
		{false, []string{"AUTH XOAUTH2 !!!", "504 5.5.4"}},
		{false, []string{"AUTH CRAM-MD5", "504 5.5.4"}},
		{true, []string{"MAIL FROM:<a@acme.example> RET=FULL", "555 5.5.4"}},
		{true, []string{"MAIL FROM:<a@acme.example> ENVID=abc", "555 5.5.4"}},
		{true, []string{"MAIL FROM:<a@acme.example>", "250", "RCPT TO:<r@example.net> NOTIFY=NEVER", "555 5.5.4"}},
		{true, []string{"MAIL FROM:<a@acme.example>", "250", "RCPT TO:<r@example.net> ORCPT=rfc822;r@example.net", "555 5.5.4"}},
	} {
		c := dialRaw(t, ts.addr)
		if tc.login {
			c.login("acme")
		}
		for i := 0; i < len(tc.cmds); i += 2 {
			if got := c.cmd(tc.cmds[i]); !strings.HasPrefix(got, tc.cmds[i+1]) {
				t.Errorf("%q: %q, want %s", tc.cmds[i], got, tc.cmds[i+1])
				break
			}
		}
	}
	// The session is still usable after a syntax error in AUTH.
	c := dialRaw(t, ts.addr)
	c.want(c.cmd("AUTH PLAIN ="), "501")
	c.login("acme")
}

// A tenant's Return-Path and Authentication-Results fields (which could
// claim "dkim=pass" for another domain to a reader that trusts them) are
// taken out at submission, in any case and folded.
func TestSubmittedTraceFieldsStripped(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}})
	c := dialRaw(t, ts.addr).login("acme")
	c.want(c.send("a@acme.example", "r@example.net", "Return-Path: <x@b.example>\r\n"+
		"Authentication-Results: mx.example;\r\n dkim=pass header.d=b.example\r\n"+
		"authentication-results: mx.example; spf=pass\r\n"+
		"RETURN-PATH: <y@b.example>\r\n"+
		"From: a@acme.example\r\nSubject: hi\r\n\r\nReturn-Path: in the body stays\r\n.\r\n"), "250 ")
	m := ts.spool.messages()[0]
	hdr, body := splitHeader(m.Body)
	low := bytes.ToLower(hdr)
	if bytes.Contains(low, []byte("return-path")) || bytes.Contains(low, []byte("authentication-results")) || bytes.Contains(low, []byte("dkim=pass")) {
		t.Errorf("a submitted trace field survived:\n%s", hdr)
	}
	if !bytes.Contains(body, []byte("Return-Path: in the body stays")) {
		t.Error("the body changed")
	}
}

// Bcc and Resent-Bcc fields are removed at submission (redteam2): each
// recipient gets the same header, so a Bcc left in shows every blind
// recipient to all of them. A field whose name merely starts with Bcc
// stays.
func TestBccFieldsStripped(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}})
	c := dialRaw(t, ts.addr).login("acme")
	c.want(c.send("a@acme.example", "r@example.net", "From: a@acme.example\r\nTo: r@example.net\r\n"+
		"Bcc: secret@example.net,\r\n other@example.net\r\n"+
		"BCC:\r\n"+
		"resent-bcc: hidden@example.net\r\n"+
		"Bcc-Note: kept\r\n"+
		"Subject: hi\r\n\r\nBcc: in the body stays\r\n.\r\n"), "250 ")
	m := ts.spool.messages()[0]
	hdr, body := splitHeader(m.Body)
	if bytes.Contains(hdr, []byte("secret@")) || bytes.Contains(hdr, []byte("other@")) || bytes.Contains(hdr, []byte("hidden@")) ||
		bytes.Contains(bytes.ToLower(hdr), []byte("\nbcc:")) || bytes.Contains(bytes.ToLower(hdr), []byte("resent-bcc")) {
		t.Errorf("a Bcc field survived:\n%s", hdr)
	}
	if !bytes.Contains(hdr, []byte("Bcc-Note: kept")) {
		t.Errorf("Bcc-Note was removed:\n%s", hdr)
	}
	if !bytes.Contains(body, []byte("Bcc: in the body stays")) {
		t.Error("the body changed")
	}
}
