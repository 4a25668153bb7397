package bounce_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"sluice/mta/bounce"
)

// runClassifyForTest runs bounce.Main and returns its exit status and output.
func runClassifyForTest(stdin string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := bounce.Main(args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// jsonLines decodes each line of out as one JSON object.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for l := range strings.SplitSeq(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		objs = append(objs, m)
	}
	return objs
}

const classifyBounce = "From: MAILER-DAEMON@mx.example.net\r\n" +
	"To: b.AAAAAAAAGi8AAQ_k3Jx9Qw@bounces.brand.example\r\n" +
	"Subject: Undelivered Mail Returned to Sender\r\n" +
	"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n" +
	"--b\r\nContent-Type: text/plain\r\n\r\nThe mail system\r\n" +
	"--b\r\nContent-Type: message/delivery-status\r\n\r\n" +
	"Reporting-MTA: dns; mx.example.net\r\n\r\n" +
	"Final-Recipient: rfc822; jane@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
	"Diagnostic-Code: smtp; 550 5.1.1 <jane@example.net>: Recipient address rejected: User unknown\r\n" +
	"--b\r\nContent-Type: text/rfc822-headers\r\n\r\n" +
	"Message-ID: <0000000000001a2f.abc@mta1.brand.example>\r\nX-Sluice-ID: 0000000000001a2f\r\n" +
	"--b--\r\n"

func TestClassifyMessageStdin(t *testing.T) {
	t.Parallel()
	code, out, errOut := runClassifyForTest(classifyBounce)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	objs := jsonLines(t, out)
	if len(objs) != 1 {
		t.Fatalf("got %d lines: %s", len(objs), out)
	}
	want := map[string]any{"recipient": "jane@example.net", "status": "5.1.1",
		"class": "hard_invalid_recipient", "hard": true, "message_id": "0000000000001a2f",
		"verp": "b.AAAAAAAAGi8AAQ_k3Jx9Qw"}
	for k, v := range want {
		if objs[0][k] != v {
			t.Errorf("%s = %v, want %v", k, objs[0][k], v)
		}
	}
	if r, _ := objs[0]["reason"].(string); r != "user_unknown" {
		t.Errorf("reason %q, want user_unknown", r)
	}
	if d, _ := objs[0]["diagnostic"].(string); !strings.Contains(d, "User unknown") {
		t.Errorf("diagnostic %q", d)
	}
}

func TestClassifyMessageFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	arf := "From: scomp@aol.net\nSubject: report\nContent-Type: multipart/report; report-type=feedback-report; boundary=f\n\n" +
		"--f\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: AOL SComp\nOriginal-Rcpt-To: reader@aol.com\n--f--\n"
	path := filepath.Join(dir, "arf.eml")
	if err := os.WriteFile(path, []byte(arf), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runClassifyForTest("", path)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	objs := jsonLines(t, out)
	if len(objs) != 1 || objs[0]["class"] != "complaint" || objs[0]["feedback_type"] != "abuse" || objs[0]["recipient"] != "reader@aol.com" {
		t.Fatalf("got %s", out)
	}
}

func TestClassifyAutoReplyAndOther(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ msg, class string }{
		{"From: a@example.org\nAuto-Submitted: auto-replied\nSubject: Away\n\nI am away.\n", "auto_reply"},
		{"From: a@example.org\nSubject: hello\n\nWhat a nice day.\n", "other"},
		{"", "other"},
	} {
		code, out, _ := runClassifyForTest(tt.msg, "-")
		objs := jsonLines(t, out)
		if code != 0 || len(objs) != 1 || objs[0]["class"] != tt.class {
			t.Errorf("%q: exit %d, output %s", tt.msg, code, out)
		}
	}
}

func TestClassifyReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reply, status, class string
		hard                 bool
	}{
		{"550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 https://support.google.com/mail/?p=NoSuchUser - gsmtp", "5.1.1", "hard_invalid_recipient", true},
		{"421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints", "4.7.0", "rate_limited", false},
		{"554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org", "5.7.1", "policy_blocked", false},
		{"552 Requested mail action aborted: mailbox full", "", "soft_mailbox_full", false},
	}
	for _, tt := range tests {
		code, out, errOut := runClassifyForTest("", "--reply", tt.reply)
		if code != 0 {
			t.Fatalf("%q: exit %d, %s", tt.reply, code, errOut)
		}
		objs := jsonLines(t, out)
		if len(objs) != 1 {
			t.Fatalf("got %s", out)
		}
		o := objs[0]
		if o["status"] != tt.status || o["class"] != tt.class || o["hard"] != tt.hard || o["reason"] == "" {
			t.Errorf("%q: got %s", tt.reply, out)
		}
		if _, ok := o["recipient"]; ok {
			t.Errorf("reply output has a recipient: %s", out)
		}
	}
}

func TestClassifyUsageAndErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--bogus"},
		{"a.eml", "b.eml"},
		{"--reply", "550 x", "file.eml"},
		{"--reply", ""},
	} {
		if code, _, errOut := runClassifyForTest("", args...); code != 2 || !strings.Contains(errOut, "usage:") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, out, _ := runClassifyForTest("", "--help"); code != 0 || !strings.Contains(out, "usage:") {
		t.Errorf("--help: exit %d", code)
	}
	if code, _, errOut := runClassifyForTest("", filepath.Join(t.TempDir(), "missing.eml")); code != 1 || errOut == "" {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
	var stdout, stderr bytes.Buffer
	bad := iotest.ErrReader(errors.New("disk on fire"))
	if code := bounce.Main(nil, bad, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "disk on fire") {
		t.Errorf("unreadable stdin: exit %d, stderr %q", code, stderr.String())
	}
}
