package queue

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The child of TestSegmentKill: it enqueues bodies of 2 KB to 120 KB
// (both sides of the segment threshold) from 8 goroutines into the spool
// at $SLUICE_SEGCRASH_SPOOL, printing "ack <id> <size>" once each Enqueue
// has returned (that is, once it would have been answered 250), until it
// is killed. With $SLUICE_SEGCRASH_AT=n it SIGKILLs itself in the n-th
// commit, after the batch's segments are fdatasync'd and before bbolt
// commits: the window where segments hold bytes no record names.
func TestSegmentKillChild(t *testing.T) {
	path := os.Getenv("SLUICE_SEGCRASH_SPOOL")
	if path == "" {
		t.Skip("the child of TestSegmentKill")
	}
	s, err := Open(path, Options{SegmentSize: 1 << 20})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	if at, _ := strconv.Atoi(os.Getenv("SLUICE_SEGCRASH_AT")); at > 0 {
		var n atomic.Int32
		s.beforeCommit = func() {
			if int(n.Add(1)) == at {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal is on its way
			}
		}
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := s.NewID()
				size := crashSize(id)
				m := &Message{ID: id, Tenant: "acme", From: "a@acme.example", Rcpts: []string{fmt.Sprintf("r%d@x.example", g)},
					Created: s.opts.Now(), Body: segBody(id, size)}
				if err := s.Enqueue(context.Background(), m); err != nil {
					fmt.Println("enqueue:", err)
					os.Exit(3)
				}
				out.Lock()
				fmt.Printf("ack %d %d\n", id, size)
				out.Unlock()
			}
		}()
	}
	wg.Wait()
}

// crashSize is the body size of message id in the crash test: mostly
// segment bodies, some small ones.
func crashSize(id ID) int {
	if id%5 == 0 {
		return 2000
	}
	return 20000 + int(id%100)*1000
}

// kill -9 at any point loses no acknowledged message and never returns a
// wrong body: a child process enqueues under load and is killed (by the
// test, at a random point; or by itself between the segment fdatasync and
// the bbolt commit); the reopened spool must hold every acknowledged
// message with its exact bytes, cut the uncommitted tail of its segments
// and remove the files no record names.
func TestSegmentKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Parallel()
	for _, c := range []struct {
		name   string
		at     int // the commit the child kills itself in; 0: the test kills it
		killAt int // acks after which the test kills it
	}{
		{"in the commit window", 40, 0},
		{"by the test", 0, 300},
		{"by the test, early", 0, 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "spool.db")
			acked := runCrashChild(t, path, c.at, c.killAt)
			if len(acked) == 0 {
				t.Fatal("the child acknowledged nothing")
			}
			checkAfterCrash(t, path, acked)
		})
	}
}

// runCrashChild runs the child until it dies of SIGKILL and returns the
// messages it acknowledged (id → size).
func runCrashChild(t *testing.T, path string, at, killAt int) map[ID]int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSegmentKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SLUICE_SEGCRASH_SPOOL="+path, "SLUICE_SEGCRASH_AT="+strconv.Itoa(at))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() }) // a backstop only
	defer timer.Stop()
	acked := map[ID]int{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "ack" {
			t.Errorf("child: %s", sc.Text())
			continue
		}
		id, _ := strconv.ParseUint(f[1], 10, 64)
		size, _ := strconv.Atoi(f[2])
		acked[ID(id)] = size
		if killAt > 0 && len(acked) == killAt {
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	err = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, not SIGKILL; stderr: %s", err, stderr.String())
	}
	return acked
}

// checkAfterCrash reopens the spool and checks every acknowledged message
// and every segment against its record.
func checkAfterCrash(t *testing.T, path string, acked map[ID]int) {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for id, size := range acked {
		got, err := s.Body(id)
		if err != nil {
			t.Fatalf("acknowledged message %s: %v", id, err)
		}
		if !bytes.Equal(got, segBody(id, size)) {
			t.Fatalf("acknowledged message %s: wrong body", id)
		}
	}
	// Every stored body, acknowledged or not (committed before the answer
	// reached the test), reads back exactly or not at all.
	var ids []ID
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketBody, bucketBodyRef} {
			if err := tx.Bucket(b).ForEach(func(k, _ []byte) error {
				ids = append(ids, ID(bytesToUint64(k)))
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		got, err := s.Body(id)
		if err != nil || !bytes.Equal(got, segBody(id, crashSize(id))) {
			t.Fatalf("stored message %s: %d bytes, %v", id, len(got), err)
		}
	}
	var recs map[uint32]segRec
	if err := s.db.View(func(tx *bolt.Tx) (err error) { recs, err = loadSegRecs(tx); return err }); err != nil {
		t.Fatal(err)
	}
	files := segFiles(t, path)
	if len(files) != len(recs) {
		t.Fatalf("segment files %v for records %v: orphans left", files, recs)
	}
	for num, rec := range recs {
		if size := files[fmt.Sprintf("seg-%08d", num)]; size != int64(rec.End) {
			t.Fatalf("segment %d: %d bytes on disk, committed end %d", num, size, rec.End)
		}
	}
	t.Logf("%d acknowledged, %d stored, %d segments", len(acked), len(ids), len(recs))
}
