package tenants

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Replication between nodes (fleet/tenants.go). Each node keeps its own
// store file; what travels is one tenant's whole state, a bundle, written
// by the node where it changed and imported as a whole by the others. A
// tenant is the unit because every change is one tenant's (Store.change):
// two nodes changing the same tenant at the same instant is the one
// conflict, settled by the last bundle written (an operator's two
// simultaneous edits of one customer, on two nodes).

// bundle is one tenant's state: private keys and credential hashes
// included, so it is as secret as the store file.
type bundle struct {
	Tenant      Tenant       `json:"tenant"`
	Credentials []Credential `json:"credentials"`
	Domains     []Domain     `json:"domains"`
	Audit       []AuditEntry `json:"audit"`
}

// WatchLocal calls fn with the tenant of every change made on this node
// (not of those imported): what a fleet publishes.
func (s *Store) WatchLocal(fn func(tenant string)) {
	s.Watch(func(c Change) {
		if !c.Remote {
			fn(c.Tenant)
		}
	})
}

// StoredTenants lists the names of the stored tenants (seeds excluded).
func (s *Store) StoredTenants() ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bTenants).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: list: %w", err)
	}
	return out, nil
}

// ExportTenant returns a stored tenant's bundle (JSON), for another node.
func (s *Store) ExportTenant(name string) ([]byte, error) {
	var b bundle
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		b, err = readBundle(tx, name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: export %s: %w", name, err)
	}
	return json.Marshal(b)
}

// readBundle reads tenant name's bundle in tx, Revision zeroed (local to
// each node).
func readBundle(tx *bolt.Tx, name string) (bundle, error) {
	var b bundle
	ok, err := get(tx, bTenants, name, &b.Tenant)
	if err != nil {
		return b, err
	}
	if !ok {
		return b, fmt.Errorf("%w: tenant %q", ErrNotFound, name)
	}
	b.Tenant.Revision = 0
	c := tx.Bucket(bCreds).Cursor()
	prefix := []byte(name + ".")
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var cr Credential
		if err := json.Unmarshal(v, &cr); err != nil {
			return b, fmt.Errorf("decode credential: %w", err)
		}
		if cr.Tenant == name {
			b.Credentials = append(b.Credentials, cr)
		}
	}
	if b.Domains, err = domainsOf(tx, name); err != nil {
		return b, err
	}
	ac := tx.Bucket(bAudit).Cursor()
	aprefix := []byte(name + "\x00")
	for k, v := ac.Seek(aprefix); k != nil && bytes.HasPrefix(k, aprefix); k, v = ac.Next() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return b, fmt.Errorf("decode audit: %w", err)
		}
		b.Audit = append(b.Audit, e)
	}
	return b, nil
}

// ImportTenant replaces a tenant's state with a bundle from another node
// (ExportTenant's output), in one transaction, and reports whether
// anything changed (an identical bundle is a no-op). The store's revision
// is bumped and watchers told (Change.Remote), so that caches rebuild. A
// bundle naming a seed tenant, or that does not decode, is refused.
func (s *Store) ImportTenant(raw []byte) (bool, error) {
	var in bundle
	if err := json.Unmarshal(raw, &in); err != nil {
		return false, fmt.Errorf("%w: tenant bundle: %v", ErrInvalid, err)
	}
	name := in.Tenant.Name
	if err := ValidName(name); err != nil {
		return false, err
	}
	if _, seed := s.seeds[name]; seed {
		return false, fmt.Errorf("%w: tenant %q", ErrSeed, name)
	}
	in.Tenant.Revision = 0
	for _, d := range in.Domains {
		if n, err := NormalizeDomain(d.Name); err != nil || n != d.Name || d.Tenant != name {
			return false, fmt.Errorf("%w: tenant bundle %s: domain %q", ErrInvalid, name, clip(d.Name))
		}
	}
	for _, c := range in.Credentials {
		if c.Tenant != name || !strings.HasPrefix(c.ID, name+".") {
			return false, fmt.Errorf("%w: tenant bundle %s: credential %q", ErrInvalid, name, clip(c.ID))
		}
	}
	want, err := json.Marshal(in)
	if err != nil {
		return false, err
	}
	var rev uint64
	changed := false
	err = s.db.Update(func(tx *bolt.Tx) error {
		if cur, err := readBundle(tx, name); err == nil {
			if have, err := json.Marshal(cur); err == nil && bytes.Equal(have, want) {
				return nil
			}
		}
		changed = true
		if err := clearTenant(tx, name); err != nil {
			return err
		}
		meta := tx.Bucket(bMeta)
		if v := meta.Get(keyRevision); len(v) == 8 {
			rev = binary.BigEndian.Uint64(v)
		}
		rev++
		if err := meta.Put(keyRevision, binary.BigEndian.AppendUint64(nil, rev)); err != nil {
			return err
		}
		t := in.Tenant
		t.Revision = rev
		if err := put(tx, bTenants, name, t); err != nil {
			return err
		}
		for _, c := range in.Credentials {
			if err := put(tx, bCreds, c.ID, c); err != nil {
				return err
			}
		}
		idx := tx.Bucket(bByTenant)
		for _, d := range in.Domains {
			// Another tenant's claim of the same domain here loses to the
			// bundle: drop it from that tenant's index.
			var old Domain
			if ok, err := get(tx, bDomains, d.Name, &old); err != nil {
				return err
			} else if ok && old.Tenant != name {
				if err := idx.Delete([]byte(old.Tenant + "\x00" + d.Name)); err != nil {
					return err
				}
			}
			if err := idx.Put([]byte(name+"\x00"+d.Name), nil); err != nil {
				return err
			}
			if err := put(tx, bDomains, d.Name, d); err != nil {
				return err
			}
		}
		audit := tx.Bucket(bAudit)
		for _, e := range in.Audit {
			seq, err := audit.NextSequence()
			if err != nil {
				return err
			}
			v, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := audit.Put(binary.BigEndian.AppendUint64([]byte(name+"\x00"), seq), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("tenants: import %s: %w", name, err)
	}
	if changed {
		s.notify(Change{Tenant: name, Revision: rev, Remote: true})
	}
	return changed, nil
}

// clearTenant deletes a tenant's credentials, domains (with their index
// entries) and audit entries in tx; the tenant record is overwritten by
// the caller.
func clearTenant(tx *bolt.Tx, name string) error {
	del := func(bucket []byte, prefix []byte, keep func(v []byte) bool) error {
		b := tx.Bucket(bucket)
		var keys [][]byte
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if keep == nil || !keep(v) {
				keys = append(keys, bytes.Clone(k))
			}
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}
	otherTenant := func(v []byte) bool { // "a." prefixes "a.b…" only for tenant "a"
		var c Credential
		return json.Unmarshal(v, &c) == nil && c.Tenant != name
	}
	if err := del(bCreds, []byte(name+"."), otherTenant); err != nil {
		return err
	}
	ds, err := domainsOf(tx, name)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if err := tx.Bucket(bDomains).Delete([]byte(d.Name)); err != nil {
			return err
		}
	}
	if err := del(bByTenant, []byte(name+"\x00"), nil); err != nil {
		return err
	}
	return del(bAudit, []byte(name+"\x00"), nil)
}
