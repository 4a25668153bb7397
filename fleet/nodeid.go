package fleet

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// nodeIDFile holds a generated node id in the data directory.
const nodeIDFile = "node_id"

// NodeID returns this node's id: configured when set (validated), else the
// one generated into <dataDir>/node_id on the first start and read back
// ever after, so that a node keeps its name across restarts (its heartbeat,
// its leases and, later, its ids and tokens carry it).
func NodeID(dataDir, configured string) (string, error) {
	if configured != "" {
		if err := validNodeID(configured); err != nil {
			return "", fmt.Errorf("fleet: node_id: %w", err)
		}
		return configured, nil
	}
	path := filepath.Join(dataDir, nodeIDFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		id := strings.TrimSpace(string(b))
		if err := validNodeID(id); err != nil {
			return "", fmt.Errorf("fleet: %s: %w", path, err)
		}
		return id, nil
	case !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("fleet: read node id: %w", err)
	}
	var raw [5]byte // 40 bits: 8 base32 characters
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("fleet: generate node id: %w", err)
	}
	id := strings.ToLower(base32.StdEncoding.EncodeToString(raw[:]))
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("fleet: create data dir: %w", err)
	}
	// Written to a temporary file and renamed, so a crash never leaves a
	// half-written id; O_EXCL on the final name is not needed: one process
	// owns a data dir (the spool's lock).
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("fleet: write node id: %w", err)
	}
	if f, err := os.Open(tmp); err == nil {
		_ = f.Sync()
		f.Close()
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("fleet: write node id: %w", err)
	}
	return id, nil
}

// validNodeID checks an id: 1 to 16 characters of [a-z0-9-], not starting
// with '-'. Ids go into Redis keys and, later, into message ids and
// tokens, so they are short and need no escaping.
func validNodeID(id string) error {
	if len(id) < 1 || len(id) > 16 {
		return fmt.Errorf("node id %q: want 1 to 16 characters", id)
	}
	for i, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' && i > 0) {
			return fmt.Errorf("node id %q: want only a-z, 0-9 and '-' (not first)", id)
		}
	}
	return nil
}
