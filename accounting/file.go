package accounting

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// logFile is the current log file: every complete line in it is fsync'd
// or about to be (see write), and ends with '\n'.
type logFile struct {
	fs   FS
	path string
	f    File
	size int64
	// first is the time of the file's first line (zero when empty), for
	// daily rotation.
	first time.Time
	// last is the sequence of its last line (0 when empty).
	last uint64
}

// tailRead bounds what recovery reads at the end of the file: a line is
// far shorter (the reply, the longest field, is at most 512 bytes).
const tailRead = 64 << 10

// openLog opens (creating) the current file and recovers it: a partial
// last line (a crash or a full disk in the middle of a write) is cut, the
// file is fsync'd, and the first line's time and the last line's
// sequence are read back. Lines never reached disk whole before being
// acknowledged, so what is cut is always still in the outbox.
func openLog(fsys FS, path string) (*logFile, error) {
	f, err := fsys.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("accounting: open %s: %w", path, err)
	}
	l := &logFile{fs: fsys, path: path, f: f}
	if err := l.recover(); err != nil {
		f.Close()
		return nil, fmt.Errorf("accounting: recover %s: %w", path, err)
	}
	return l, nil
}

func (l *logFile) recover() error {
	st, err := l.f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	off := max(size-tailRead, 0)
	tail := make([]byte, size-off)
	if _, err := l.f.ReadAt(tail, off); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	end := bytes.LastIndexByte(tail, '\n') + 1 // 0: no complete line in the tail
	if end == 0 && off > 0 {
		return fmt.Errorf("no line end in the last %d bytes", tailRead)
	}
	if keep := off + int64(end); keep < size {
		if err := l.f.Truncate(keep); err != nil {
			return err
		}
		size = keep
	}
	if err := l.f.Sync(); err != nil {
		return err
	}
	l.size = size
	if size == 0 {
		return nil
	}
	complete := tail[:end]
	lastStart := bytes.LastIndexByte(complete[:len(complete)-1], '\n') + 1
	var h lineHead
	if err := json.Unmarshal(complete[lastStart:], &h); err != nil {
		return fmt.Errorf("last line: %w", err)
	}
	l.last = h.Seq
	head := make([]byte, min(size, 4096))
	if _, err := l.f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if i := bytes.IndexByte(head, '\n'); i > 0 && json.Unmarshal(head[:i], &h) == nil {
		l.first, _ = time.Parse(time.RFC3339Nano, h.Time)
	}
	return nil
}

// write appends lines (complete, last sequence last, first line's time
// first) and fsyncs them. On failure the file is cut back to its previous
// size, so that no partial line stays; when even that fails the file is
// closed and the next openLog cuts it.
func (l *logFile) write(lines []byte, first time.Time, last uint64) error {
	_, err := l.f.Write(lines)
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		if terr := l.f.Truncate(l.size); terr != nil {
			l.f.Close()
			l.f = nil
		}
		return fmt.Errorf("accounting: write %s: %w", l.path, err)
	}
	if l.size == 0 {
		l.first = first
	}
	l.size += int64(len(lines))
	l.last = last
	return nil
}

// close closes the file (once).
func (l *logFile) close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
