package main

import (
	"bytes"
	"io"
	"testing"

	"sluice/admin"
	"sluice/admin/ctl"
)

// The node's end-to-end tests drive its admin API through `sluice ctl`,
// as an operator would; the API and the client are tested on their own
// in packages admin and admin/ctl.

type (
	privacyExport  = admin.SubjectExport
	privacyErasure = admin.Erasure
)

// runCtl runs `sluice ctl args…` as main does.
func runCtl(args []string, stdout, stderr io.Writer) int { return ctl.Run(args, stdout, stderr) }

// ctlFor returns a function that runs `sluice ctl` against tn's admin API
// and returns its output, failing the test on a non-zero exit.
func ctlFor(t *testing.T, tn *testNode) func(args ...string) string {
	admin := tn.n.adminLn.Addr().String()
	cfgPath := writeConfigFor(t, tn.cfg)
	return func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := runCtl(append([]string{"--admin", admin, "--config", cfgPath}, args...), &out, &errb); code != 0 {
			t.Fatalf("ctl %v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
}
