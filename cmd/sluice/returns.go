package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sluice/configs"
	"sluice/internal/clock"
	"sluice/tracking/token"
)

// loadKeyring builds the token keyring: the configured secret (or one
// generated into data_dir/token.secret on first start) signs; previous
// secrets still verify. Key ids come from the secret, so every node
// derives the same id for the same secret.
func loadKeyring(cfg *configs.Config) (*token.Keyring, error) {
	secret := cfg.Tracking.TokenSecret
	if secret == "" {
		path := filepath.Join(cfg.DataDir, "token.secret")
		raw, err := os.ReadFile(path)
		switch {
		case err == nil:
			secret = strings.TrimSpace(string(raw))
		case errors.Is(err, fs.ErrNotExist):
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return nil, err
			}
			secret = hex.EncodeToString(b)
			if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("write %s: %w", path, err)
			}
		default:
			return nil, err
		}
	}
	key := func(name, s string) (token.Key, error) {
		b, err := hex.DecodeString(s)
		if err != nil {
			return token.Key{}, fmt.Errorf("config: %s: not hex", name)
		}
		sum := sha256.Sum256(b)
		return token.Key{ID: sum[0], Secret: b}, nil
	}
	signing, err := key("tracking.token_secret", secret)
	if err != nil {
		return nil, err
	}
	var old []token.Key
	for i, s := range cfg.Tracking.PreviousTokenSecrets {
		k, err := key(fmt.Sprintf("tracking.previous_token_secrets[%d]", i), s)
		if err != nil {
			return nil, err
		}
		old = append(old, k)
	}
	kr, err := token.NewKeyring(signing, old...)
	if err != nil {
		return nil, fmt.Errorf("config: tracking token secrets: %w", err)
	}
	return kr, nil
}

// purgeDirectory deletes expired recipient-directory entries hourly.
func purgeDirectory(ctx context.Context, n *node, retention time.Duration) error {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		for {
			k, err := n.store.PurgeDirectory(ctx, clock.Now().Add(-retention), 10000)
			if err != nil || k < 10000 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
