package token

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// SecretFile is the name, in a node's data directory, of the signing
// secret generated on first start when none is configured.
const SecretFile = "token.secret"

// LoadKeyring returns the keyring of a node or a standalone edge: the
// configured signing secret (hex) signs, or when it is "" the secret kept
// in path (generated there on first start, see [LoadOrCreateSecret]);
// previous secrets (hex) still open tokens sealed under them. Errors are
// [KeyringFromHex]'s (a *HexError names the secret that is not hex) or
// the file's.
func LoadKeyring(configured string, previous []string, path string) (*Keyring, error) {
	secret := configured
	if secret == "" {
		var err error
		if secret, err = LoadOrCreateSecret(path); err != nil {
			return nil, err
		}
	}
	return KeyringFromHex(secret, previous)
}

// LoadOrCreateSecret reads the hex secret kept in path, or writes a new
// random one there (32 bytes, hex, mode 0600) when the file does not
// exist. Every process sharing the data directory then signs alike.
func LoadOrCreateSecret(path string) (string, error) {
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		return strings.TrimSpace(string(raw)), nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("token: read secret: %w", err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24)
	secret := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("token: write %s: %w", path, err)
	}
	return secret, nil
}
