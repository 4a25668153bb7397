package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
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

// writeConfig writes a config for a node on o.data: every listener on a
// free loopback port, loopback submission trusted (no AUTH), everything
// routed to the sink (the slow sites to slowAddr, their own host). It
// returns the config's path and the submission address.
func writeConfig(ctx context.Context, o options, sinkPort int, slowAddr string) (string, string, error) {
	hash, err := passwordHash(ctx, o.sluice)
	if err != nil {
		return "", "", err
	}
	var ports [4]int
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return "", "", err
		}
	}
	cfg := fmt.Sprintf(`hostname = "sluice.deep.test"
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
resolvers = ["127.0.0.1:53"]

[[tenant]]
name = "bench"
password_hash = %q
sender_domains = ["bench.example"]

[[route]]
domain = "*"
host = "127.0.0.1:%d"
`, o.data, ports[0], ports[1], ports[2], ports[3], hash, sinkPort)
	for i := range o.slow {
		cfg += fmt.Sprintf("\n[[route]]\ndomain = \"d%d.deep.test\"\nhost = %q\n", i, slowAddr)
	}
	path := filepath.Join(o.work, "drainbench.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		return "", "", err
	}
	return path, fmt.Sprintf("127.0.0.1:%d", ports[0]), nil
}

// proc is the sluice subprocess.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	exit int
}

func startProc(bin, cfg, logPath string) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--config", cfg)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start sluice: %w", err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		logf.Close()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			p.exit = ee.ExitCode()
		default:
			p.exit = -1
		}
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// cpu returns the CPU time (user + system) the process used so far, from
// /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s: Linux's
// USER_HZ); 0 when it cannot be read.
func (p *proc) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid()))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(u+s) * 10 * time.Millisecond
}

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

func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

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

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// monitor samples /proc/PID/status every 100 ms.
type monitor struct {
	pid                                 string
	hwm, anon, anonPeak, file, filePeak atomic.Int64 // kB
	quit                                chan struct{}
	once                                sync.Once
	wg                                  sync.WaitGroup
}

func startMonitor(pid int) *monitor {
	m := &monitor{pid: strconv.Itoa(pid), quit: make(chan struct{})}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.quit:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *monitor) stop() {
	m.once.Do(func() { close(m.quit) })
	m.wg.Wait()
}

func (m *monitor) sample() {
	f, err := os.Open("/proc/" + m.pid + "/status")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmHWM":
			storeMax(&m.hwm, n)
		case "RssAnon":
			m.anon.Store(n)
			storeMax(&m.anonPeak, n)
		case "RssFile":
			m.file.Store(n)
			storeMax(&m.filePeak, n)
		}
	}
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}
