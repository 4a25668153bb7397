package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is the sluice subprocess.
type proc struct {
	cmd        *exec.Cmd
	submitAddr string
	metricsURL string
	done       chan struct{} // closed once it exited
	exit       int
	http       *http.Client
}

// config is sluice's configuration: loopback listeners, delivery to the
// world's DNS server and sink, one tenant that trusted loopback clients
// submit as, and limits that admit the hostile shapes.
const config = `hostname = "sluice.rss.test"
data_dir = %q

[log]
level = "warn"

[submission]
listen = "127.0.0.1:%d"
trusted_networks = ["127.0.0.0/8"]
trusted_tenant = "bench"
max_message_bytes = %d
max_recipients = %d

[inbound]
listen = "127.0.0.1:%d"

[tracking]
listen = "127.0.0.1:%d"

[admin]
listen = "127.0.0.1:%d"

[delivery]
resolvers = [%q]
port = %d

[[tenant]]
name = "bench"
password_hash = %q
sender_domains = ["bench.example"]
`

// startSluice writes the config into work and starts `sluice serve`; it
// returns once the submission listener accepts connections (20 s at most).
func startSluice(ctx context.Context, o options, w *world, work string) (*proc, error) {
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
	cfg := fmt.Sprintf(config, filepath.Join(work, "data"), ports[0], o.size+o.header+(1<<20), o.rcpts,
		ports[1], ports[2], ports[3], w.dns.Addr(), w.sink.Port(), hash)
	cfgPath := filepath.Join(work, "sluice.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(work, "sluice.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(o.sluice, "serve", "--config", cfgPath)
	cmd.Env = append(os.Environ(), o.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlives us
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start sluice: %w", err)
	}
	p := &proc{
		cmd:        cmd,
		submitAddr: fmt.Sprintf("127.0.0.1:%d", ports[0]),
		metricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", ports[3]),
		done:       make(chan struct{}),
		http:       &http.Client{Timeout: 10 * time.Second},
	}
	go func() {
		err := cmd.Wait()
		logf.Close()
		p.exit = exitCode(err)
		close(p.done)
	}()
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

// sample is one reading of sluice's memory, in kB (gcs: GC cycles so far).
type sample struct {
	rss, hwm, anon, file                int64
	heapInuse, heapIdle, heapRel, goSys int64
	gcs                                 int64
}

func (s sample) String() string {
	return fmt.Sprintf("VmRSS %d MB (anon %d, file %d), VmHWM %d MB, Go heap in use %d MB, idle %d MB (released %d MB)",
		s.rss>>10, s.anon>>10, s.file>>10, s.hwm>>10, s.heapInuse>>10, s.heapIdle>>10, s.heapRel>>10)
}

// row is the table row of s, in MB; a GC since the previous row is
// marked with its count.
func (s sample) row() string {
	return fmt.Sprintf("%8d %8d %8d %8d %10d %10d %10d %10d   gc#%d",
		s.rss>>10, s.hwm>>10, s.anon>>10, s.file>>10, s.heapInuse>>10, s.heapIdle>>10, s.heapRel>>10, s.goSys>>10, s.gcs)
}

// sample reads /proc/PID/status and the Go runtime's figures from the
// admin /metrics (go_memstats_*: runtime.ReadMemStats when scraped).
func (p *proc) sample() (sample, error) {
	var s sample
	mem, err := procStatus(p.cmd.Process.Pid)
	if err != nil {
		return s, err
	}
	s.rss, s.hwm, s.anon, s.file = mem["VmRSS"], mem["VmHWM"], mem["RssAnon"], mem["RssFile"]
	resp, err := p.http.Get(p.metricsURL)
	if err != nil {
		return s, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			continue
		}
		switch name {
		case "go_memstats_heap_inuse_bytes":
			s.heapInuse = int64(f) >> 10
		case "go_memstats_heap_idle_bytes":
			s.heapIdle = int64(f) >> 10
		case "go_memstats_heap_released_bytes":
			s.heapRel = int64(f) >> 10
		case "go_memstats_sys_bytes":
			s.goSys = int64(f) >> 10
		case "go_gc_duration_seconds_count":
			s.gcs = int64(f)
		}
	}
	return s, sc.Err()
}

// procStatus reads the kB figures of /proc/PID/status.
func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil, err
	}
	mem := map[string]int64{}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		k, v, ok := strings.Cut(string(line), ":")
		if !ok || !strings.HasSuffix(v, " kB") {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, " kB")), 10, 64); err == nil {
			mem[k] = n
		}
	}
	if _, ok := mem["VmRSS"]; !ok {
		return nil, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
	}
	return mem, nil
}

// terminate sends SIGTERM and waits up to grace for the exit (then
// SIGKILLs).
func (p *proc) terminate(grace time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.kill()
	}
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
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return string(bytes.TrimSpace(b))
}
