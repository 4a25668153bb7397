package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sluice/configs"
	"sluice/tracking/token"
)

// loadKeyring builds the token keyring: the configured secret (or one
// generated into data_dir/token.secret on first start) signs; previous
// secrets still verify (token.KeyringFromHex).
func loadKeyring(cfg *configs.Config) (*token.Keyring, error) {
	secret := cfg.Tracking.TokenSecret
	if secret == "" {
		var err error
		if secret, err = loadOrCreateSecret(filepath.Join(cfg.DataDir, "token.secret")); err != nil {
			return nil, err
		}
	}
	kr, err := token.KeyringFromHex(secret, cfg.Tracking.PreviousTokenSecrets)
	var he *token.HexError
	switch {
	case errors.As(err, &he) && he.Index < 0:
		return nil, errors.New("config: tracking.token_secret: not hex")
	case errors.As(err, &he):
		return nil, fmt.Errorf("config: tracking.previous_token_secrets[%d]: not hex", he.Index)
	case err != nil:
		return nil, fmt.Errorf("config: tracking token secrets: %w", err)
	}
	return kr, nil
}

// loadOrCreateSecret reads the token secret kept at path, or writes a
// new random one there (32 bytes, hex) on first start.
func loadOrCreateSecret(path string) (string, error) {
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		return strings.TrimSpace(string(raw)), nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return secret, nil
}
