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
	raw, _, err := s.ExportTenantRev(name)
	return raw, err
}

// ExportTenantRev is ExportTenant plus the tenant's local revision, for
// MarkSynced once the bundle is in the fleet.
func (s *Store) ExportTenantRev(name string) ([]byte, uint64, error) {
	var b bundle
	var rev uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		var t Tenant
		if _, err := get(tx, bTenants, name, &t); err != nil {
			return err
		}
		rev = t.Revision
		var err error
		b, err = readBundle(tx, name)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("tenants: export %s: %w", name, err)
	}
	raw, err := json.Marshal(b)
	return raw, rev, err
}

// bSynced holds, per tenant, the tenant's revision last known to be in
// the fleet (pushed, or imported from it): a tenant whose revision is
// higher has a change made here that the fleet has not seen. It is kept
// in the store, not in the replicator's memory, so that a change made
// while Redis is down survives a restart (or kill -9) of the node before
// Redis returns: otherwise the new process would see Redis's older bundle
// as news and import it over the change (a revoked credential valid
// again, fleet-wide).
var bSynced = []byte("fleet_synced")

// MarkSynced records that tenant name, at local revision rev (from
// ExportTenantRev), is in the fleet. A later local change keeps the
// tenant unsynced.
func (s *Store) MarkSynced(name string, rev uint64) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bSynced)
		if err != nil {
			return err
		}
		if v := b.Get([]byte(name)); len(v) == 8 && binary.BigEndian.Uint64(v) >= rev {
			return nil
		}
		return b.Put([]byte(name), binary.BigEndian.AppendUint64(nil, rev))
	})
	if err != nil {
		return fmt.Errorf("tenants: mark %s synced: %w", name, err)
	}
	return nil
}

// UnsyncedTenants lists the stored tenants changed here since they were
// last pushed to or imported from the fleet. The first call on a store
// that never kept marks (made by a release without them, or never in a
// fleet) marks every tenant as it stands and lists none: which of its
// tenants the fleet lacks is then for the replicator's seeding to find.
func (s *Store) UnsyncedTenants() ([]string, error) {
	var out []string
	err := s.db.Update(func(tx *bolt.Tx) error {
		out = out[:0]
		b := tx.Bucket(bSynced)
		first := b == nil
		if first {
			var err error
			if b, err = tx.CreateBucket(bSynced); err != nil {
				return err
			}
		}
		return tx.Bucket(bTenants).ForEach(func(k, v []byte) error {
			var t Tenant
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode tenant %q: %w", clip(string(k)), err)
			}
			if first {
				return b.Put(k, binary.BigEndian.AppendUint64(nil, t.Revision))
			}
			if m := b.Get(k); len(m) != 8 || binary.BigEndian.Uint64(m) < t.Revision {
				out = append(out, string(k))
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: unsynced tenants: %w", err)
	}
	return out, nil
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

// BundleTenant returns the name of the tenant raw (a bundle) carries, so
// that a replicator can check it against the key it was stored under
// before importing it.
func BundleTenant(raw []byte) (string, error) {
	var b struct {
		Tenant struct {
			Name string `json:"name"`
		} `json:"tenant"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return "", fmt.Errorf("tenants: bundle: %w", err)
	}
	return b.Tenant.Name, nil
}

// ImportTenant replaces a tenant's state with a bundle from another node
// (ExportTenant's output), in one transaction, and reports whether
// anything changed (an identical bundle is a no-op). The store's revision
// is bumped and watchers told (Change.Remote), so that caches rebuild. A
// bundle naming a seed tenant, or that does not decode, is refused.
func (s *Store) ImportTenant(raw []byte) (bool, error) {
	in, err := s.decodeBundle(raw)
	if err != nil {
		return false, err
	}
	name := in.Tenant.Name
	want, err := json.Marshal(in)
	if err != nil {
		return false, err
	}
	var rev uint64
	changed := false
	err = s.db.Update(func(tx *bolt.Tx) error {
		if sameBundle(tx, name, want) {
			return nil
		}
		if err := bundleFree(tx, in); err != nil {
			return err
		}
		changed = true
		if err := clearTenant(tx, name); err != nil {
			return err
		}
		r, err := bumpRevision(tx)
		if err != nil {
			return err
		}
		rev = r
		return putBundle(tx, in, rev)
	})
	if err != nil {
		return false, fmt.Errorf("tenants: import %s: %w", name, err)
	}
	if changed {
		s.notify(Change{Tenant: name, Revision: rev, Remote: true})
	}
	return changed, nil
}

// decodeBundle decodes a bundle from another node, bounded by MaxBundle,
// and checks it (checkBundle): a valid name, not one of this node's seeds.
func (s *Store) decodeBundle(raw []byte) (bundle, error) {
	var in bundle
	if len(raw) > MaxBundle {
		return in, fmt.Errorf("%w: tenant bundle of %d bytes (at most %d)", ErrInvalid, len(raw), MaxBundle)
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return in, fmt.Errorf("%w: tenant bundle: %v", ErrInvalid, err)
	}
	name := in.Tenant.Name
	if err := ValidName(name); err != nil {
		return in, err
	}
	if _, seed := s.seeds[name]; seed {
		return in, fmt.Errorf("%w: tenant %q", ErrSeed, name)
	}
	if err := s.checkBundle(&in); err != nil {
		return in, err
	}
	return in, nil
}

// sameBundle reports whether the stored state of tenant name encodes to
// want, the bundle being imported: then the import changes nothing.
func sameBundle(tx *bolt.Tx, name string, want []byte) bool {
	cur, err := readBundle(tx, name)
	if err != nil {
		return false
	}
	have, err := json.Marshal(cur)
	return err == nil && bytes.Equal(have, want)
}

// bumpRevision increments the store's revision in tx and returns it.
func bumpRevision(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bMeta)
	var rev uint64
	if v := meta.Get(keyRevision); len(v) == 8 {
		rev = binary.BigEndian.Uint64(v)
	}
	rev++
	return rev, meta.Put(keyRevision, binary.BigEndian.AppendUint64(nil, rev))
}

// putBundle writes a checked bundle into tx at revision rev, over a
// tenant cleared by clearTenant, and marks it synced: what came from the
// fleet is in the fleet.
func putBundle(tx *bolt.Tx, in bundle, rev uint64) error {
	name := in.Tenant.Name
	t := in.Tenant
	t.Revision = rev
	if err := put(tx, bTenants, name, t); err != nil {
		return err
	}
	synced, err := tx.CreateBucketIfNotExists(bSynced)
	if err != nil {
		return err
	}
	if err := synced.Put([]byte(name), binary.BigEndian.AppendUint64(nil, rev)); err != nil {
		return err
	}
	for _, c := range in.Credentials {
		if err := put(tx, bCreds, c.ID, c); err != nil {
			return err
		}
	}
	if err := putBundleDomains(tx, name, in.Domains); err != nil {
		return err
	}
	return putBundleAudit(tx, name, in.Audit)
}

// putBundleDomains writes tenant name's domains and their index entries.
// Another tenant's claim of the same domain here loses to the bundle: it
// is dropped from that tenant's index.
func putBundleDomains(tx *bolt.Tx, name string, domains []Domain) error {
	idx := tx.Bucket(bByTenant)
	for _, d := range domains {
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
	return nil
}

// putBundleAudit appends the bundle's audit entries to tenant name's
// trail, in order.
func putBundleAudit(tx *bolt.Tx, name string, entries []AuditEntry) error {
	audit := tx.Bucket(bAudit)
	for _, e := range entries {
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
}

// MaxBundle bounds a tenant bundle (a tenant with a thousand domains,
// keys in rotation and a long audit trail is a few MiB): a bundle is read
// whole, and Redis is not trusted with this node's memory.
const MaxBundle = 16 << 20

// checkBundle validates what a bundle says about its tenant as the local
// operations would (CreateTenant, AddCredential, AddDomain), against the
// seeds of this node's config, which another node's may lack: names in
// canonical form, credentials shaped as AddCredential makes them, no
// domain or tracking host inside a seed's domains. It clears the fields
// that are local to each node (Revision, Seed).
func (s *Store) checkBundle(in *bundle) error {
	name := in.Tenant.Name
	in.Tenant.Revision, in.Tenant.Seed = 0, false
	if err := validPools(in.Tenant.Pools); err != nil {
		return fmt.Errorf("tenant bundle %s: %w", name, err)
	}
	if h := in.Tenant.TrackingHost; h != "" {
		if n, err := s.trackingHostName(h); err != nil || n != h {
			return fmt.Errorf("%w: tenant bundle %s: tracking host %q", ErrInvalid, name, clip(h))
		}
	}
	for _, d := range in.Domains {
		if n, err := NormalizeDomain(d.Name); err != nil || n != d.Name || d.Tenant != name {
			return fmt.Errorf("%w: tenant bundle %s: domain %q", ErrInvalid, name, clip(d.Name))
		}
		for _, sd := range s.seeds {
			for _, o := range sd.Domains {
				if overlaps(d.Name, strings.ToLower(strings.TrimSuffix(o, "."))) {
					return fmt.Errorf("%w: tenant bundle %s: %s overlaps %s, a domain of tenant %q", ErrClaimed, name, d.Name, o, sd.Name)
				}
			}
		}
	}
	for _, c := range in.Credentials {
		if c.Tenant != name || !CredentialShape(c.ID) || !strings.HasPrefix(c.ID, name+".") {
			return fmt.Errorf("%w: tenant bundle %s: credential %q", ErrInvalid, name, clip(c.ID))
		}
	}
	return nil
}

// bundleFree refuses a bundle that claims what another stored tenant
// holds here: a domain inside or above one of theirs (the same domain
// passes over to the bundle: two operators' simultaneous claims, the
// later bundle wins), their tracking host, or a tracking host inside
// their domains or a domain around theirs. AddDomain and hostFree refuse
// the same locally; a bundle is another node's word, not a licence to
// send as a neighbour.
func bundleFree(tx *bolt.Tx, in bundle) error {
	name := in.Tenant.Name
	for _, d := range in.Domains {
		if err := domainFree(tx, name, d.Name, true); err != nil {
			return fmt.Errorf("tenant bundle %s: %w", name, err)
		}
	}
	if err := hostFree(tx, name, in.Tenant.TrackingHost); err != nil {
		return fmt.Errorf("tenant bundle %s: %w", name, err)
	}
	return nil
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
