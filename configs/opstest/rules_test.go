package opstest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAlertRules runs promtool over the alert rules: `check rules` (they
// parse, with valid templates) and `test rules` (the unit tests in
// sluice-rules.test.yml: each alert firing, and not firing on a healthy
// series).
func TestAlertRules(t *testing.T) {
	t.Parallel()
	promtool := needTool(t, "promtool", "prometheus")
	dir := filepath.Join(repoRoot, "configs", "prometheus")
	for _, args := range [][]string{
		{"check", "rules", "sluice-rules.yml"},
		{"test", "rules", "sluice-rules.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
