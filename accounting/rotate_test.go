package accounting

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/tracking/events"
)

// gzFiles lists the compressed rotated files of dir; with settled (the
// writer stopped), any other file but the current one (and the outbox
// id beside it) is an error.
func gzFiles(t *testing.T, dir string, settled bool) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".jsonl.gz") {
			out = append(out, e.Name())
		} else if settled && e.Name() != "accounting.jsonl" && e.Name() != "accounting"+outboxExt {
			t.Errorf("unexpected file %s", e.Name())
		}
	}
	return out
}

// Past MaxSize the file is rotated and gzipped; every line is in exactly
// one file, in order.
func TestRotateBySize(t *testing.T) {
	t.Parallel()
	r := newRig(t, Options{MaxSize: 1000, Keep: -1})
	for range 10 {
		r.record(events.KindDelivered, 3)
		r.clk.Add(time.Second) // distinct rotation names
	}
	r.waitLines(30)
	waitFor(t, func() bool { return len(gzFiles(t, r.dir, false)) >= 2 }, "rotated files")
	r.close()
	gzFiles(t, r.dir, true)
	checkOnce(t, readAll(t, r.dir), 30)
	if r.w.Stats().Rotations < 2 {
		t.Errorf("%d rotations", r.w.Stats().Rotations)
	}
}

// Daily rotation starts a new file at the first write of a new UTC day.
func TestRotateDaily(t *testing.T) {
	t.Parallel()
	r := newRig(t, Options{Daily: true, MaxSize: -1})
	r.record(events.KindDelivered, 2)
	r.waitLines(2)
	r.clk.Add(24 * time.Hour)
	r.record(events.KindDelivered, 1)
	r.waitLines(3)
	r.close()
	gz := gzFiles(t, r.dir, true)
	if len(gz) != 1 {
		t.Fatalf("rotated files %v, want 1", gz)
	}
	day := r.clk.Now().UTC().Format("20060102")
	if !strings.HasPrefix(gz[0], "accounting-"+day) {
		t.Errorf("rotated file %s, want accounting-%s…", gz[0], day)
	}
	lines := readAll(t, r.dir)
	checkOnce(t, lines, 3)
	cur, err := os.ReadFile(filepath.Join(r.dir, "accounting.jsonl"))
	if err != nil || strings.Count(string(cur), "\n") != 1 {
		t.Errorf("current file %q, %v: want the new day's line only", cur, err)
	}
}

// Keep caps the rotated files: the oldest go.
func TestKeep(t *testing.T) {
	t.Parallel()
	r := newRig(t, Options{MaxSize: 1, Keep: 2})
	for i := range 6 {
		r.record(events.KindDelivered, 1)
		r.waitLines(uint64(i + 1))
		r.clk.Add(time.Second)
	}
	r.record(events.KindDelivered, 1) // rotates the sixth, then housekeeps
	waitFor(t, func() bool { return r.w.Stats().Lines == 7 }, "seventh line")
	r.close()
	gz := gzFiles(t, r.dir, true)
	if len(gz) != 2 {
		t.Fatalf("rotated files %v, want 2", gz)
	}
	lines := readAll(t, r.dir)
	if len(lines) != 3 || lines[0].MsgID != msgID(5) {
		t.Errorf("kept lines %+v, want messages 5 to 7", lines)
	}
}

// A rotated file left uncompressed (a crash or a full disk during the
// gzip) is compressed at the next start.
func TestCompressLeftover(t *testing.T) {
	t.Parallel()
	r := newRig(t, Options{})
	r.record(events.KindDelivered, 1)
	r.waitLines(1)
	r.close()
	left := filepath.Join(r.dir, "accounting-20200101T000000Z.jsonl")
	if err := os.WriteFile(left, []byte(`{"seq":0,"time":"2020-01-01T00:00:00Z","type":"sent","tenant":"acme","msgid":"0000000000000000","rcpt_index":0}`+"\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(left+".gz.tmp", []byte("half a gzip"), 0o640); err != nil {
		t.Fatal(err)
	}
	r.store = nil
	r.open(Options{})
	waitFor(t, func() bool {
		_, err := os.Stat(left + ".gz")
		_, err2 := os.Stat(left)
		return err == nil && os.IsNotExist(err2)
	}, "leftover compressed")
	r.close()
	if lines := readAll(t, r.dir); len(lines) != 2 || lines[0].Type != "sent" {
		t.Errorf("lines %+v", lines)
	}
}

// MaxAge removes rotated files rotated longer ago than the cap (by the
// time in their names), whatever Keep allows; younger ones stay.
func TestMaxAge(t *testing.T) {
	t.Parallel()
	r := newRig(t, Options{MaxSize: 1, Keep: -1, MaxAge: 48 * time.Hour})
	for i := range 3 {
		r.record(events.KindDelivered, 1)
		r.waitLines(uint64(i + 1))
		r.clk.Add(25 * time.Hour)
	}
	// Files rotated at +25 h (line 1) and +50 h (line 2); this write, at
	// +75 h, rotates line 3's and housekeeps: the cut is +27 h.
	r.record(events.KindDelivered, 1)
	waitFor(t, func() bool { return r.w.Stats().Lines == 4 }, "fourth line")
	waitFor(t, func() bool { return len(gzFiles(t, r.dir, false)) == 2 }, "the day-0 file removed")
	r.close()
	lines := readAll(t, r.dir)
	if len(lines) != 3 || lines[0].MsgID != msgID(2) {
		t.Errorf("kept lines %+v, want messages 2 to 4", lines)
	}
}
