package smtp_test

import (
	"io"
	"strings"
	"testing"
)

// TestServer_ParameterAndAuthReplies checks the reply codes RFC 5321 and
// RFC 4954 name: 555 for a MAIL or RCPT parameter the server does not offer
// or recognise (§4.1.1.11), 501 5.5.2 for an AUTH response that is not
// base64 (RFC 4954 §4). (That an unknown mechanism is refused before its
// initial response is decoded depends on the backend's Auth: the test
// backend takes every mechanism as PLAIN.)
func TestServer_ParameterAndAuthReplies(t *testing.T) {
	for _, tc := range []struct{ cmds []string }{
		{[]string{"MAIL FROM:<root@nsa.gov> RET=FULL", "555 5.5.4"}},
		{[]string{"MAIL FROM:<root@nsa.gov> ENVID=x", "555 5.5.4"}},
		{[]string{"MAIL FROM:<root@nsa.gov> XYZ=1", "555 5.5.4"}},
		{[]string{"MAIL FROM:<root@nsa.gov>", "250 ", "RCPT TO:<a@b.test> NOTIFY=NEVER", "555 5.5.4"}},
		{[]string{"MAIL FROM:<root@nsa.gov>", "250 ", "RCPT TO:<a@b.test> ORCPT=rfc822;a@b.test", "555 5.5.4"}},
		{[]string{"MAIL FROM:<root@nsa.gov>", "250 ", "RCPT TO:<a@b.test> XYZ", "555 5.5.4"}},
		{[]string{"AUTH PLAIN !!!notbase64", "501 5.5.2"}},
		{[]string{"AUTH PLAIN", "334 ", "!!!", "501 5.5.2"}},
	} {
		_, s, c, scanner, _ := testServerEhlo(t)
		for i := 0; i < len(tc.cmds); i += 2 {
			io.WriteString(c, tc.cmds[i]+"\r\n")
			scanner.Scan()
			if !strings.HasPrefix(scanner.Text(), tc.cmds[i+1]) {
				t.Errorf("%q: %q, want %s", tc.cmds[i], scanner.Text(), tc.cmds[i+1])
			}
		}
		c.Close()
		s.Close()
	}
}
