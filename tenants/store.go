package tenants

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"sluice/internal/clock"
)

// Buckets of the store's file (data_dir/tenants.db).
var (
	bTenants = []byte("tenants") // name → Tenant (JSON)
	bCreds   = []byte("creds")   // id → Credential
	bDomains = []byte("domains") // domain → Domain (private keys included)
	bAudit   = []byte("audit")   // tenant \0 seq (8 bytes) → AuditEntry
	bMeta    = []byte("meta")    // "revision" → uint64
)

var keyRevision = []byte("revision")

// Options configures a Store.
type Options struct {
	// Path is the bbolt file, created with mode 0600 (it holds DKIM
	// private keys).
	Path string
	// Seeds are the config file's tenants: listed, never changed, and
	// their names and domains cannot be taken.
	Seeds []Seed
	// BcryptCost hashes new credentials. Default bcrypt.DefaultCost (10).
	BcryptCost int
	// ReturnPathTarget, when set, asks each domain to publish
	// ReturnPathLabel.<domain> CNAME ReturnPathTarget (its bounce host);
	// ReturnPathLabel defaults to "bounces".
	ReturnPathLabel, ReturnPathTarget string
	// TrackingTarget, when set, asks each domain to publish
	// TrackingLabel.<domain> CNAME TrackingTarget (the edge);
	// TrackingLabel defaults to "track".
	TrackingLabel, TrackingTarget string
	// EdgeHosts are the names the tracking edge answers as itself: the
	// host of tracking.base_url and the tracking.acme_hosts. There every
	// tenant's tokens are served (tracking.HostTenants); a tenant owning
	// one would make the edge answer 404 to every other tenant's links
	// and one-click unsubscribes on it. No tenant may take one as its
	// tracking host, and one a tenant holds already is not fed to the
	// edge (TrackingHosts). TrackingTarget and ReturnPathTarget are
	// refused the same way.
	EdgeHosts []string
	// Resolver answers VerifyDomain's lookups (a DNSResolver on the
	// configured resolvers). Nil: VerifyDomain fails.
	Resolver Resolver
	// RotationGrace is how long a key replaced by a rotation stays
	// published (and in the store) before it is dropped. Default
	// DefaultRotationGrace (7 days).
	RotationGrace time.Duration
	// Now is the clock of audit entries, key dates and verification.
	// Default clock.Now.
	Now func() time.Time
}

// Store is the durable store of tenants as data. Safe for concurrent use
// (bbolt serialises the writers).
type Store struct {
	db    *bolt.DB
	opts  Options
	seeds map[string]Seed

	watchMu  sync.Mutex // guards watchers
	watchers []func(Change)
}

// Open opens (or creates) the store at opts.Path.
func Open(opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = bcrypt.DefaultCost
	}
	if opts.RotationGrace <= 0 {
		opts.RotationGrace = DefaultRotationGrace
	}
	if opts.ReturnPathLabel == "" {
		opts.ReturnPathLabel = "bounces"
	}
	if opts.TrackingLabel == "" {
		opts.TrackingLabel = "track"
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, fmt.Errorf("tenants: open: %w", err)
	}
	db, err := bolt.Open(opts.Path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("tenants: open %s: %w", opts.Path, err)
	}
	// An existing file made by hand or an older umask: keys are secrets.
	if err := os.Chmod(opts.Path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("tenants: chmod %s: %w", opts.Path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bTenants, bCreds, bDomains, bAudit, bMeta, bByTenant} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("tenants: init %s: %w", opts.Path, err)
	}
	s := &Store{db: db, opts: opts, seeds: map[string]Seed{}}
	for _, sd := range opts.Seeds {
		s.seeds[sd.Name] = sd
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Revision is the store-wide change counter (0 for a new store).
func (s *Store) Revision() (uint64, error) {
	var rev uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(keyRevision); len(v) == 8 {
			rev = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return rev, err
}

// change runs fn in one write transaction, then records the audit entry
// of tenant (fn's detail) and bumps the revisions (the store's and the tenant's): all
// or nothing, fsync'd by bbolt's commit.
func (s *Store) change(tenant, actor, action string, fn func(tx *bolt.Tx) (detail string, err error)) error {
	var rev uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		detail, err := fn(tx)
		if err != nil {
			return err
		}
		meta := tx.Bucket(bMeta)
		rev = 0
		if v := meta.Get(keyRevision); len(v) == 8 {
			rev = binary.BigEndian.Uint64(v)
		}
		rev++
		if err := meta.Put(keyRevision, binary.BigEndian.AppendUint64(nil, rev)); err != nil {
			return err
		}
		var t Tenant
		if ok, err := get(tx, bTenants, tenant, &t); err != nil {
			return err
		} else if ok {
			t.Revision = rev
			if err := put(tx, bTenants, tenant, t); err != nil {
				return err
			}
		}
		audit := tx.Bucket(bAudit)
		seq, err := audit.NextSequence()
		if err != nil {
			return err
		}
		key := binary.BigEndian.AppendUint64([]byte(tenant+"\x00"), seq)
		e := AuditEntry{At: s.opts.Now().UTC(), Actor: actor, Action: action, Detail: detail}
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return audit.Put(key, v)
	})
	if err != nil {
		return fmt.Errorf("tenants: %s %s: %w", action, tenant, err)
	}
	s.notify(Change{Tenant: tenant, Revision: rev})
	return nil
}

// get decodes the value of key in bucket into v; false when absent.
func get(tx *bolt.Tx, bucket []byte, key string, v any) (bool, error) {
	raw := tx.Bucket(bucket).Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("decode %s/%s: %w", bucket, key, err)
	}
	return true, nil
}

func put(tx *bolt.Tx, bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put([]byte(key), raw)
}

// Audit returns the tenant's audit trail, oldest first.
func (s *Store) Audit(tenant string) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := []byte(tenant + "\x00")
		c := tx.Bucket(bAudit).Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode audit: %w", err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: audit %s: %w", tenant, err)
	}
	return out, nil
}
