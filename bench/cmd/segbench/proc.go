package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// writeBytes is this process's write_bytes from /proc/self/io: the bytes
// it caused to be sent to the storage layer (page cache pages it dirtied),
// summed over its threads. The ext4 journal's own writes (jbd2) are not in
// it, for either design.
func writeBytes() (int64, error) {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return 0, fmt.Errorf("read I/O counters: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "write_bytes: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/self/io: %w", err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("/proc/self/io: no write_bytes line")
}

// Filesystems whose fsync costs nothing: a benchmark of fsync'd writes
// there measures memcpy.
const (
	tmpfsMagic = 0x01021994
	ramfsMagic = 0x858458f6
)

// checkDisk refuses a directory in memory and returns its filesystem's
// type number, for the report.
func checkDisk(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	if st.Type == tmpfsMagic || st.Type == ramfsMagic {
		return 0, fmt.Errorf("%s is in memory (tmpfs/ramfs): fsync costs nothing there; use -dir on a disk", dir)
	}
	return st.Type, nil
}
