package configs

import (
	"fmt"
	"strings"
	"time"
)

// TenantStore configures tenants kept as data ([tenants]): the store at
// data_dir/tenants.db where `sluice ctl tenant` and `ctl domain` create
// tenants, credentials and sending domains without editing this file
// (package tenants). The [[tenant]] tables stay as read-only seeds.
type TenantStore struct {
	// Resolvers are the DNS servers ("ip" or "ip:port") that `ctl domain
	// verify` asks for the published records. Default: delivery.resolvers,
	// else those of /etc/resolv.conf.
	Resolvers []string `toml:"resolvers"`
	// BcryptCost hashes new credentials' secrets (4 to 16; each step
	// doubles the work of an AUTH check not in the cache). Default 10.
	BcryptCost int `toml:"bcrypt_cost"`
	// ReturnPathTarget, when set, asks each new domain to publish
	// <return_path_label>.<domain> CNAME return_path_target (a host of
	// inbound.domains' MX), checked by verification. Default "": no such
	// record.
	ReturnPathTarget string `toml:"return_path_target"`
	// ReturnPathLabel is the label of that CNAME. Default "bounces".
	ReturnPathLabel string `toml:"return_path_label"`
	// TrackingTarget, when set, asks each new domain to publish
	// <tracking_label>.<domain> CNAME tracking_target (the tracking edge's
	// host), checked by verification. Default "": no such record.
	TrackingTarget string `toml:"tracking_target"`
	// TrackingLabel is the label of that CNAME. Default "track".
	TrackingLabel string `toml:"tracking_label"`
	// RotationGrace is how long a DKIM key replaced by `ctl domain rotate
	// --switch` stays published (and verifiable) before it is dropped;
	// its record can be removed from DNS after that. It must outlive a
	// message's life in the queue and a receiver's re-verification of a
	// forwarded message. Default "168h".
	RotationGrace Duration `toml:"rotation_grace"`
}

// The bounds of tenants.bcrypt_cost: bcrypt's own minimum, and a maximum
// above which one AUTH check takes seconds (a denial of service on the
// submission's bounded bcrypt slots).
const (
	minBcryptCost = 4
	maxBcryptCost = 16
)

// validate checks the [tenants] table.
func (s TenantStore) validate() error {
	for i, r := range s.Resolvers {
		if _, err := ResolverAddr(r); err != nil {
			return keyError(fmt.Sprintf("tenants.resolvers[%d]", i), "%v", err)
		}
	}
	if s.BcryptCost < minBcryptCost || s.BcryptCost > maxBcryptCost {
		return keyError("tenants.bcrypt_cost", "%d is not between %d and %d", s.BcryptCost, minBcryptCost, maxBcryptCost)
	}
	if s.RotationGrace.Duration < time.Hour {
		return keyError("tenants.rotation_grace", "%s: must be at least 1h (mail signed with the old key is still in queues)", s.RotationGrace.Duration)
	}
	for key, v := range map[string]string{"tenants.return_path_label": s.ReturnPathLabel, "tenants.tracking_label": s.TrackingLabel} {
		if !validDNSName(v, false) {
			return keyError(key, "%q is not a DNS label (letters, digits, inner hyphens; dots between labels)", v)
		}
	}
	for key, v := range map[string]string{"tenants.return_path_target": s.ReturnPathTarget, "tenants.tracking_target": s.TrackingTarget} {
		if v != "" && !validDNSName(v, true) {
			return keyError(key, "%q is not a host name", v)
		}
	}
	return nil
}

// TenantResolvers returns the resolvers of domain verification as
// "ip:port": tenants.resolvers, else delivery.resolvers; none when
// neither is set (the caller then reads /etc/resolv.conf).
func (c *Config) TenantResolvers() ([]string, error) {
	if len(c.TenantStore.Resolvers) > 0 {
		return resolverAddrs("tenants.resolvers", c.TenantStore.Resolvers)
	}
	return resolverAddrs("delivery.resolvers", c.Delivery.Resolvers)
}

// validDNSName reports whether s is dot-separated labels of 1 to 63
// letters, digits and inner hyphens, 253 octets at most (RFC 1035
// §2.3.1, §2.3.4; one trailing dot allowed); a full host name needs two
// labels at least.
func validDNSName(s string, full bool) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if full && len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i] | 0x20
			if !('a' <= c && c <= 'z' || '0' <= l[i] && l[i] <= '9' || l[i] == '-') {
				return false
			}
		}
	}
	return true
}
