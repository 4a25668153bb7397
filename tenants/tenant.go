package tenants

import (
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Update is a change to a tenant's settings; nil fields are kept.
type Update struct {
	DisplayName     *string  `json:"display_name,omitempty"`
	AllowUnverified *bool    `json:"allow_unverified,omitempty"`
	Pools           []string `json:"pools,omitempty"`
	Disabled        *bool    `json:"disabled,omitempty"`
	// TrackingHost sets the tenant's tracking host; "" clears it.
	TrackingHost *string `json:"tracking_host,omitempty"`
	// Transactional grants or withdraws the transactional stream
	// (Tenant.Transactional).
	Transactional *bool `json:"transactional,omitempty"`
}

// CreateTenant adds a tenant named t.Name. A name already in the store or
// among the seeds is refused with ErrExists.
func (s *Store) CreateTenant(actor string, t Tenant) (Tenant, error) {
	if err := ValidName(t.Name); err != nil {
		return Tenant{}, err
	}
	if _, seed := s.seeds[t.Name]; seed {
		return Tenant{}, fmt.Errorf("%w: tenant %q (in the config file)", ErrExists, t.Name)
	}
	if err := validPools(t.Pools); err != nil {
		return Tenant{}, err
	}
	t.Seed, t.Disabled, t.Created, t.Revision = false, false, s.opts.Now().UTC(), 0
	t.DisplayName = strings.TrimSpace(t.DisplayName)
	host, err := s.validTrackingHost(t.TrackingHost)
	if err != nil {
		return Tenant{}, err
	}
	t.TrackingHost = host
	err = s.change(t.Name, actor, "tenant.create", func(tx *bolt.Tx) (string, error) {
		if tx.Bucket(bTenants).Get([]byte(t.Name)) != nil {
			return "", fmt.Errorf("%w: tenant %q", ErrExists, t.Name)
		}
		if err := hostFree(tx, t.Name, host); err != nil {
			return "", err
		}
		detail := fmt.Sprintf("allow_unverified=%t transactional=%t", t.AllowUnverified, t.Transactional)
		if host != "" {
			detail += " tracking_host=" + host
		}
		return detail, put(tx, bTenants, t.Name, t)
	})
	if err != nil {
		return Tenant{}, err
	}
	return s.Tenant(t.Name)
}

// UpdateTenant applies u to a stored tenant (seeds are read-only).
func (s *Store) UpdateTenant(actor, name string, u Update) (Tenant, error) {
	if _, seed := s.seeds[name]; seed {
		return Tenant{}, fmt.Errorf("%w: tenant %q", ErrSeed, name)
	}
	if err := validPools(u.Pools); err != nil {
		return Tenant{}, err
	}
	var host string
	if u.TrackingHost != nil {
		h, err := s.validTrackingHost(*u.TrackingHost)
		if err != nil {
			return Tenant{}, err
		}
		host = h
	}
	action := "tenant.update"
	if u.Disabled != nil && *u.Disabled && u.DisplayName == nil && u.AllowUnverified == nil && u.Pools == nil && u.TrackingHost == nil && u.Transactional == nil {
		action = "tenant.disable"
	}
	err := s.change(name, actor, action, func(tx *bolt.Tx) (string, error) {
		var t Tenant
		if ok, err := get(tx, bTenants, name, &t); err != nil {
			return "", err
		} else if !ok {
			return "", fmt.Errorf("%w: tenant %q", ErrNotFound, name)
		}
		var what []string
		if u.DisplayName != nil {
			t.DisplayName = strings.TrimSpace(*u.DisplayName)
			what = append(what, "display_name")
		}
		if u.AllowUnverified != nil {
			t.AllowUnverified = *u.AllowUnverified
			what = append(what, fmt.Sprintf("allow_unverified=%t", t.AllowUnverified))
		}
		if u.Pools != nil {
			t.Pools = slices.Clone(u.Pools)
			what = append(what, "pools="+strings.Join(t.Pools, ","))
		}
		if u.Disabled != nil {
			t.Disabled = *u.Disabled
			what = append(what, fmt.Sprintf("disabled=%t", t.Disabled))
		}
		if u.TrackingHost != nil {
			if err := hostFree(tx, name, host); err != nil {
				return "", err
			}
			t.TrackingHost = host
			what = append(what, "tracking_host="+host)
		}
		if u.Transactional != nil {
			t.Transactional = *u.Transactional
			what = append(what, fmt.Sprintf("transactional=%t", t.Transactional))
		}
		return strings.Join(what, " "), put(tx, bTenants, name, t)
	})
	if err != nil {
		return Tenant{}, err
	}
	return s.Tenant(name)
}

// seedTenant is how a tenant of the config file is listed.
func seedTenant(sd Seed) Tenant {
	return Tenant{Name: sd.Name, Seed: true, Transactional: !sd.NoTransactional}
}

func validPools(pools []string) error {
	for _, p := range pools {
		if p == "" || len(p) > 64 || strings.ContainsAny(p, " \t\r\n,") {
			return fmt.Errorf("%w: pool name %q", ErrInvalid, clip(p))
		}
	}
	return nil
}

// Tenant returns one tenant, stored or seed.
func (s *Store) Tenant(name string) (Tenant, error) {
	if sd, seed := s.seeds[name]; seed {
		return seedTenant(sd), nil
	}
	var t Tenant
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		ok, err = get(tx, bTenants, name, &t)
		return err
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("tenants: read %s: %w", name, err)
	}
	if !ok {
		return Tenant{}, fmt.Errorf("%w: tenant %q", ErrNotFound, name)
	}
	return t, nil
}

// Tenants lists the seeds then the stored tenants, by name.
func (s *Store) Tenants() ([]Tenant, error) {
	var out []Tenant
	for _, sd := range s.seeds {
		out = append(out, seedTenant(sd))
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bTenants).ForEach(func(k, v []byte) error {
			var t Tenant
			if _, err := get(tx, bTenants, string(k), &t); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: list: %w", err)
	}
	slices.SortFunc(out, func(a, b Tenant) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
