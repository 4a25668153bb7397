package main

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/internal/clock"
	"sluice/tracking/token"
)

// TestUnsubscribeSurvivesCrash: a one-click unsubscribe answered 200 by a
// `sluice serve` process that is SIGKILLed right after is still there
// when the process comes back: the 200 followed the spool's fsync.
func TestUnsubscribeSurvivesCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped in -short mode")
	}
	dir := t.TempDir()
	secret := strings.Repeat("ab", 32)
	submitAddr, edgeAddr, adminAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	config := fmt.Sprintf(`data_dir = %q
[log]
level = "warn"
[submission]
listen = %q
[inbound]
listen = %q
[tracking]
listen = %q
token_secret = %q
base_url = "http://edge.test"
[admin]
listen = %q
token = "t0ken"
`, filepath.Join(dir, "data"), submitAddr, freeAddr(t), edgeAddr, secret, adminAddr)
	path, kr := writeConfig(t, filepath.Join(dir, "sluice.toml"), config)
	c := startChild(t, "serve", path, submitAddr)
	waitFor(t, 10*time.Second, func() bool {
		r, err := http.Get("http://" + edgeAddr + "/healthz")
		if err == nil {
			r.Body.Close()
		}
		return err == nil
	})
	tok, err := kr.Seal(token.Claims{Kind: token.Unsubscribe, Tenant: "dev", Message: 7, Addr: "kim@example.test", Issued: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	code := oneClick(t, nil, "http://"+edgeAddr+"/u/"+tok)
	_ = c.cmd.Process.Signal(syscall.SIGKILL) // right after the 200
	if code != 200 {
		t.Fatalf("one-click: %d", code)
	}
	_ = c.cmd.Wait()

	startChild(t, "serve", path, submitAddr)
	var out, errb bytes.Buffer
	if code := runCtl([]string{"--admin", adminAddr, "--token", "t0ken", "suppress", "list", "--tenant", "dev"}, &out, &errb); code != 0 {
		t.Fatalf("ctl: %s", errb.String())
	}
	if !strings.Contains(out.String(), "kim@example.test") || !strings.Contains(out.String(), "marketing") {
		t.Fatalf("unsubscribe lost in the crash:\n%s", out.String())
	}
}
