package queue

import (
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Segment files: bodies of at least Options.SegmentThreshold bytes are
// appended to files in the directory <spool>.segments beside the spool
// file, and bbolt keeps a reference to them (bodyref.go). The files are
// written by the submitters (Enqueue reserves an offset and copies the body
// into the page cache), then the syncer (store.go) fdatasyncs each
// segment a group of writes touched, once, before they reach the bbolt
// commit that references the bodies: bbolt never points at bytes that are not durable, and a crash
// between the two leaves only unreferenced bytes, which Open truncates away
// (the segment's tail) or removes (a file no record names).
//
// A segment is only ever appended to while it is the active one; once
// rolled (at Options.SegmentSize) it is read, zeroed in place by an
// erasure, rewritten by the compactor (compact.go), and removed once no
// committed record points into it.

// ErrCorruptBody is returned (wrapped) when a body read from a segment file
// does not match the checksum bbolt recorded for it: the spool's data is
// damaged, and the bytes are never handed out.
var ErrCorruptBody = errors.New("queue: stored body fails its checksum")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segFile is one segment file. Every field but num and f is guarded by
// segments.mu.
type segFile struct {
	num  uint32
	f    *os.File
	size int64 // the next append's offset
	// count and live mirror the segment's committed record (bodies that
	// point into it and their bytes): changed only after commits.
	count, live int64
	pending     int  // appends reserved whose write has not returned yet
	readers     int  // reads and zeroings in progress (the file stays open)
	dead        bool // removed: closed once readers is 0
	broken      bool // a write or sync failed: never appended to again
}

// segments is the set of segment files of one spool.
type segments struct {
	dir string
	max int64 // roll the active segment past this size
	log *slog.Logger

	mu     sync.Mutex
	active *segFile // nil until the first append after Open or a failure
	next   uint32   // the next segment's number
	all    map[uint32]*segFile
	dirOK  bool // dir exists and its creation is durable

	// syncFn, when set (tests), replaces fdatasync for segment syncs.
	syncFn func(*os.File) error
}

// syncFile makes f's data durable (fdatasync, or the test's syncFn).
func (s *segments) syncFile(f *os.File) error {
	if s.syncFn != nil {
		return s.syncFn(f)
	}
	return fdatasync(f)
}

// segDir is the segment directory of the spool at path.
func segDir(path string) string { return path + ".segments" }

func (s *segments) path(num uint32) string {
	return filepath.Join(s.dir, fmt.Sprintf("seg-%08d", num))
}

// parseSegName returns the number of a segment file's name.
func parseSegName(name string) (uint32, bool) {
	rest, ok := strings.CutPrefix(name, "seg-")
	if !ok || len(rest) != 8 {
		return 0, false
	}
	n, err := strconv.ParseUint(rest, 10, 32)
	return uint32(n), err == nil
}

// openSegments opens the segment files that recs (the committed records,
// by number) name, truncating each to the end of its last referenced body,
// and removes every other segment file: bytes a crash left between the
// segment write and the bbolt commit. A record whose file is missing is
// logged (its bodies will fail to read, loudly) and kept.
func openSegments(dir string, maxSize int64, log *slog.Logger, recs map[uint32]segRec) (*segments, error) {
	s := &segments{dir: dir, max: maxSize, log: log, all: map[uint32]*segFile{}}
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("queue: segments: %w", err)
	}
	s.dirOK = err == nil
	for _, e := range ents {
		num, ok := parseSegName(e.Name())
		if !ok {
			continue
		}
		s.next = max(s.next, num+1)
		rec, live := recs[num]
		if !live {
			if err := os.Remove(s.path(num)); err != nil {
				return nil, fmt.Errorf("queue: segments: remove orphan: %w", err)
			}
			log.Info("queue: removed a segment file no record names", "segment", num)
			continue
		}
		if err := s.openOne(num, rec); err != nil {
			s.close()
			return nil, err
		}
	}
	for num, rec := range recs {
		s.next = max(s.next, num+1)
		if s.all[num] == nil {
			log.Error("queue: a segment file is missing: its bodies cannot be read", "segment", num,
				"bodies", rec.Count, "dir", dir)
		}
	}
	return s, nil
}

// openOne opens segment num for reading and cuts what follows its last
// referenced byte.
func (s *segments) openOne(num uint32, rec segRec) error {
	f, err := os.OpenFile(s.path(num), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("queue: segments: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("queue: segments: %w", err)
	}
	end := int64(rec.End)
	switch {
	case fi.Size() > end:
		// Appended but never committed: a crash came between the
		// segment's write and the bbolt commit.
		if err := f.Truncate(end); err != nil {
			f.Close()
			return fmt.Errorf("queue: segments: truncate %d: %w", num, err)
		}
		if err := fdatasync(f); err != nil {
			f.Close()
			return fmt.Errorf("queue: segments: truncate %d: %w", num, err)
		}
		s.log.Info("queue: cut uncommitted bytes from a segment", "segment", num, "bytes", fi.Size()-end)
	case fi.Size() < end:
		s.log.Error("queue: a segment file is shorter than its bodies: some cannot be read",
			"segment", num, "size", fi.Size(), "referenced", end)
	}
	s.all[num] = &segFile{num: num, f: f, size: end, count: int64(rec.Count), live: int64(rec.Live), broken: true}
	return nil
}

// ensureDir creates the segment directory, durably, the first time a
// segment is made. Called with s.mu held.
func (s *segments) ensureDir() error {
	if s.dirOK {
		return nil
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("queue: segments: %w", err)
	}
	if err := syncDir(filepath.Dir(s.dir)); err != nil {
		return err
	}
	s.dirOK = true
	return nil
}

// roll seals the active segment and starts a new one. Its name is made
// durable (the directory fsync'd) before any record can point into it.
// Called with s.mu held.
func (s *segments) roll() error {
	if err := s.ensureDir(); err != nil {
		return err
	}
	num := s.next
	f, err := os.OpenFile(s.path(num), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("queue: segments: create: %w", err)
	}
	// Allocate the whole file at once: appends then change neither its
	// size nor its block map, so a commit's fdatasync writes data, not a
	// journal commit as well (this VM's ext4, 1 MiB per fdatasync: p50
	// 0.9–2.7 ms against 2.6–5.7 ms for a growing file). A full disk
	// shows here, before any body is accepted into the file.
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, s.max); err != nil && !errors.Is(err, syscall.EOPNOTSUPP) {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("queue: segments: allocate %d: %w", num, err)
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	s.next++
	old := s.active
	s.active = &segFile{num: num, f: f}
	s.all[num] = s.active
	if old != nil {
		s.maybeDrop(old)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("queue: segments: open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("queue: segments: fsync dir %s: %w", dir, err)
	}
	return nil
}

// fdatasync makes f's data durable, and its size with it (what a read of
// the appended bytes needs), without its times.
func fdatasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if serr = syscall.Fdatasync(int(fd)); serr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return serr
}

// append writes body to the active segment (in the page cache: durable
// only after sync) and returns the segment, marked pending until done is
// called, and the body's reference.
func (s *segments) append(body []byte) (*segFile, bodyRef, error) {
	n := int64(len(body))
	sum := crc32.Checksum(body, castagnoli)
	s.mu.Lock()
	a := s.active
	if a == nil || a.broken || (a.size > 0 && a.size+n > s.max) {
		if err := s.roll(); err != nil {
			s.mu.Unlock()
			return nil, bodyRef{}, err
		}
		a = s.active
	}
	off := a.size
	a.size += n
	a.pending++
	s.mu.Unlock()
	if _, err := a.f.WriteAt(body, off); err != nil {
		s.mu.Lock()
		a.broken = true // a torn write: start the next body in a fresh file
		s.mu.Unlock()
		s.done(a)
		return nil, bodyRef{}, fmt.Errorf("queue: segments: append to %d: %w", a.num, err)
	}
	return a, bodyRef{Seg: a.num, Off: uint64(off), Len: uint32(n), Sum: sum}, nil
}

// done ends an append's pending state, committed or abandoned (its bytes
// then belong to no record: Open cuts them if they are the tail).
func (s *segments) done(seg *segFile) {
	s.mu.Lock()
	seg.pending--
	s.maybeDrop(seg)
	s.mu.Unlock()
}

// sync fdatasyncs seg. A failure makes it broken: its dirty pages may
// have been dropped, so the next appends go to a new file, and no write
// whose body is in it ever commits again. On Linux an fdatasync after a
// failed one usually succeeds (the error was reported once and the pages
// marked clean or dropped), so a later success proves nothing about bytes
// written before the failure: a body appended before it and synced in a
// later group would be answered 250 and could be gone.
func (s *segments) sync(seg *segFile) error {
	s.mu.Lock()
	broken := seg.broken
	s.mu.Unlock()
	if broken {
		return fmt.Errorf("queue: segments: %d failed an earlier write or fdatasync", seg.num)
	}
	if err := s.syncFile(seg.f); err != nil {
		s.mu.Lock()
		seg.broken = true
		s.mu.Unlock()
		return fmt.Errorf("queue: segments: fdatasync %d: %w", seg.num, err)
	}
	return nil
}

// committed applies a committed change of segment num's record to its
// mirror, and removes the segment if nothing points into it any more.
// Called after the commit (bbolt's OnCommit), so the removal follows a
// durable record.
func (s *segments) committed(num uint32, count, live int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg := s.all[num]
	if seg == nil {
		return
	}
	seg.count += count
	seg.live += live
	if seg == s.active && seg.count == 0 && seg.pending == 0 && seg.size >= s.max/4 {
		// The queue emptied: retire the active segment rather than hold
		// up to SegmentSize of dead bytes until it would have rolled. Not
		// a small one, or a shallow queue would make a file per message.
		s.active = nil
	}
	s.maybeDrop(seg)
}

// maybeDrop removes seg if it is sealed, no append to it is pending and no
// committed record points into it. No directory fsync: a name a crash
// brings back belongs to no record, and Open removes it again. Called
// with s.mu held.
func (s *segments) maybeDrop(seg *segFile) {
	if seg == s.active || seg.dead || seg.pending > 0 || seg.count > 0 {
		return
	}
	seg.dead = true
	delete(s.all, seg.num)
	if err := os.Remove(s.path(seg.num)); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("queue: remove an empty segment", "segment", seg.num, "err", err)
	}
	if seg.readers == 0 {
		seg.f.Close()
	}
}

// acquire returns segment num, held open until release.
func (s *segments) acquire(num uint32) (*segFile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg := s.all[num]
	if seg == nil {
		return nil, fmt.Errorf("queue: segment %d is missing", num)
	}
	seg.readers++
	return seg, nil
}

func (s *segments) release(seg *segFile) {
	s.mu.Lock()
	seg.readers--
	if seg.dead && seg.readers == 0 {
		seg.f.Close()
	}
	s.mu.Unlock()
}

// read reads the body at ref into dst (grown if it is too small) and
// checks it against its checksum.
func (s *segments) read(ref bodyRef, dst []byte) ([]byte, error) {
	seg, err := s.acquire(ref.Seg)
	if err != nil {
		return nil, err
	}
	defer s.release(seg)
	if cap(dst) >= int(ref.Len) {
		dst = dst[:ref.Len]
	} else {
		dst = make([]byte, ref.Len)
	}
	if _, err := seg.f.ReadAt(dst, int64(ref.Off)); err != nil {
		return nil, fmt.Errorf("queue: segment %d at %d: %w", ref.Seg, ref.Off, err)
	}
	if crc32.Checksum(dst, castagnoli) != ref.Sum {
		return nil, fmt.Errorf("segment %d at %d, %d bytes: %w", ref.Seg, ref.Off, ref.Len, ErrCorruptBody)
	}
	return dst, nil
}

// pin keeps segment num from removal (as a pending append does) until
// done, and returns it; nil if it is missing.
func (s *segments) pin(num uint32) *segFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg := s.all[num]
	if seg != nil {
		seg.pending++
	}
	return seg
}

// syncZeroed fdatasyncs seg after an erasure zeroed bodies in it. A
// failure breaks it, as in sync: appends to it may be lost too.
func (s *segments) syncZeroed(seg *segFile) error {
	if err := s.syncFile(seg.f); err != nil {
		s.mu.Lock()
		seg.broken = true
		s.mu.Unlock()
		return fmt.Errorf("queue: segments: fdatasync %d after zeroing: %w", seg.num, err)
	}
	return nil
}

// sparse returns the sealed segments with nothing pending whose live
// bytes are below frac of their size, sparsest first: the compactor's
// candidates.
func (s *segments) sparse(frac float64) []uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []uint32
	for num, seg := range s.all {
		if seg != s.active && seg.pending == 0 && seg.count > 0 && float64(seg.live) < frac*float64(seg.size) {
			out = append(out, num)
		}
	}
	return out
}

// SegmentStats describes the segment files of a spool.
type SegmentStats struct {
	Files int   // segment files
	Bytes int64 // their size (the space they take)
	Live  int64 // bytes of bodies that point into them
	Count int64 // bodies that point into them
}

func (s *segments) stats() SegmentStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st SegmentStats
	for _, seg := range s.all {
		st.Files++
		st.Bytes += seg.size
		st.Live += seg.live
		st.Count += seg.count
	}
	return st
}

// close closes every file; the active one goes if nothing points into it.
func (s *segments) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.active; a != nil {
		s.active = nil
		s.maybeDrop(a)
	}
	for _, seg := range s.all {
		seg.dead = true
		if seg.readers == 0 {
			seg.f.Close()
		}
	}
	s.all = map[uint32]*segFile{}
}
