package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
)

// segments is design B's body store: bodies appended to files of at most
// max bytes, reclaimed a whole file at a time once no live message points
// into it (or after compact has copied its last live bodies away).
//
// Appends run in the submitters' goroutines (an offset is reserved under
// the lock, the copy into the page cache runs outside it); the group
// committer only fdatasyncs each segment a batch wrote to, before the
// bbolt commit that references the bodies. So bbolt never points at bytes
// that are not durable, and a crash between the two leaves only orphan
// bytes in a segment, which go with it when it drops.
type segments struct {
	dir      string
	max      int64
	prealloc bool

	mu     sync.Mutex
	active *segment
	next   uint32
	all    map[uint32]*segment

	syncs   atomic.Int64 // fdatasyncs of segments and fsyncs of the directory
	dropped atomic.Int64 // segments removed
}

// segment is one file. size, refs and live are guarded by segments.mu.
type segment struct {
	num  uint32
	f    *os.File
	size int64 // bytes reserved
	refs int   // bodies reserved and not yet deleted (committed or about to be)
	live int64 // their bytes
}

func openSegments(dir string, maxSize int64, prealloc bool) (*segments, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	s := &segments{dir: dir, max: maxSize, prealloc: prealloc, all: map[uint32]*segment{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.rotate(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *segments) path(num uint32) string {
	return filepath.Join(s.dir, fmt.Sprintf("seg-%08d", num))
}

// rotate starts a new active segment. The directory is fsync'd before any
// record can point into the new file, or a crash could lose its name.
// Called with s.mu held.
func (s *segments) rotate() error {
	num := s.next
	s.next++
	f, err := os.OpenFile(s.path(num), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("segments: create: %w", err)
	}
	if s.prealloc {
		// Allocated extents up front: appends then change no file size.
		if err := syscall.Fallocate(int(f.Fd()), 0, 0, s.max); err != nil {
			f.Close()
			return fmt.Errorf("segments: fallocate %s: %w", f.Name(), err)
		}
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		return err
	}
	s.syncs.Add(1)
	old := s.active
	s.active = &segment{num: num, f: f}
	s.all[num] = s.active
	if old != nil && old.refs == 0 {
		s.drop(old)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("segments: open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("segments: fsync dir: %w", err)
	}
	return nil
}

// append writes body to the active segment (not yet durable: see sync)
// and counts it live there until release.
func (s *segments) append(body []byte) (*segment, bodyLoc, error) {
	n := int64(len(body))
	s.mu.Lock()
	if s.active.size > 0 && s.active.size+n > s.max {
		if err := s.rotate(); err != nil {
			s.mu.Unlock()
			return nil, bodyLoc{}, err
		}
	}
	seg := s.active
	off := seg.size
	seg.size += n
	seg.refs++
	seg.live += n
	s.mu.Unlock()
	loc := bodyLoc{seg: seg.num, off: off, n: uint32(n)}
	if _, err := seg.f.WriteAt(body, off); err != nil {
		s.release(loc)
		return nil, bodyLoc{}, fmt.Errorf("segments: append to %d: %w", seg.num, err)
	}
	return seg, loc, nil
}

// sync makes what was appended to seg durable: fdatasync, which also
// writes the file's new size (needed to read the data back).
func (s *segments) sync(seg *segment) error {
	rc, err := seg.f.SyscallConn()
	if err != nil {
		return fmt.Errorf("segments: sync %d: %w", seg.num, err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fdatasync(int(fd)) }); err != nil {
		return fmt.Errorf("segments: sync %d: %w", seg.num, err)
	}
	if serr != nil {
		return fmt.Errorf("segments: fdatasync %d: %w", seg.num, serr)
	}
	s.syncs.Add(1)
	return nil
}

// read returns a copy of the body at loc. The caller holds a live message
// that points there, so its segment cannot drop meanwhile.
func (s *segments) read(loc bodyLoc) ([]byte, error) {
	s.mu.Lock()
	seg := s.all[loc.seg]
	s.mu.Unlock()
	if seg == nil {
		return nil, fmt.Errorf("segments: read: segment %d is gone", loc.seg)
	}
	b := make([]byte, loc.n)
	if _, err := seg.f.ReadAt(b, loc.off); err != nil {
		return nil, fmt.Errorf("segments: read %d@%d: %w", loc.seg, loc.off, err)
	}
	return b, nil
}

// release forgets the body at loc (its message was deleted, or moved by
// compact, and that is committed) and drops its segment once nothing
// points into it and it is not the one being appended to.
func (s *segments) release(loc bodyLoc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg := s.all[loc.seg]
	if seg == nil {
		return
	}
	seg.refs--
	seg.live -= int64(loc.n)
	if seg.refs == 0 && seg != s.active {
		s.drop(seg)
	}
}

// drop removes a segment. No fsync of the directory: a name that comes
// back after a crash belongs to a segment with no live bodies, which the
// next start removes again (see the report's crash argument).
// Called with s.mu held.
func (s *segments) drop(seg *segment) {
	delete(s.all, seg.num)
	seg.f.Close()
	os.Remove(seg.f.Name())
	s.dropped.Add(1)
}

// sparse returns the sealed segments whose live bytes are below frac of
// their size: compact's candidates.
func (s *segments) sparse(frac float64) map[uint32]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[uint32]bool{}
	for num, seg := range s.all {
		if seg != s.active && float64(seg.live) < frac*float64(seg.size) {
			out[num] = true
		}
	}
	return out
}

// usage returns the number of segment files and their bytes on disk (the
// space they hold, live or not).
func (s *segments) usage() (files int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, seg := range s.all {
		files++
		if fi, err := seg.f.Stat(); err == nil {
			bytes += fi.Size()
		}
	}
	return files, bytes
}

func (s *segments) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, seg := range s.all {
		seg.f.Close()
	}
}
