package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// proc is the sluice subprocess.
type proc struct {
	cmd        *exec.Cmd
	submitAddr string
	done       chan struct{} // closed once it exited
	exit       int
}

// startSluice writes the config into work and starts `sluice serve`; it
// returns once the submission listener accepts connections (20 s at most).
func startSluice(ctx context.Context, o options, w *world, work string, logw io.Writer) (*proc, error) {
	hash, err := passwordHash(ctx, o.sluice)
	if err != nil {
		return nil, err
	}
	var ports [4]int
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	cfg := fmt.Sprintf(`hostname = "sluice.hol.test"
data_dir = %q

[log]
level = "warn"

[submission]
listen = "127.0.0.1:%d"
trusted_networks = ["127.0.0.0/8"]
trusted_tenant = "bench"

[inbound]
listen = "127.0.0.1:%d"

[tracking]
listen = "127.0.0.1:%d"

[admin]
listen = "127.0.0.1:%d"

[delivery]
# MX answers come from holbench's DNS server; every MX host is 127.0.0.1
# and the sink listens on this port.
resolvers = [%q]
port = %d

[[tenant]]
name = "bench"
password_hash = %q
sender_domains = ["bench.example"]
`, filepath.Join(work, "data"), ports[0], ports[1], ports[2], ports[3], w.dns.Addr(), w.sink.Port(), hash)
	cfgPath := filepath.Join(work, "sluice.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(work, "sluice.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(o.sluice, "serve", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlives us
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start sluice: %w", err)
	}
	p := &proc{cmd: cmd, submitAddr: fmt.Sprintf("127.0.0.1:%d", ports[0]), done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		logf.Close()
		p.exit = exitCode(err)
		close(p.done)
	}()
	fmt.Fprintf(logw, "holbench: sluice pid %d, submission %s, sink %s, dns %s\n", cmd.Process.Pid, p.submitAddr, w.sink.Addr(), w.dns.Addr())
	for range 200 { // 20 s
		select {
		case <-p.done:
			return nil, fmt.Errorf("sluice exited %d at start-up: %s", p.exit, tail(filepath.Join(work, "sluice.log")))
		case <-ctx.Done():
			p.kill()
			return nil, ctx.Err()
		default:
		}
		if c, err := net.DialTimeout("tcp", p.submitAddr, time.Second); err == nil {
			c.Close()
			return p, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.kill()
	return nil, errors.New("sluice did not listen within 20 s")
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// terminate sends SIGTERM and waits up to grace for the exit (then
// SIGKILLs); it returns the exit status (-1 when killed by a signal).
func (p *proc) terminate(grace time.Duration) int {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.kill()
	}
	return p.exit
}

// kill SIGKILLs the process if it still runs and waits for it.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	default:
		return -1
	}
}

// passwordHash runs `sluice hash-password` (the tenant needs one, though
// trusted loopback submission never uses it).
func passwordHash(ctx context.Context, bin string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "hash-password")
	cmd.Stdin = strings.NewReader("bench-password\n")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("sluice hash-password: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// freePort returns a loopback port nobody listened on a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return string(bytes.TrimSpace(b))
}

// monitor samples sluice's memory and the spool's size every 200 ms.
type monitor struct {
	pid, dir  string
	hwm, rss  atomic.Int64 // kB
	anonPeak  atomic.Int64 // kB, RssAnon (heap, stacks)
	filePeak  atomic.Int64 // kB, RssFile (mapped files: bbolt's mmap)
	spool     atomic.Int64 // kB, latest
	spoolPeak atomic.Int64 // kB
	quit      chan struct{}
	once      sync.Once
	wg        sync.WaitGroup
}

func startMonitor(pid int, dir string) *monitor {
	m := &monitor{pid: strconv.Itoa(pid), dir: dir, quit: make(chan struct{})}
	m.sample()
	m.wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-m.quit:
				return
			case <-t.C:
				m.sample()
			}
		}
	})
	return m
}

func (m *monitor) sample() {
	if mem, ok := procMem(m.pid); ok {
		storeMax(&m.hwm, mem["VmHWM"])
		m.rss.Store(mem["VmRSS"])
		storeMax(&m.anonPeak, mem["RssAnon"])
		storeMax(&m.filePeak, mem["RssFile"])
	}
	kb := dirKB(m.dir)
	m.spool.Store(kb)
	storeMax(&m.spoolPeak, kb)
}

func (m *monitor) stop() {
	m.once.Do(func() { close(m.quit) })
	m.wg.Wait()
}

func (m *monitor) peakRSS() int64   { return m.hwm.Load() }
func (m *monitor) rssNow() int64    { return m.rss.Load() }
func (m *monitor) peakAnon() int64  { return m.anonPeak.Load() }
func (m *monitor) peakFile() int64  { return m.filePeak.Load() }
func (m *monitor) peakSpool() int64 { return m.spoolPeak.Load() }
func (m *monitor) spoolNow() int64  { return dirKB(m.dir) }

// procMem reads the kB figures of /proc/PID/status (VmHWM, VmRSS,
// RssAnon, RssFile…); ok once VmHWM was there.
func procMem(pid string) (mem map[string]int64, ok bool) {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return nil, false
	}
	defer f.Close()
	mem = map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, found := strings.Cut(sc.Text(), ":")
		if !found || !strings.HasSuffix(v, " kB") {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, " kB")), 10, 64); err == nil {
			mem[k] = n
		}
	}
	_, ok = mem["VmHWM"]
	return mem, ok
}

// dirKB is the disk space (allocated blocks) of the files under dir, kB.
func dirKB(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				total += st.Blocks * 512
			}
		}
		return nil
	})
	return total / 1024
}

// machineLoad is the load average and CPU pressure, for the noise note.
func machineLoad() string {
	la, _ := os.ReadFile("/proc/loadavg")
	s := "load average " + strings.Join(strings.Fields(string(la))[:min(3, len(strings.Fields(string(la))))], " ")
	if psi, err := os.ReadFile("/proc/pressure/cpu"); err == nil {
		if f := strings.Fields(strings.SplitN(string(psi), "\n", 2)[0]); len(f) >= 3 {
			s += ", CPU pressure " + f[1] + " " + f[2]
		}
	}
	return s
}
