package events

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"sluice/queue"
)

// smallDisk mounts a tmpfs of size bytes on a temporary directory and
// returns it (unmounted when the test ends). It needs root (CI runs as
// root); without it the test is skipped, loudly.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: the full-disk test needs root to mount a small tmpfs; run it as root (CI does)")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("SKIPPED: the full-disk test could not mount a tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes a file in dir until the filesystem is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte{0xAA}, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill: %v", err)
			}
			return path
		}
	}
}

// TestFullDiskLosesNoEvents: with the events file on a full filesystem,
// traffic goes on in the spool; every batch fails and stays journaled;
// once space is freed, every event arrives exactly once: the event
// store's counts equal the spool's.
func TestFullDiskLosesNoEvents(t *testing.T) {
	dir := smallDisk(t, "1m")
	c := &testClock{t: t0}
	s, err := Open(filepath.Join(dir, "events.db"), Options{Now: c.Now}) // fsync on: the real path
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	q := openSpool(t, c, queue.Options{})
	f := s.Follow(q, FollowOptions{MaxBatch: 50})
	ctx := context.Background()

	filler := fill(t, dir)
	const msgs = 300
	spoolTraffic(t, q, c, msgs)
	for i := 0; i < 3; i++ {
		if _, err := f.Drain(ctx); err == nil {
			t.Fatal("drain succeeded on a full disk")
		} else if !errors.Is(err, syscall.ENOSPC) {
			t.Logf("drain on a full disk: %v", err)
		}
	}
	if d := q.JournalDepth(); d != 3*msgs {
		t.Fatalf("journal depth %d on a full disk, want %d", d, 3*msgs)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Drain(ctx); err != nil {
		t.Fatalf("drain after freeing space: %v", err)
	}
	_, _, _, delivered, failed := q.Counts()
	st := stats(t, s, "acme", "")
	if st.Sent != 2*msgs || int64(st.Delivered) != delivered || int64(st.Failed) != failed || delivered != msgs {
		t.Fatalf("events sent=%d delivered=%d failed=%d; spool accepted %d, delivered %d, failed %d",
			st.Sent, st.Delivered, st.Failed, 2*msgs, delivered, failed)
	}
	if d := q.JournalDepth(); d != 0 {
		t.Fatalf("journal depth %d after the drain", d)
	}
	t.Logf("full disk: %d journal batches failed, then %d events applied", f.Failures(), s.Metrics().Journaled)
}
