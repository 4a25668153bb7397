package opstest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var unitPath = filepath.Join(repoRoot, "configs", "systemd", "sluice.service")

// TestSystemdUnitVerifies runs `systemd-analyze verify` on the service
// unit with ExecStart pointed at a sluice binary built into a temp dir
// (verify checks that the executable exists), and checks the hardening
// the unit promises.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze := needTool(t, "systemd-analyze", "systemd")
	b, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, line := range []string{
		"NoNewPrivileges=true", "ProtectSystem=strict", "ReadWritePaths=/var/lib/sluice", "PrivateTmp=true",
		"ProtectHome=true", "AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
		"LimitNOFILE=", "Restart=on-failure", "User=sluice",
	} {
		if !strings.Contains(unit, "\n"+line) {
			t.Errorf("unit lacks %s", line)
		}
	}
	// systemctl reload sends SIGHUP, which reloads the certificates.
	if !regexp.MustCompile(`(?m)^ExecReload=/bin/kill -HUP \$MAINPID$`).MatchString(unit) {
		t.Error("unit lacks ExecReload=/bin/kill -HUP $MAINPID")
	}
	if testing.Short() {
		t.Skip("builds sluice: skipped in -short mode")
	}
	bin := sluiceBinary.build(t)
	exec1 := regexp.MustCompile(`(?m)^ExecStart=/usr/local/bin/sluice `)
	if !exec1.MatchString(unit) {
		t.Fatal("no ExecStart=/usr/local/bin/sluice line to point at the built binary")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "sluice.service")
	if err := os.WriteFile(path, []byte(exec1.ReplaceAllString(unit, "ExecStart="+bin+" ")), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", path)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=notice")
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The control: verify refuses the unit when ExecStart names no binary,
	// so the pass above did look at it.
	missing := filepath.Join(dir, "missing.service")
	if err := os.WriteFile(missing, []byte(exec1.ReplaceAllString(unit, "ExecStart="+filepath.Join(dir, "no-such-sluice")+" ")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", missing).CombinedOutput(); err == nil {
		t.Errorf("systemd-analyze verify accepted a unit whose ExecStart does not exist:\n%s", out)
	}
}
