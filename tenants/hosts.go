package tenants

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// validTrackingHost normalises a tenant's tracking host ("" stays ""): a
// well-formed domain name ([NormalizeDomain]), not one of the seeds'
// sending domains' apexes nor inside another seed's domains, since a
// host inside someone else's domain is a claim on their name, and not
// the service's own tracking or return-path target.
func (s *Store) validTrackingHost(h string) (string, error) {
	name, err := s.trackingHostName(h)
	if err != nil || name == "" {
		return name, err
	}
	// The edge's own names (base URL host, CNAME target) are the default
	// host, where every tenant's tokens are served: owned by one tenant,
	// it would answer 404 to all the others' links and unsubscribes.
	if s.edgeHost(name) {
		return "", fmt.Errorf("%w: tracking host %s is the service's own host", ErrClaimed, name)
	}
	return name, nil
}

// trackingHostName is validTrackingHost without the edge-host check: what
// a fleet bundle's tracking host must be (checkBundle). A bundle made on a
// node that did not know the host as an edge host still syncs here, or
// the tenant's later changes (a disable, a revoked credential) would never
// reach this node; the host is left out of what this edge serves
// (TrackingHosts) instead.
func (s *Store) trackingHostName(h string) (string, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return "", nil
	}
	name, err := NormalizeDomain(h)
	if err != nil {
		return "", fmt.Errorf("%w (tracking host)", err)
	}
	for _, sd := range s.seeds {
		for _, d := range sd.Domains {
			d = strings.ToLower(strings.TrimSuffix(d, "."))
			if name == d || strings.HasSuffix(name, "."+d) {
				return "", fmt.Errorf("%w: tracking host %s is in %s, a domain of tenant %q", ErrClaimed, name, d, sd.Name)
			}
		}
	}
	return name, nil
}

// edgeHost reports whether name (normalised) is one of the service's own
// hosts: Options.EdgeHosts, TrackingTarget or ReturnPathTarget.
func (s *Store) edgeHost(name string) bool {
	own := append([]string{s.opts.TrackingTarget, s.opts.ReturnPathTarget}, s.opts.EdgeHosts...)
	for _, h := range own {
		if h != "" && name == strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), ".")) {
			return true
		}
	}
	return false
}

// hostFree refuses host when another stored tenant already has it, or
// when it lies inside a sending domain of another tenant (tokens served
// there would speak in that tenant's name). "" is always free.
func hostFree(tx *bolt.Tx, tenant, host string) error {
	if host == "" {
		return nil
	}
	err := tx.Bucket(bTenants).ForEach(func(k, v []byte) error {
		if string(k) == tenant {
			return nil
		}
		var t Tenant
		if _, err := get(tx, bTenants, string(k), &t); err != nil {
			return err
		}
		if t.TrackingHost == host {
			return fmt.Errorf("%w: tracking host %s is tenant %q's", ErrClaimed, host, t.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bDomains).ForEach(func(k, _ []byte) error {
		d := string(k)
		if host != d && !strings.HasSuffix(host, "."+d) {
			return nil
		}
		var od Domain
		if _, err := get(tx, bDomains, d, &od); err != nil {
			return err
		}
		if od.Tenant != tenant {
			return fmt.Errorf("%w: tracking host %s is in %s, a domain of another tenant", ErrClaimed, host, d)
		}
		return nil
	})
}

// domainFree refuses domain for tenant when it overlaps a domain of
// another stored tenant (equal passes when allowEqual) or holds another
// tenant's tracking host: that host would then be a name inside the
// tenant's domain serving someone else's links.
func domainFree(tx *bolt.Tx, tenant, domain string, allowEqual bool) error {
	err := tx.Bucket(bDomains).ForEach(func(k, _ []byte) error {
		other := string(k)
		if !overlaps(domain, other) || (allowEqual && other == domain) {
			return nil
		}
		var od Domain
		if _, err := get(tx, bDomains, other, &od); err != nil {
			return err
		}
		if od.Tenant != tenant {
			return fmt.Errorf("%w: %s overlaps %s, a domain of another tenant", ErrClaimed, domain, other)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bTenants).ForEach(func(k, _ []byte) error {
		if string(k) == tenant {
			return nil
		}
		var t Tenant
		if _, err := get(tx, bTenants, string(k), &t); err != nil {
			return err
		}
		if h := t.TrackingHost; h != "" && (h == domain || strings.HasSuffix(h, "."+domain)) {
			return fmt.Errorf("%w: %s holds %s, the tracking host of tenant %q", ErrClaimed, domain, h, t.Name)
		}
		return nil
	})
}

// TrackingHosts maps every stored tenant's tracking host to the tenant
// (disabled tenants included: their mail already sent still carries
// links, and an unsubscribe must keep working). For the edge's host
// check (tracking.HostMap). A host that is the service's own
// (Options.EdgeHosts; stored before it was set) is left out: the edge
// keeps serving every tenant's tokens there.
func (s *Store) TrackingHosts() (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bTenants).ForEach(func(k, _ []byte) error {
			var t Tenant
			if _, err := get(tx, bTenants, string(k), &t); err != nil {
				return err
			}
			if t.TrackingHost != "" && !s.edgeHost(t.TrackingHost) {
				out[t.TrackingHost] = t.Name
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: tracking hosts: %w", err)
	}
	return out, nil
}

// FeedHosts calls set with [Store.TrackingHosts] now and again after
// every change to the store (local or imported from the fleet), so that
// the edge's host map follows the store without a restart. A store error
// on a later reload keeps the previous map and is handed to onErr (nil:
// ignored).
func (s *Store) FeedHosts(set func(map[string]string), onErr func(error)) error {
	m, err := s.TrackingHosts()
	if err != nil {
		return err
	}
	set(m)
	s.Watch(func(Change) {
		m, err := s.TrackingHosts()
		if err != nil {
			if onErr != nil {
				onErr(err)
			}
			return
		}
		set(m)
	})
	return nil
}
