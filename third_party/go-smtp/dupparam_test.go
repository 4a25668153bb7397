package smtp_test

import (
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
)

// A keyword given twice in MAIL or RCPT is refused (sluice), whatever the
// case of either, rather than the last value winning unseen.
func TestServer_DuplicateParameterRefused(t *testing.T) {
	_, s, c, scanner, _ := testServerEhlo(t, func(s *smtp.Server) { s.EnableDSN = true })
	defer s.Close()
	defer c.Close()
	for _, tc := range []struct{ send, want string }{
		{"MAIL FROM:<a@example.org> SIZE=10 size=99999999", "501 5.5.4 "},
		{"MAIL FROM:<a@example.org> BODY=8BITMIME", "250 "},
		{"RCPT TO:<b@example.org> NOTIFY=NEVER NOTIFY=SUCCESS", "501 5.5.4 "},
		{"RCPT TO:<b@example.org> NOTIFY=NEVER", "250 "},
	} {
		io.WriteString(c, tc.send+"\r\n")
		scanner.Scan()
		if got := scanner.Text(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: got %q, want %q…", tc.send, got, tc.want)
		}
	}
}
