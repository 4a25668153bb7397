package tlsrpt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"sluice/mta/tlspolicy"
)

// dbFile is the store's file in Config.Dir.
const dbFile = "tlsrpt.db"

// dayFormat names a day's bucket and keys: the UTC date.
const dayFormat = "2006-01-02"

// Buckets of the store. No bbolt type leaves this file.
var (
	// bucketDays holds one nested bucket per UTC day ("2006-01-02") whose
	// keys are domain "\x00" policy-type "\x00" policy hash and whose
	// values are JSON entries: the counts accumulated so far.
	bucketDays = []byte("days")
	// bucketPending holds reports built and not yet delivered to every
	// rua: key day "\x00" domain, value JSON pending.
	bucketPending = []byte("pending")
)

// store is the reporter's durable state: a bbolt file of its own, so that
// counts survive a restart (each flush is one fsync'd transaction) and a
// report whose delivery failed is retried.
type store struct{ db *bolt.DB }

// pending is a built report and the reporting URIs it has not reached yet.
type pending struct {
	Day      time.Time `json:"day"`
	Domain   string    `json:"domain"`
	ReportID string    `json:"report_id"`
	Gz       []byte    `json:"gz"`
	RUA      []string  `json:"rua"`
	Attempts int       `json:"attempts"`
	Next     time.Time `json:"next"`
}

func (p *pending) key() []byte { return []byte(p.Day.Format(dayFormat) + "\x00" + p.Domain) }

// openStore opens (creating) the store in dir (created 0700).
func openStore(dir string) (*store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tlsrpt: report dir: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, dbFile), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("tlsrpt: open store: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketDays, bucketPending} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("tlsrpt: init store: %w", err)
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

// entryKey is the key of one policy of one domain in a day's bucket.
func entryKey(d tlspolicy.DomainStats) []byte {
	h := sha256.Sum256([]byte(strings.Join(d.PolicyStrings, "\n")))
	return []byte(d.Domain + "\x00" + d.PolicyType + "\x00" + hex.EncodeToString(h[:8]))
}

// add merges stats into the day starting at day, in one transaction.
func (s *store) add(day time.Time, stats []tlspolicy.DomainStats) error {
	if len(stats) == 0 {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketDays).CreateBucketIfNotExists([]byte(day.Format(dayFormat)))
		if err != nil {
			return err
		}
		for _, d := range stats {
			k := entryKey(d)
			e := entry{Domain: d.Domain, Type: d.PolicyType, Strings: d.PolicyStrings, MX: d.MXHosts}
			if v := b.Get(k); v != nil {
				var old entry
				if json.Unmarshal(v, &old) == nil { // a corrupt entry starts again
					e = old
				}
			}
			e.add(d)
			v, err := json.Marshal(&e)
			if err != nil {
				return err
			}
			if err := b.Put(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tlsrpt: store counts of %s: %w", day.Format(dayFormat), err)
	}
	return nil
}

// days returns the days holding counts, oldest first.
func (s *store) days() ([]time.Time, error) {
	var out []time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDays).ForEachBucket(func(k []byte) error {
			if d, err := time.Parse(dayFormat, string(k)); err == nil {
				out = append(out, d)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("tlsrpt: list days: %w", err)
	}
	return out, nil
}

// dayEntries returns a day's entries by policy domain, and the domains in
// key order.
func (s *store) dayEntries(day time.Time) (map[string][]entry, []string, error) {
	by := map[string][]entry{}
	var order []string
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDays).Bucket([]byte(day.Format(dayFormat)))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var e entry
			if json.Unmarshal(v, &e) != nil || !bytes.HasPrefix(k, []byte(e.Domain+"\x00")) {
				return nil // corrupt: left out of the report
			}
			if _, ok := by[e.Domain]; !ok {
				order = append(order, e.Domain)
			}
			by[e.Domain] = append(by[e.Domain], e)
			return nil
		})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("tlsrpt: read %s: %w", day.Format(dayFormat), err)
	}
	return by, order, nil
}

// closeDomain removes domain's counts from day, and in the same
// transaction stores p (nil: nothing to send). The day's bucket goes with
// its last domain.
func (s *store) closeDomain(day time.Time, domain string, p *pending) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		days := tx.Bucket(bucketDays)
		name := []byte(day.Format(dayFormat))
		if b := days.Bucket(name); b != nil {
			prefix := []byte(domain + "\x00")
			c := b.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			if k, _ := b.Cursor().First(); k == nil {
				if err := days.DeleteBucket(name); err != nil {
					return err
				}
			}
		}
		if p == nil {
			return nil
		}
		return putPending(tx, p)
	})
	if err != nil {
		return fmt.Errorf("tlsrpt: close %s of %s: %w", domain, day.Format(dayFormat), err)
	}
	return nil
}

// dropDay removes a whole day's counts (too old to report).
func (s *store) dropDay(day time.Time) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketDays).DeleteBucket([]byte(day.Format(dayFormat)))
		if errors.Is(err, berrors.ErrBucketNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("tlsrpt: drop %s: %w", day.Format(dayFormat), err)
	}
	return nil
}

func putPending(tx *bolt.Tx, p *pending) error {
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketPending).Put(p.key(), v)
}

// pendings returns the reports waiting for delivery.
func (s *store) pendings() ([]*pending, error) {
	var out []*pending
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPending).ForEach(func(k, v []byte) error {
			p := &pending{}
			if json.Unmarshal(v, p) != nil || !bytes.Equal(k, p.key()) {
				return nil // corrupt: never sent
			}
			out = append(out, p)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("tlsrpt: list pending reports: %w", err)
	}
	return out, nil
}

// updatePending stores p, or removes it when it has no rua left.
func (s *store) updatePending(p *pending) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if len(p.RUA) == 0 {
			return tx.Bucket(bucketPending).Delete(p.key())
		}
		return putPending(tx, p)
	})
	if err != nil {
		return fmt.Errorf("tlsrpt: update report %s: %w", p.ReportID, err)
	}
	return nil
}
