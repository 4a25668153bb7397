package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/configs"
	"sluice/mta/mtatest"
	"sluice/queue"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// TestMain lets the test binary double as the sluice binary: a child
// started with SLUICE_TEST_CHILD set runs `sluice <args>` and exits. The
// crash test uses it to run a real `sluice serve` process it can SIGKILL.
func TestMain(m *testing.M) {
	if args := os.Getenv("SLUICE_TEST_CHILD"); args != "" {
		os.Exit(run(strings.Fields(args), os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string { return mtatest.FreeAddr(t) }

// writeConfig writes a config file for a child process at path and
// returns path and the keyring that config's tracking tokens use.
func writeConfig(t *testing.T, path, text string) (string, *token.Keyring) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := configs.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := cfg.Keyring()
	if err != nil {
		t.Fatal(err)
	}
	return path, kr
}

// child is a sluice subcommand run as a separate process: the test binary
// itself, which TestMain turns into sluice when SLUICE_TEST_CHILD is set.
type child struct {
	cmd  *exec.Cmd
	logs *syncBuffer
}

// startChild runs `sluice <command> --config configPath` as a child and
// waits until it accepts connections on listenAddr; it is killed when the
// test ends.
func startChild(t *testing.T, command, configPath, listenAddr string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SLUICE_TEST_CHILD="+command+" --config "+configPath)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, logs: logs}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", listenAddr, time.Second)
		if err == nil {
			conn.Close()
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluice %s did not start listening on %s: %v\n%s", command, listenAddr, err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var seqHeader = regexp.MustCompile(`(?m)^X-Test-Seq: (\d+)\r$`)

// TestCrashLosesNothing runs `sluice serve` as a process, SIGKILLs it in
// the middle of a load of thousands of messages, restarts it, and checks
// that every message that got a 250 is delivered. Duplicates are allowed
// (only for messages in flight at the kill) and reported.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	var mu sync.Mutex
	received := map[int]int{}
	var corrupt atomic.Int64
	// One message in four is ~29 KB, over the spool's segment threshold
	// (16 KiB): its body lives in a segment file, the rest in bbolt.
	line := []byte(strings.Repeat("0123456789", 7) + "\r\n")
	lines := func(seq int) int {
		if seq%4 == 0 {
			return 400
		}
		return 70
	}
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Data: func(r mtatest.Received) error {
		// A slow receiver, so that thousands of messages are queued or in
		// flight when the kill comes.
		time.Sleep(10 * time.Millisecond)
		m := seqHeader.FindSubmatch(r.Data)
		if m == nil {
			return fmt.Errorf("no X-Test-Seq")
		}
		n, _ := strconv.Atoi(string(m[1]))
		if bytes.Count(r.Data, line) != lines(n) {
			corrupt.Add(1)
		}
		mu.Lock()
		received[n]++
		mu.Unlock()
		return nil
	}})
	dir := t.TempDir()
	submitAddr := freeAddr(t)
	config := fmt.Sprintf(`data_dir = %q
hostname = "crash.sluice.test"
[log]
level = "warn"
[submission]
listen = %q
trusted_networks = ["127.0.0.0/8"]
trusted_tenant = "load"
[inbound]
listen = %q
[tracking]
listen = %q
[admin]
listen = %q
[queue]
retry_first = "500ms"
retry_max = "1s"
[[tenant]]
name = "load"
password_hash = %q
sender_domains = ["load.example"]
[[route]]
domain = "*"
host = %q
`, filepath.Join(dir, "data"), submitAddr, freeAddr(t), freeAddr(t), freeAddr(t), hashFor(t, "x"), sink.Addr())
	configPath := filepath.Join(dir, "sluice.toml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	c := startChild(t, "serve", configPath, submitAddr)
	const sessions, perSession, killAfter = 8, 500, 1500
	var accepted sync.Map
	var nAccepted atomic.Int64
	var wg sync.WaitGroup
	killed := make(chan struct{})
	var killOnce sync.Once
	for s := 0; s < sessions; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			cl, err := smtp.Dial(submitAddr)
			if err != nil {
				return
			}
			defer cl.Close()
			for i := 0; i < perSession; i++ {
				seq := s*perSession + i
				msg := fmt.Sprintf("From: a@load.example\r\nTo: b@dest.example\r\nSubject: %d\r\nX-Test-Seq: %d\r\n\r\n%s\r\n",
					seq, seq, bytes.Repeat(line, lines(seq)))
				if err := sendOne(cl, "a@load.example", fmt.Sprintf("r%d@dest.example", seq), msg); err != nil {
					if os.Getenv("SLUICE_TEST_LOGS") != "" {
						fmt.Println("send:", err)
					}
					return // the server died: a message without a 250 is not ours to deliver
				}
				accepted.Store(seq, true)
				if nAccepted.Add(1) == killAfter {
					killOnce.Do(func() {
						_ = c.cmd.Process.Signal(syscall.SIGKILL)
						close(killed)
					})
				}
			}
		}(s)
	}
	wg.Wait()
	select {
	case <-killed:
	default:
		t.Fatalf("load finished (%d accepted) before the kill", nAccepted.Load())
	}
	_ = c.cmd.Wait()
	beforeRestart, _ := sink.Count()

	c2 := startChild(t, "serve", configPath, submitAddr)
	want := int(nAccepted.Load())
	deadline := time.Now().Add(60 * time.Second)
	var lost []int
	for {
		lost = lost[:0]
		mu.Lock()
		accepted.Range(func(k, _ any) bool {
			if received[k.(int)] == 0 {
				lost = append(lost, k.(int))
			}
			return true
		})
		mu.Unlock()
		if len(lost) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	dups := 0
	for _, n := range received {
		if n > 1 {
			dups += n - 1
		}
	}
	mu.Unlock()
	t.Logf("accepted=%d delivered_before_kill=%d lost=%d duplicates=%d", want, beforeRestart, len(lost), dups)
	fmt.Printf("crash test: accepted=%d lost=%d duplicates=%d\n", want, len(lost), dups)
	if len(lost) > 0 {
		t.Fatalf("lost %d accepted messages after SIGKILL and restart (first: %v)\n%s", len(lost), lost[:min(10, len(lost))], c2.logs.String())
	}
	if n := corrupt.Load(); n > 0 {
		t.Fatalf("%d messages delivered with a body other than the one submitted", n)
	}

	// SIGTERM: clean shutdown, exit 0.
	if err := c2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c2.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sluice serve exited with %v after SIGTERM\n%s", err, c2.logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sluice serve did not exit within 30s of SIGTERM")
	}
	checkEventsMatchSpool(t, filepath.Join(dir, "data"), "load", want)
}

// checkEventsMatchSpool opens the stopped node's spool and events store
// and checks that the events hold every reception and outcome the spool
// committed, once: sent = every recipient the spool accepted (at least
// accepted, those that got a 250; a kill may have cut a 250 off after the
// commit), delivered and failed = the spool's totals, and the journal is
// empty.
func checkEventsMatchSpool(t *testing.T, dataDir, tenant string, accepted int) {
	t.Helper()
	q, err := queue.Open(filepath.Join(dataDir, "spool.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ev, err := events.Open(filepath.Join(dataDir, "events.db"), events.Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close(context.Background())
	sp := q.Stats()
	st, err := ev.Stats(tenant, "")
	if err != nil {
		t.Fatal(err)
	}
	spoolRcpts := sp.Queued + sp.InFlight + sp.Deferred + sp.Delivered + sp.Failed
	t.Logf("spool: recipients=%d delivered=%d failed=%d journal=%d; events: sent=%d delivered=%d failed=%d",
		spoolRcpts, sp.Delivered, sp.Failed, q.JournalDepth(), st.Sent, st.Delivered, st.Failed)
	if int64(st.Sent) != spoolRcpts || int64(st.Delivered) != sp.Delivered || int64(st.Failed) != sp.Failed ||
		st.Sent < uint64(accepted) || q.JournalDepth() != 0 {
		t.Fatalf("events do not match the spool after kill -9 and restart: events sent=%d delivered=%d failed=%d; "+
			"spool recipients=%d (250s: %d) delivered=%d failed=%d, journal depth %d",
			st.Sent, st.Delivered, st.Failed, spoolRcpts, accepted, sp.Delivered, sp.Failed, q.JournalDepth())
	}
}

// sendOne runs one plaintext transaction on an open session.
func sendOne(c *smtp.Client, from, to, msg string) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	return w.Close()
}
