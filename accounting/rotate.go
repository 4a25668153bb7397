package accounting

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Rotated files are named name-<UTC time of rotation>-<counter>.jsonl
// while they are compressed, then name-<time>-<counter>.jsonl.gz; the
// counter (000 unless several rotations fall in one second) keeps the
// names sorting by age.
const (
	ext        = ".jsonl"
	gzExt      = ".gz"
	stampFmt   = "20060102T150405Z"
	tmpSuffix  = ".tmp"
	maxCollide = 1000
)

// rotatedName returns a free name for the file rotated at t.
func rotatedName(fsys FS, dir, name string, t time.Time) (string, error) {
	base := name + "-" + t.UTC().Format(stampFmt)
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return "", err
	}
	taken := make(map[string]bool, len(entries))
	for _, e := range entries {
		taken[e.Name()] = true
	}
	for i := 0; i < maxCollide; i++ {
		n := fmt.Sprintf("%s-%03d", base, i) // always a counter: names sort by age
		if !taken[n+ext] && !taken[n+ext+gzExt] {
			return filepath.Join(dir, n+ext), nil
		}
	}
	return "", fmt.Errorf("accounting: %d files rotated at %s", maxCollide, base)
}

// rotate moves the current file aside (to be compressed) and opens a new
// one. Only called when every line of the file is acknowledged.
func (w *Writer) rotate() error {
	to, err := rotatedName(w.fs, w.dir, w.name, w.now())
	if err != nil {
		return err
	}
	if err := w.file.close(); err != nil {
		return fmt.Errorf("accounting: close %s: %w", w.file.path, err)
	}
	if err := w.fs.Rename(w.file.path, to); err != nil {
		// Reopen what is still the current file.
		w.file = nil
		return fmt.Errorf("accounting: rotate: %w", err)
	}
	w.file = nil
	w.rotations.Add(1)
	w.compressDue = true
	f, err := openLog(w.fs, w.current())
	if err != nil {
		return err
	}
	// The rename and the new file are directory entries: fsync the
	// directory before any line goes into the new file, or a power loss
	// could take back the entry of a file whose lines the outbox has
	// already let go (kill -9 alone cannot: the kernel keeps them).
	if err := syncDir(w.fs, w.dir); err != nil {
		f.close()
		return err
	}
	w.file = f
	w.adopted() // the other outbox's lines are in the rotated file
	return nil
}

// syncDir fsyncs the directory dir.
func syncDir(fsys FS, dir string) error {
	d, err := fsys.OpenFile(dir, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("accounting: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("accounting: sync %s: %w", dir, err)
	}
	return nil
}

// rotationDue reports whether the current file must be rotated before
// more lines go in.
func (w *Writer) rotationDue(now time.Time) bool {
	f := w.file
	if f.size == 0 {
		return false
	}
	if w.opts.MaxSize > 0 && f.size >= w.opts.MaxSize {
		return true
	}
	if w.opts.Daily && !f.first.IsZero() {
		y1, m1, d1 := f.first.UTC().Date()
		y2, m2, d2 := now.UTC().Date()
		return y1 != y2 || m1 != m2 || d1 != d2
	}
	return false
}

// nextMidnight is when a daily rotation is next due.
func nextMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// rotated lists the rotated files of the log: compressed and not yet,
// oldest first.
func (w *Writer) rotated() (plain, gz []string, err error) {
	entries, err := w.fs.ReadDir(w.dir)
	if err != nil {
		return nil, nil, fmt.Errorf("accounting: list %s: %w", w.dir, err)
	}
	prefix := w.name + "-"
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, prefix) || e.IsDir() {
			continue
		}
		switch {
		case strings.HasSuffix(n, ext):
			plain = append(plain, n)
		case strings.HasSuffix(n, ext+gzExt):
			gz = append(gz, n)
		}
	}
	sort.Strings(plain)
	sort.Strings(gz)
	return plain, gz, nil
}

// housekeep compresses the rotated files not yet compressed (a crash or
// a full disk may have left some) and removes the oldest compressed ones
// beyond Keep. An error leaves compressDue set, to try again later.
func (w *Writer) housekeep() error {
	plain, gz, err := w.rotated()
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range plain {
		if err := compress(w.fs, filepath.Join(w.dir, n)); err != nil {
			w.compressErrors.Add(1)
			errs = append(errs, err)
			continue
		}
		gz = append(gz, n+gzExt)
	}
	sort.Strings(gz)
	if w.opts.MaxAge > 0 {
		cut := w.now().Add(-w.opts.MaxAge)
		for len(gz) > 0 && rotatedBefore(gz[0], w.name, cut) {
			if err := w.fs.Remove(filepath.Join(w.dir, gz[0])); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("accounting: remove %s: %w", gz[0], err))
				break
			}
			gz = gz[1:]
		}
	}
	if w.opts.Keep > 0 && len(gz) > w.opts.Keep {
		for _, n := range gz[:len(gz)-w.opts.Keep] {
			if err := w.fs.Remove(filepath.Join(w.dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("accounting: remove %s: %w", n, err))
			}
		}
	}
	w.compressDue = len(errs) > 0
	return errors.Join(errs...)
}

// rotatedBefore reports whether the rotated file file (name-STAMP-NNN…)
// was rotated before cut; a name it cannot read is never old (kept).
func rotatedBefore(file, name string, cut time.Time) bool {
	rest, ok := strings.CutPrefix(file, name+"-")
	if !ok || len(rest) < len(stampFmt) {
		return false
	}
	t, err := time.Parse(stampFmt, rest[:len(stampFmt)])
	return err == nil && t.Before(cut)
}

// compress writes path's gzip beside it (through a temporary file,
// fsync'd, renamed) and removes path.
func compress(fsys FS, path string) (err error) {
	src, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("accounting: compress %s: %w", path, err)
	}
	defer src.Close()
	tmp := path + gzExt + tmpSuffix
	dst, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("accounting: compress %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			dst.Close()
			fsys.Remove(tmp)
		}
	}()
	zw := gzip.NewWriter(dst)
	if _, err = io.Copy(zw, src); err == nil {
		if err = zw.Close(); err == nil {
			err = dst.Sync()
		}
	}
	if err != nil {
		return fmt.Errorf("accounting: compress %s: %w", path, err)
	}
	if err = dst.Close(); err != nil {
		return fmt.Errorf("accounting: compress %s: %w", path, err)
	}
	if err = fsys.Rename(tmp, path+gzExt); err != nil {
		return fmt.Errorf("accounting: compress %s: %w", path, err)
	}
	if rerr := fsys.Remove(path); rerr != nil {
		return fmt.Errorf("accounting: remove %s: %w", path, rerr)
	}
	return nil
}
