package accounting

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sluice/tracking/events"
)

// Line sequences are only comparable within one outbox: a new events file
// (the old one deleted, lost or restored from a copy) numbers its lines
// from the start again, and the writer, taking the log's last sequence
// for "already written", would skip every new line up to it. So the
// outbox has an id (acct_state "id", random, made on first use) and the
// log directory names, in Name.outbox, the outbox its current file's
// sequences come from. When they differ the log's last sequence is
// ignored: lines are numbered from the outbox's own state (a restored
// copy's lines written since the copy are then written again: doubled,
// never lost).
var keyID = []byte("id")

const outboxExt = ".outbox"

// outboxID returns the outbox's id, making it on first use.
func outboxID(s Store) (string, error) {
	var id string
	err := s.View(func(tx *events.Tx) error {
		if st := tx.Bucket(bucketState); st != nil {
			id = string(st.Get(keyID))
		}
		return nil
	})
	if err != nil || id != "" {
		return id, err
	}
	err = s.Update(func(tx *events.Tx) error {
		st, err := tx.CreateBucketIfNotExists(bucketState)
		if err != nil {
			return err
		}
		if v := st.Get(keyID); len(v) > 0 {
			id = string(v)
			return nil
		}
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		id = hex.EncodeToString(b[:])
		return st.Put(keyID, []byte(id))
	})
	if err != nil {
		return "", fmt.Errorf("accounting: outbox id: %w", err)
	}
	return id, nil
}

// readOutboxName returns the id in path ("" when the file is absent).
func readOutboxName(fsys FS, path string) (string, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 256))
	return string(bytes.TrimSpace(b)), err
}

// writeOutboxName writes id to path through a synced temporary file.
func writeOutboxName(fsys FS, path, id string) error {
	tmp := path + tmpSuffix
	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write([]byte(id + "\n")); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return fsys.Rename(tmp, path)
}

// checkOutbox makes sure the log's current file takes its sequences from
// s's outbox, before anything is written or skipped: the first time for a
// log directory (or one written before ids), it records the id and keeps
// the log's last sequence; when the directory names another outbox, it
// drops that sequence (w.written goes back to the outbox's own state on
// this pass) and records the new id.
func (w *Writer) checkOutbox(s Store) error {
	id, err := outboxID(s)
	if err != nil {
		return err
	}
	path := filepath.Join(w.dir, w.name+outboxExt)
	had, err := readOutboxName(w.fs, path)
	if err != nil {
		return fmt.Errorf("accounting: read %s: %w", path, err)
	}
	switch {
	case had == "":
		if err := writeOutboxName(w.fs, path, id); err != nil {
			return fmt.Errorf("accounting: write %s: %w", path, err)
		}
	case had != id:
		w.log.Warn("accounting: the events store's outbox is not the one the log was written from (a new or restored events file): numbering lines from the outbox",
			"log_last_seq", w.written, "log_outbox", had, "outbox", id)
		w.written = 0
		// The file's last sequence is another outbox's until a line of
		// this one follows it; only then is the new id recorded, so that
		// a crash before leaves the mismatch to be found again.
		w.foreign = true
	}
	w.outbox = id
	return nil
}

// adopted records, once a line of this outbox is in the current file (or
// the file was rotated away), that the log's sequences are the outbox's.
func (w *Writer) adopted() {
	if !w.foreign {
		return
	}
	if err := writeOutboxName(w.fs, filepath.Join(w.dir, w.name+outboxExt), w.outbox); err != nil {
		w.log.Warn("accounting: outbox id not recorded (the next start may write some lines twice)", "err", err)
		return
	}
	w.foreign = false
}
