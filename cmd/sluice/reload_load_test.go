package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-smtp"

	"sluice/dkim"
	"sluice/mta/mtatest"
)

// loadRun is the submitting side of TestSIGHUPDuringLoad: clients that
// submit continuously, each message numbered, what got a 250 recorded.
type loadRun struct {
	addr string
	seq  atomic.Int64
	stop chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	accepted map[int]string // seq → tenant, for every 250
	errs     []string       // what a client saw that it should not have

	// aRemoval is set just before the SIGHUP that removes acme: from then
	// on a 535 to AUTH as acme, or a 421 to the MAIL of a session open
	// across its removal, is expected; aRefused records one.
	aRemoval, aRefused atomic.Bool
}

var loadSeq = regexp.MustCompile(`(?m)^X-Test-Seq: (\d+)\r$`)

// dialAuth opens a STARTTLS session and authenticates as user.
func dialAuth(addr, user string) (*smtp.Client, error) {
	c, err := smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	if err := c.Auth(saslPlain(user, testPassword)); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (l *loadRun) count(tenant string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, t := range l.accepted {
		if t == tenant || tenant == "" {
			n++
		}
	}
	return n
}

func (l *loadRun) fail(format string, args ...any) {
	l.mu.Lock()
	l.errs = append(l.errs, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

// client submits as user from domain until stop, in sessions of
// perSession messages (so AUTH is asked again across the reloads).
// Everything but acme's expected 535 after its removal is an error.
func (l *loadRun) client(user, domain string, perSession int) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for {
			select {
			case <-l.stop:
				return
			default:
			}
			c, err := dialAuth(l.addr, user)
			if err != nil {
				if user == "acme" && l.aRemoval.Load() && isCode(err, 535) {
					l.aRefused.Store(true)
					return
				}
				l.fail("%s: session: %v", user, err)
				return
			}
			for range perSession {
				seq := int(l.seq.Add(1))
				from := "app@" + domain
				msg := fmt.Sprintf("From: %s\r\nTo: r%d@example.test\r\nSubject: load %d\r\nX-Test-Seq: %d\r\n\r\nbody %d\r\n",
					from, seq, seq, seq, seq)
				if err := sendOne(c, from, fmt.Sprintf("r%d@example.test", seq), msg); err != nil {
					c.Close()
					// A session open when acme was removed is cut at its
					// next MAIL (421 4.7.0: credentials no longer valid).
					if user == "acme" && l.aRemoval.Load() && isCode(err, 421) {
						l.aRefused.Store(true)
						return
					}
					l.fail("%s: message %d: %v", user, seq, err)
					return
				}
				l.mu.Lock()
				l.accepted[seq] = user
				l.mu.Unlock()
			}
			if err := c.Quit(); err != nil {
				l.fail("%s: QUIT: %v", user, err)
				return
			}
		}
	}()
}

// TestSIGHUPDuringLoad runs `sluice serve` as a process and, while
// clients submit continuously over STARTTLS+AUTH, rewrites its config and
// sends it real SIGHUPs: tenant bee added with a new DKIM key, then acme
// removed, then a reload of the same file, then a config that does not
// validate. Afterwards: bee submitted and its mail is signed with the new
// key (verified with it), acme is refused at AUTH (535) or, on a
// session open across its removal, at its next MAIL (421), and nothing
// else, every message that got a 250 reached the sink (0 lost), no
// client saw a reset or any other 4xx/5xx, and the invalid config was
// refused with a log line while the node kept serving under the old one.
func TestSIGHUPDuringLoad(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	received := map[int][]byte{}
	sink := mtatest.NewSink(t, mtatest.SinkOptions{TLS: true, Data: func(r mtatest.Received) error {
		m := loadSeq.FindSubmatch(r.Data)
		if m == nil {
			return errors.New("no X-Test-Seq")
		}
		n, _ := strconv.Atoi(string(m[1]))
		mu.Lock()
		received[n] = r.Data
		mu.Unlock()
		return nil
	}})
	dir := t.TempDir()
	key, err := dkim.GenerateKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "bee.key")
	if err := dkim.WritePrivateKey(keyFile, key); err != nil {
		t.Fatal(err)
	}
	submitAddr := freeAddr(t)
	base := fmt.Sprintf(`data_dir = %q
hostname = "hup.sluice.test"
[submission]
listen = %q
[inbound]
listen = %q
[tracking]
listen = %q
[admin]
listen = %q
[queue]
retry_first = "200ms"
retry_max = "1s"
[[route]]
domain = "*"
host = %q
`, filepath.Join(dir, "data"), submitAddr, freeAddr(t), freeAddr(t), freeAddr(t), sink.Addr())
	steady, acme := tenantTOML(t, "steady", "steady.example"), tenantTOML(t, "acme", "acme.example")
	bee := tenantTOML(t, "bee", "bee.example") +
		fmt.Sprintf("[[dkim.key]]\ndomain = \"bee.example\"\nselector = \"hup\"\nfile = %q\n", keyFile)
	path := filepath.Join(dir, "sluice.toml")
	write := func(more string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(base+more), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(steady + acme)
	child := startChild(t, "serve", path, submitAddr)
	hup := func(logLine string, n int) {
		t.Helper()
		if err := child.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 15*time.Second, func() bool { return strings.Count(child.logs.String(), logLine) >= n })
	}

	l := &loadRun{addr: submitAddr, stop: make(chan struct{}), accepted: map[int]string{}}
	progress := func(tenant string, more int) {
		t.Helper()
		want := l.count(tenant) + more
		waitFor(t, 15*time.Second, func() bool { return l.count(tenant) >= want })
	}
	for range 3 {
		l.client("steady", "steady.example", 5)
	}
	l.client("acme", "acme.example", 3)
	progress("acme", 10)

	write(steady + acme + bee) // bee added, with its key
	hup("config reloaded", 1)
	l.client("bee", "bee.example", 3)
	progress("bee", 10)

	l.aRemoval.Store(true)
	write(steady + bee) // acme removed
	hup("config reloaded", 2)
	waitFor(t, 15*time.Second, l.aRefused.Load)
	progress("", 20)

	hup("config reloaded", 3) // the same file again: nothing changes
	progress("", 20)

	write(steady + acme + bee + "[[delivery.tls_policy]]\ndomain = \"x.test\"\nmode = \"bogus\"\n")
	hup("reload failed", 1)
	progress("bee", 5) // still serving under the old config
	if _, err := dialAuth(submitAddr, "acme"); !isCode(err, 535) {
		t.Errorf("AUTH as acme after a refused reload that would bring it back: %v, want 535", err)
	}
	close(l.stop)
	l.wg.Wait()

	if len(l.errs) > 0 {
		t.Fatalf("clients saw %d errors, the first: %q", len(l.errs), l.errs[:min(5, len(l.errs))])
	}
	logs := child.logs.String()
	if !regexp.MustCompile(`reload failed.*delivery\.tls_policy`).MatchString(logs) {
		t.Errorf("the refused reload's log line does not name delivery.tls_policy")
	}

	// 0 lost: every 250 reaches the sink.
	want := l.count("")
	var lost []int
	waitFor(t, 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		lost = lost[:0]
		for seq := range l.accepted {
			if _, ok := received[seq]; !ok {
				lost = append(lost, seq)
			}
		}
		return len(lost) == 0
	})
	t.Logf("accepted %d (bee %d, acme %d), lost %d, reloads 3 + 1 refused", want, l.count("bee"), l.count("acme"), len(lost))

	// bee's mail is signed with the new key, verified with it.
	txt, err := dkim.TXTValue(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	opts := &msgauth.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		if strings.EqualFold(strings.TrimSuffix(name, "."), "hup._domainkey.bee.example") {
			return []string{txt}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}}
	mu.Lock()
	defer mu.Unlock()
	for seq, tenant := range l.accepted {
		if tenant != "bee" {
			continue
		}
		vs, err := msgauth.VerifyWithOptions(bytes.NewReader(received[seq]), opts)
		if err != nil || len(vs) == 0 || vs[0].Err != nil || vs[0].Domain != "bee.example" {
			t.Fatalf("bee's message %d: verifications %+v, %v; want a valid signature by bee.example's new key", seq, vs, err)
		}
	}
}
