package admin

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// TokenFile is the admin token's file under data_dir, used when the config
// sets no admin.token: `sluice serve` creates it, `sluice ctl` and a
// `sluice edge` sharing the data_dir read it.
const TokenFile = "admin.token"

// LoadOrCreateToken returns the admin API's bearer token: configured when
// it is set, else the token kept in path, else a new random one (24 bytes,
// hex) written there with mode 0600 on first start.
func LoadOrCreateToken(configured, path string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	if raw, err := os.ReadFile(path); err == nil {
		if tok := strings.TrimSpace(string(raw)); tok != "" {
			return tok, nil
		}
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24)
	tok := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("admin: write %s: %w", path, err)
	}
	return tok, nil
}

// ReadToken returns the token a client of the admin API sends:
// configured when it is set, else the one in path (the node's file, when
// the client shares its data_dir). It never creates one.
func ReadToken(configured, path string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(raw)), nil
}
