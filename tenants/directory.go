package tenants

import (
	"log/slog"
	"sync"

	"sluice/dkim"
	"sluice/mta/submit"
)

// DirectoryOptions configures a Directory.
type DirectoryOptions struct {
	// ESPKeys are the service's own DKIM keys, added to every tenant's
	// signer (dkim.Options.ESPKeys).
	ESPKeys []dkim.Key
	// Tracker rewrites the tenants' mail (tracking links, List-
	// Unsubscribe); nil: none.
	Tracker submit.Tracker
	// TrackerFor returns the tracker of a tenant with its own tracking
	// host (Tenant.TrackingHost): the same as Tracker, URLs on that host
	// (tracking.Tracker.WithHost). Nil: such tenants use Tracker.
	TrackerFor func(host string) submit.Tracker
	// ESPFallback accepts a message with no key aligned with its From
	// domain when it got the ESP's signature (ESPKeys); false: refused
	// (550 5.7.1), as is any message that would leave unsigned.
	ESPFallback bool
	// DefaultPool is the pool of a tenant that names none, by its real
	// name (delivery.default_pool), so holds on that pool cover it.
	// Empty: the submission's default.
	DefaultPool string
	// Logger reports store errors met at AUTH. Default slog.Default.
	Logger *slog.Logger
}

// Directory serves the store's credentials to mta/submit
// (submit.Directory). Every Lookup reads the store, so revocations count
// at once; the submit.Tenant built from a tenant (its DKIM signer parses
// the private keys) is kept until the tenant's revision changes.
type Directory struct {
	store *Store
	opts  DirectoryOptions

	mu    sync.Mutex
	built map[string]builtTenant // tenant name → last view built
}

type builtTenant struct {
	rev uint64
	t   *submit.Tenant
}

var _ submit.Directory = (*Directory)(nil)

// NewDirectory returns the submission's view of s.
func NewDirectory(s *Store, opts DirectoryOptions) *Directory {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Directory{store: s, opts: opts, built: map[string]builtTenant{}}
}

// Cost is the bcrypt cost of the store's credentials, for
// submit.Backend.SetDirectory.
func (d *Directory) Cost() int { return d.store.opts.BcryptCost }

var _ submit.Claimer = (*Directory)(nil)

// Claims implements submit.Claimer: username has the shape of a stored
// credential's id (CredentialShape), whether or not it exists.
func (d *Directory) Claims(username string) bool { return CredentialShape(username) }

// Lookup implements submit.Directory.
func (d *Directory) Lookup(username string) (*submit.Tenant, string, bool) {
	l, ok, err := d.store.Lookup(username)
	if err != nil {
		d.opts.Logger.Error("tenants: lookup at AUTH", "err", err)
		return nil, "", false
	}
	if !ok {
		return nil, "", false
	}
	d.mu.Lock()
	b, hit := d.built[l.Tenant.Name]
	d.mu.Unlock()
	if hit && b.rev == l.Tenant.Revision {
		return b.t, l.Credential.Hash, true
	}
	t, err := d.build(l)
	if err != nil {
		d.opts.Logger.Error("tenants: build tenant at AUTH", "tenant", l.Tenant.Name, "err", err)
		return nil, "", false
	}
	d.mu.Lock()
	d.built[l.Tenant.Name] = builtTenant{rev: l.Tenant.Revision, t: t}
	d.mu.Unlock()
	return t, l.Credential.Hash, true
}

// build makes the submission's tenant: verified domains are its sender
// domains and are signed with their own keys; pending ones are refused at
// MAIL FROM (listed as Unverified) unless the tenant allows them, and are
// then signed with their generated keys (valid once the records are
// published, and aligned either way). Its signer refuses mail that would
// leave without a signature aligned with the From domain
// (submit.RequireAligned): a tenant kept as data never sends unsigned.
func (d *Directory) build(l Login) (*submit.Tenant, error) {
	t := &submit.Tenant{Name: l.Tenant.Name, Username: l.Credential.ID, Pools: l.Tenant.Pools, Tracker: d.opts.Tracker,
		NoTransactional: !l.Tenant.Transactional}
	if h := l.Tenant.TrackingHost; h != "" && d.opts.Tracker != nil && d.opts.TrackerFor != nil {
		t.Tracker = d.opts.TrackerFor(h)
	}
	if len(t.Pools) == 0 && d.opts.DefaultPool != "" {
		t.Pools = []string{d.opts.DefaultPool}
	}
	var keys []dkim.Key
	for _, dom := range l.Domains {
		if dom.State != Verified && !l.Tenant.AllowUnverified {
			t.Unverified = append(t.Unverified, dom.Name)
			continue
		}
		t.SenderDomains = append(t.SenderDomains, dom.Name)
		for _, k := range dom.Keys {
			if !k.Signing() {
				continue // published for a rotation, or retiring
			}
			signer, err := dkim.ParsePrivateKey(k.Private)
			if err != nil {
				return nil, err
			}
			keys = append(keys, dkim.Key{Domain: dom.Name, Selector: k.Selector, Signer: signer})
		}
	}
	var inner submit.Signer
	if len(keys) > 0 || len(d.opts.ESPKeys) > 0 {
		s, err := dkim.NewSigner(dkim.Options{Keys: keys, ESPKeys: d.opts.ESPKeys})
		if err != nil {
			return nil, err
		}
		inner = s
	}
	t.Signer = submit.RequireAligned(inner, d.opts.ESPFallback)
	return t, nil
}
