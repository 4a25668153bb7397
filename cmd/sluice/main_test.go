package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunDispatches: each subcommand that lives in its own package
// (classify in mta/bounce, dkim in dkim, ctl in admin/ctl) is reached
// from the binary with its arguments, and an unknown one is a usage error.
func TestRunDispatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout (code 0) or stderr
	}{
		{[]string{"classify", "--help"}, 0, "usage: sluice classify"},
		{[]string{"classify", "--reply", "550 5.1.1 User unknown"}, 0, `"class":"hard_invalid_recipient"`},
		{[]string{"dkim", "--help"}, 0, "usage: sluice dkim keygen"},
		{[]string{"dkim", "keygen"}, 2, "--domain is required"},
		{[]string{"ctl", "--help"}, 0, "sluice ctl"},
		{[]string{"version"}, 0, "sluice"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, strings.NewReader(""), &stdout, &stderr)
		got := stdout.String()
		if tc.code != 0 {
			got = stderr.String()
		}
		if code != tc.code || !strings.Contains(got, tc.out) {
			t.Errorf("sluice %s: exit %d, want %d; output %q, want %q in it", strings.Join(tc.args, " "), code, tc.code, got, tc.out)
		}
	}
}
