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
	"sluice/mta/bounce"
	"sluice/mta/delivery"
	"sluice/mta/inbound"
	"sluice/queue"
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

// mailboxTokens adapts the keyring to VERP and mailto-unsubscribe local
// parts.
type mailboxTokens struct{ k *token.Keyring }

var _ inbound.Tokens = mailboxTokens{}

func (m mailboxTokens) open(s string, kind token.Kind) (queue.ID, uint32, bool) {
	c, err := m.k.OpenMailbox(s)
	if err != nil || c.Kind != kind {
		return 0, 0, false
	}
	return queue.ID(c.Message), c.Rcpt, true
}

func (m mailboxTokens) OpenBounce(s string) (queue.ID, uint32, bool) { return m.open(s, token.Bounce) }
func (m mailboxTokens) OpenUnsubscribe(s string) (queue.ID, uint32, bool) {
	return m.open(s, token.MailUnsubscribe)
}

var _ inbound.TrackingTokens = mailboxTokens{}

// OpenTracking opens a URL-form token found in a returned copy (open
// pixel, click, unsubscribe page): proof of which recipient's copy it is.
// No age limit: complaints arrive late.
func (m mailboxTokens) OpenTracking(s string) (string, queue.ID, uint32, bool) {
	c, err := m.k.Open(s)
	if err != nil || (c.Kind != token.Open && c.Kind != token.Click && c.Kind != token.Unsubscribe) {
		return "", 0, 0, false
	}
	return c.Tenant, queue.ID(c.Message), c.Rcpt, true
}

// returnPath makes the VERP envelope sender b.<token>@<bounce domain> for
// tenants that have a bounce domain.
func (m mailboxTokens) returnPath(domains map[string]string) func(w *queue.Work, r queue.WorkRcpt) string {
	return func(w *queue.Work, r queue.WorkRcpt) string {
		dom := domains[w.Tenant]
		if dom == "" {
			return ""
		}
		tok, err := m.k.SealMailbox(token.Claims{Kind: token.Bounce, Message: uint64(w.ID), Rcpt: r.Index})
		if err != nil {
			return "" // cannot happen for valid ids; keep the submitted sender
		}
		return "b." + tok + "@" + dom
	}
}

// syncFailure applies the suppression policy to a delivery outcome: a
// final failure is classified from its reply (code, enhanced code and
// text) like any returned message.
func syncFailure(n *node, cl *bounce.Classifier, pol *inbound.Policy, ev delivery.Event) {
	if ev.Kind != "failed" {
		return
	}
	res := cl.Reply(ev.Code, ev.Enhanced, ev.Reply)
	n.metrics.returns.WithLabelValues("sync", string(res.Class)).Inc()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sup, err := pol.Apply(ctx, ev.Tenant, ev.Rcpt, res, "delivery")
	if err != nil {
		n.log.Error("suppression policy", "msgid", ev.ID.String(), "tenant", ev.Tenant, "err", err)
		return
	}
	if sup {
		n.log.Info("recipient suppressed", "msgid", ev.ID.String(), "tenant", ev.Tenant, "rcpt", ev.Rcpt,
			"class", string(res.Class), "source", "delivery")
	}
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
