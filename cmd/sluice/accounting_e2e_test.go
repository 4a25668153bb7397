package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/mtatest"
	"sluice/tracking/events"
)

// accountingLine is what the test reads of an accounting line.
type accountingLine struct {
	Seq    uint64 `json:"seq"`
	Type   string `json:"type"`
	Tenant string `json:"tenant"`
	MsgID  string `json:"msgid"`
	Index  uint32 `json:"rcpt_index"`
}

// readAccounting reads every line of the current accounting file.
func readAccounting(t *testing.T, dir string) []accountingLine {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "accounting.jsonl"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []accountingLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l accountingLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("accounting line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var backlogMetric = regexp.MustCompile(`(?m)^sluice_accounting_backlog (\d+)$`)

// TestAccountingSurvivesKill runs `sluice serve` with [accounting] on,
// SIGKILLs it in the middle of a load, restarts it, and checks that the
// accounting log holds exactly one line per reception and per delivery
// the events store holds (which the crash test holds to the spool's):
// none lost, none doubled, sequences strictly increasing.
func TestAccountingSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Data: func(mtatest.Received) error {
		time.Sleep(2 * time.Millisecond) // keep some mail in flight at the kill
		return nil
	}})
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	submitAddr, adminAddr := freeAddr(t), freeAddr(t)
	config := fmt.Sprintf(`data_dir = %q
hostname = "acct.sluice.test"
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
[accounting]
enabled = true
[[tenant]]
name = "load"
password_hash = %q
sender_domains = ["load.example"]
[[route]]
domain = "*"
host = %q
`, data, submitAddr, freeAddr(t), freeAddr(t), adminAddr, hashFor(t, "x"), sink.Addr())
	configPath := filepath.Join(dir, "sluice.toml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	c := startChild(t, "serve", configPath, submitAddr)
	const sessions, perSession, killAfter = 4, 150, 300
	var nAccepted atomic.Int64
	var wg sync.WaitGroup
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
				msg := fmt.Sprintf("From: a@load.example\r\nTo: r%d@dest.example\r\nSubject: %d\r\n\r\nbody\r\n", seq, seq)
				if err := sendOne(cl, "a@load.example", fmt.Sprintf("r%d@dest.example", seq), msg); err != nil {
					return // the server died
				}
				if nAccepted.Add(1) == killAfter {
					killOnce.Do(func() { _ = c.cmd.Process.Signal(syscall.SIGKILL) })
				}
			}
		}(s)
	}
	wg.Wait()
	_ = c.cmd.Wait()
	accepted := int(nAccepted.Load())
	if accepted < killAfter {
		t.Fatalf("only %d accepted before the kill", accepted)
	}
	killedLines := len(readAccounting(t, filepath.Join(data, "accounting")))

	// Restart: everything accepted is delivered, and the log catches up.
	c2 := startChild(t, "serve", configPath, submitAddr)
	deadline := time.Now().Add(60 * time.Second)
	for {
		delivered := 0
		for _, l := range readAccounting(t, filepath.Join(data, "accounting")) {
			if l.Type == "delivered" {
				delivered++
			}
		}
		m := backlogMetric.FindStringSubmatch(scrape(t, "http://"+adminAddr+"/metrics"))
		if delivered >= accepted && m != nil && m[1] == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("accounting log has %d delivered lines of %d accepted; backlog %v\n%s", delivered, accepted, m, c2.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := c2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c2.cmd.Wait(); err != nil {
		t.Fatalf("sluice serve exited with %v after SIGTERM\n%s", err, c2.logs.String())
	}
	checkEventsMatchSpool(t, data, "load", accepted)

	lines := readAccounting(t, filepath.Join(data, "accounting"))
	count := map[string]uint64{}
	seen := map[string]bool{}
	var last uint64
	for i, l := range lines {
		if i > 0 && l.Seq <= last {
			t.Fatalf("line %d: seq %d after %d", i, l.Seq, last)
		}
		last = l.Seq
		key := l.Type + " " + l.MsgID + " " + strconv.Itoa(int(l.Index))
		if seen[key] {
			t.Fatalf("line %d doubled: %s", i, key)
		}
		seen[key] = true
		count[l.Type]++
	}
	ev, err := events.Open(filepath.Join(data, "events.db"), events.Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close(context.Background())
	st, err := ev.Stats("load", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("accepted=%d lines at the kill=%d, after restart=%d: sent=%d delivered=%d failed=%d; events sent=%d delivered=%d failed=%d",
		accepted, killedLines, len(lines), count["sent"], count["delivered"], count["failed"], st.Sent, st.Delivered, st.Failed)
	if count["sent"] != st.Sent || count["delivered"] != st.Delivered || count["failed"] != st.Failed {
		t.Fatalf("accounting lines sent=%d delivered=%d failed=%d, events sent=%d delivered=%d failed=%d",
			count["sent"], count["delivered"], count["failed"], st.Sent, st.Delivered, st.Failed)
	}
}
