package tenants

import (
	"encoding/json"
	"time"
)

// Tenant is one customer kept in the store (or a seed from the config).
type Tenant struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name,omitempty"`
	// Disabled tenants cannot authenticate; their data is kept.
	Disabled bool `json:"disabled,omitempty"`
	// AllowUnverified lets the tenant send from its domains still pending
	// verification (a migration from files to data); default false: mail
	// from a pending domain is refused at MAIL FROM.
	AllowUnverified bool `json:"allow_unverified,omitempty"`
	// Pools are the egress pools the tenant may use (first: its default).
	Pools []string `json:"pools,omitempty"`
	// TrackingHost is the tenant's own tracking host ("t.acme.example", a
	// CNAME to the edge): its links, pixel and List-Unsubscribe use it,
	// and the edge answers only its tokens there (tracking/hosts.go).
	// Empty: the default tracking host.
	TrackingHost string `json:"tracking_host,omitempty"`
	// Transactional lets the tenant send mail marked "X-Sluice-Stream:
	// transactional", which skips marketing unsubscribes and the
	// reputation guard's pause; without it such mail is refused 550 5.7.1
	// at submission (submit.Tenant.NoTransactional). A tenant created
	// here starts without it: an onboarded customer must not be able to
	// bypass its recipients' unsubscribes until the operator says so. It
	// is always written (no omitempty), so a record without the field was
	// written before the permission existed, when every tenant could send
	// transactional mail: such a record reads as true (UnmarshalJSON),
	// whether it comes from this store or from an older node's bundle.
	Transactional bool `json:"transactional"`
	// Seed marks a tenant of the config file (read-only here).
	Seed    bool      `json:"seed,omitempty"`
	Created time.Time `json:"created"`
	// Revision grows with every change to the tenant, its credentials or
	// its domains: a cache of what is built from them compares it.
	Revision uint64 `json:"revision"`
}

// UnmarshalJSON decodes a tenant record, reading a missing
// "transactional" as true (see Tenant.Transactional): records and bundles
// written before the permission existed keep sending as they did.
func (t *Tenant) UnmarshalJSON(b []byte) error {
	type plain Tenant // no methods: the default decoding
	p := plain{Transactional: true}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Tenant(p)
	return nil
}

// Credential is one SMTP AUTH credential of a tenant. The secret is never
// stored: only its bcrypt hash.
type Credential struct {
	// ID is also the SMTP username: "<tenant>.<random>".
	ID      string    `json:"id"`
	Tenant  string    `json:"tenant"`
	Hash    string    `json:"hash,omitempty"`
	Created time.Time `json:"created"`
	// Revoked is when it was revoked (zero: active).
	Revoked time.Time `json:"revoked,omitzero"`
}

// Domain states.
const (
	Pending  = "pending"
	Verified = "verified"
)

// Domain is one sending domain of a tenant.
type Domain struct {
	Name   string `json:"name"`
	Tenant string `json:"tenant"`
	State  string `json:"state"`
	// Token is the value published at _sluice-verify.<domain>.
	Token      string    `json:"token"`
	Keys       []Key     `json:"keys"`
	Created    time.Time `json:"created"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	CheckedAt  time.Time `json:"checked_at,omitzero"`
	// LastError is what the last failed verification found missing.
	LastError string `json:"last_error,omitempty"`
}

// Key states of a rotation (rotate.go).
const (
	// KeyActive keys sign (the zero value "" means active too).
	KeyActive = "active"
	// KeyNext keys are published for a rotation, not yet signing.
	KeyNext = "next"
	// KeyRetiring keys no longer sign but stay published until RetireAt.
	KeyRetiring = "retiring"
)

// Key is one DKIM key of a domain.
type Key struct {
	Algo     string `json:"algo"`
	Selector string `json:"selector"`
	TXT      string `json:"txt"`
	// State is KeyActive ("" too), KeyNext or KeyRetiring.
	State string `json:"state,omitempty"`
	// Created is when the key was generated.
	Created time.Time `json:"created,omitzero"`
	// VerifiedAt is when a verification last found its record published.
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	// RetireAt is when a retiring key is dropped from the store (its
	// record may then be removed from DNS).
	RetireAt time.Time `json:"retire_at,omitzero"`
	// Private is the PEM private key; it never leaves the process (the
	// admin API strips it, see [Domain.Public]).
	Private []byte `json:"private,omitempty"`
}

// Signing reports whether k signs mail (active).
func (k Key) Signing() bool { return k.State == "" || k.State == KeyActive }

// Public returns d without its private keys: what may be shown.
func (d Domain) Public() Domain {
	keys := make([]Key, len(d.Keys))
	for i, k := range d.Keys {
		k.Private = nil
		keys[i] = k
	}
	d.Keys = keys
	return d
}

// AuditEntry is one change: who made it, what, when.
type AuditEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

// Record is one DNS record to publish for a domain.
type Record struct {
	Type  string `json:"type"` // TXT or CNAME
	Name  string `json:"name"`
	Value string `json:"value"`
	// Purpose says what it is for: verification, dkim, return-path,
	// tracking.
	Purpose string `json:"purpose"`
}

// Seed is a tenant of the config file, as the store needs to know it.
type Seed struct {
	Name    string
	Domains []string
	// NoTransactional: the config refuses this tenant transactional mail
	// ([[tenant]] transactional = false); shown, the store does not
	// enforce it (the submission's tenant from the config does).
	NoTransactional bool
}
