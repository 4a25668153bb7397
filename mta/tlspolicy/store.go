package tlspolicy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// cachedSTS is a fetched MTA-STS policy as kept in memory and on disk.
type cachedSTS struct {
	Domain  string    `json:"domain"`
	ID      string    `json:"id"` // the TXT record's id when fetched
	Policy  STSPolicy `json:"policy"`
	Fetched time.Time `json:"fetched"`
	Expires time.Time `json:"expires"` // Fetched + max_age
}

// path is where domain's policy is persisted; domain was validated as a
// host name (letters, digits, hyphens, dots), so it is a safe file name.
func (r *Resolver) path(domain string) string {
	return filepath.Join(r.cfg.Dir, domain+".json")
}

// loadDisk reads domain's persisted policy; nil when none or unreadable
// (a corrupt file is as good as none: the policy is fetched again).
func (r *Resolver) loadDisk(domain string) *cachedSTS {
	if r.cfg.Dir == "" {
		return nil
	}
	b, err := os.ReadFile(r.path(domain))
	if err != nil {
		return nil
	}
	var c cachedSTS
	if json.Unmarshal(b, &c) != nil || c.Domain != domain || c.Policy.Mode == "" {
		return nil
	}
	return &c
}

// saveDisk persists c atomically: a 0600 temporary file in the same
// directory, synced, renamed over the old one, and the directory synced, so
// a crash leaves the old policy or the new one, never half of one.
func (r *Resolver) saveDisk(c *cachedSTS) error {
	if r.cfg.Dir == "" {
		return nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("tlspolicy: encode policy of %s: %w", c.Domain, err)
	}
	f, err := os.CreateTemp(r.cfg.Dir, ".sts-*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("tlspolicy: save policy of %s: %w", c.Domain, err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, r.path(c.Domain))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("tlspolicy: save policy of %s: %w", c.Domain, err)
	}
	if d, err := os.Open(r.cfg.Dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("tlspolicy: sync %s: %w", r.cfg.Dir, err)
		}
	}
	return nil
}
