// Package redistest runs a real redis-server for tests: one process per
// test on a loopback port in t.TempDir(), which a test can SIGKILL and
// restart on the same port, with its data (Persistent) or empty.
//
// The binary comes from the Debian package redis-server (.ci/run installs
// it); where it is missing, Start skips the test with a loud message.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/mta/mtatest"
)

// Config shapes the server. The zero value is an in-memory server
// (--save "" --appendonly no).
type Config struct {
	// Persistent keeps the data across Kill and Restart: an append-only
	// file fsync'd on every write.
	Persistent bool
	// Password, when set, is required (requirepass).
	Password string
}

// Server is one redis-server process.
type Server struct {
	t    testing.TB
	cfg  Config
	bin  string
	dir  string
	Addr string // host:port, the same across restarts

	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{}
}

// Start runs a redis-server for t (stopped at cleanup). It skips t when
// the binary is missing.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("SKIPPING: redis-server is not installed (Debian package redis-server; .ci/run installs it): fleet tests need a real Redis")
	}
	s := &Server{t: t, cfg: cfg, bin: bin, dir: t.TempDir()}
	t.Cleanup(s.Kill)
	var last error
	for range 5 {
		s.Addr = mtatest.FreeAddr(t)
		if last = s.start(); last == nil {
			return s
		}
	}
	t.Fatalf("redistest: start redis-server: %v", last)
	return nil
}

// URL is the redis:// URL of the server (with its password, if any).
func (s *Server) URL() string {
	if s.cfg.Password != "" {
		return "redis://:" + s.cfg.Password + "@" + s.Addr + "/0"
	}
	return "redis://" + s.Addr + "/0"
}

func (s *Server) start() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	args := []string{"--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning",
		"--logfile", filepath.Join(s.dir, "redis.log")}
	if s.cfg.Persistent {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	if s.cfg.Password != "" {
		args = append(args, "--requirepass", s.cfg.Password)
	}
	cmd := exec.Command(s.bin, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", s.bin, err)
	}
	exit := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exit) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exit:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server exited at start: %s", strings.TrimSpace(string(log)))
		default:
		}
		if s.ping() == nil {
			s.mu.Lock()
			s.cmd, s.exit = cmd, exit
			s.mu.Unlock()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-exit
	return fmt.Errorf("redis-server on %s did not answer PING within 10s", s.Addr)
}

// ping sends PING (after AUTH when needed) and waits for PONG; a server
// still loading its append-only file answers -LOADING, not PONG.
func (s *Server) ping() error {
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	r := bufio.NewReader(c)
	if s.cfg.Password != "" {
		fmt.Fprintf(c, "AUTH %s\r\n", s.cfg.Password)
		if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
			return fmt.Errorf("auth: %q %v", line, err)
		}
	}
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("ping: %q", strings.TrimSpace(line))
	}
	return nil
}

// Kill stops the server with SIGKILL (no shutdown save) and waits for it.
// Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, exit := s.cmd, s.exit
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exit
}

// Restart kills the server if it runs and starts it again on the same
// port, with its data when Persistent (an in-memory server comes back
// empty).
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// RestartEmpty kills the server and starts it again on the same port with
// no data, as after a restart without persistence or a failover to an
// empty replica.
func (s *Server) RestartEmpty() {
	s.t.Helper()
	s.Kill()
	entries, _ := os.ReadDir(s.dir)
	for _, e := range entries {
		if e.Name() != "redis.log" {
			_ = os.RemoveAll(filepath.Join(s.dir, e.Name()))
		}
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart empty: %v", err)
	}
}

// Do sends one command and returns its first reply line and any bulk
// payload (enough for INFO, DBSIZE, FLUSHALL, CONFIG SET in tests).
func (s *Server) Do(ctx context.Context, args ...string) (string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	if s.cfg.Password != "" {
		if _, err := readReply(c, r, "AUTH", s.cfg.Password); err != nil {
			return "", err
		}
	}
	return readReply(c, r, args...)
}

func readReply(c net.Conn, r *bufio.Reader, args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "-"):
		return "", fmt.Errorf("redis: %s", line[1:])
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return line[1:], nil
}

// Commands returns the number of commands the server has executed since
// it started (INFO commandstats, summed), minus INFO and AUTH (its own): the way a
// test proves that a code path issued none.
func (s *Server) Commands(ctx context.Context) (int64, error) {
	info, err := s.Do(ctx, "INFO", "commandstats")
	if err != nil {
		return 0, err
	}
	var total int64
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok || name == "cmdstat_info" || name == "cmdstat_auth" {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		v, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("redistest: commandstats line %q: %w", line, err)
		}
		total += v
	}
	return total, nil
}
