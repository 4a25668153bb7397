package submit

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// DevTenantFile is where, under data_dir, the development tenant is kept
// when the config names no tenants.
const DevTenantFile = "dev-tenant.json"

// devTenant is the development tenant as kept in DevTenantFile: its
// password only as a bcrypt hash.
type devTenant struct {
	Username      string   `json:"username"`
	PasswordHash  string   `json:"password_hash"`
	SenderDomains []string `json:"sender_domains"`
}

// LoadOrCreateDevTenant returns the development tenant ("dev", sending
// from example.com and localhost) kept in dataDir, creating it with a
// random password on first start. The password is printed to out then,
// the only time it is shown; later starts print where the tenant is kept.
func LoadOrCreateDevTenant(dataDir string, out io.Writer) (*Tenant, error) {
	path := filepath.Join(dataDir, DevTenantFile)
	raw, err := os.ReadFile(path)
	if err == nil {
		var dt devTenant
		if err := json.Unmarshal(raw, &dt); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		fmt.Fprintf(out, "sluice: development tenant %q (password shown at first start; delete %s to make a new one); may send from: %s\n",
			dt.Username, path, strings.Join(dt.SenderDomains, ", "))
		return dt.tenant(), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24)
	pw := hex.EncodeToString(b)
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	dt := devTenant{Username: "dev", PasswordHash: string(hash), SenderDomains: []string{"example.com", "localhost"}}
	raw, _ = json.MarshalIndent(dt, "", "  ")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(out, "sluice: created development tenant: username %q password %q (shown once); may send from: %s\n",
		dt.Username, pw, strings.Join(dt.SenderDomains, ", "))
	return dt.tenant(), nil
}

func (dt devTenant) tenant() *Tenant {
	return &Tenant{Name: "dev", Username: dt.Username, PasswordHash: dt.PasswordHash, SenderDomains: dt.SenderDomains}
}
