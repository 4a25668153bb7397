package main

import (
	"context"
	"fmt"
	"log/slog"

	"sluice/accounting"
	"sluice/configs"
	"sluice/internal/event"
	"sluice/internal/logging"
	"sluice/metrics"
	"sluice/queue"
	"sluice/reputation"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// The events store's subscribers besides the webhook outbox: the
// reputation guard and the accounting log. Both take the store's stream
// through its InTx hook (every reception, outcome and return once, in
// commit order) and do their work in goroutines of their own, so the
// spool and delivery never wait for them. They start once the store is
// open and stop before it closes (subscribers.stop).

// subscribers are the guard (running in guardRun) and the accounting
// writer; either may be nil (disabled).
type subscribers struct {
	guard    *reputation.Guard
	guardRun *reputation.Background
	acct     *accounting.Writer
}

// newGuard builds the reputation guard of cfg, nil when disabled.
func newGuard(cfg *configs.Config, spool *queue.Store, ev *events.Ref, log *slog.Logger, m *metrics.Set) (*reputation.Guard, error) {
	r := cfg.Reputation
	if !r.Enabled {
		return nil, nil
	}
	th := reputation.Thresholds(r.Thresholds)
	rc := reputation.Config{Thresholds: &th, WindowMessages: r.WindowMessages, WindowTime: r.WindowTime.Duration,
		FBLDomains: r.FBLDomains, MaxCampaigns: r.MaxCampaigns, SaveInterval: r.SaveInterval.Duration}
	for _, t := range cfg.Tenants {
		if t.Reputation.Set() {
			if rc.Tenants == nil {
				rc.Tenants = map[string]reputation.Thresholds{}
			}
			rc.Tenants[t.Name] = reputation.Thresholds(t.Reputation.Over(r.Thresholds))
		}
	}
	g, err := reputation.New(rc, reputation.Deps{Holds: spool, Receiver: reputation.DirectoryReceiver(spool),
		Events: ev, Saver: ev, Metrics: m.ReputationCounters(), Logger: log})
	if err != nil {
		return nil, fmt.Errorf("config: reputation: %w", err) // configs validated it already
	}
	m.RegisterReputation(g)
	return g, nil
}

// newAccounting builds the accounting writer of cfg, nil when disabled.
func newAccounting(cfg *configs.Config, spool *queue.Store, log *slog.Logger) (*accounting.Writer, error) {
	a := cfg.Accounting
	if !a.Enabled {
		return nil, nil
	}
	mode, err := logging.ParseMode(cfg.Log.Recipients)
	if err != nil {
		return nil, fmt.Errorf("config: log.recipients: %w", err)
	}
	kinds := make([]events.Kind, len(a.Kinds))
	for i, k := range a.Kinds {
		kinds[i] = event.Kind(k) // configs checked it is one of event.Stored
	}
	w, err := accounting.New(accounting.Options{Dir: a.Path, MaxSize: a.MaxSize, Daily: a.Daily == nil || *a.Daily, Keep: a.Keep, MaxAge: a.MaxAge.Duration,
		Kinds: kinds, Recipients: mode, Hash: spool.HashAddr,
		Recipient: accounting.RecipientFunc(webhook.DirectoryRecipients(spool)), Logger: log})
	if err != nil {
		return nil, fmt.Errorf("accounting: %w", err)
	}
	return w, nil
}

// inTx chains the store's subscribers: the guard copies what it counts and
// passes the batch on to the webhook outbox, then the accounting outbox,
// all in the writer's transaction.
func (s *subscribers) inTx(webhooks func(*events.Tx, []events.Event) error) func(*events.Tx, []events.Event) error {
	var acct func(*events.Tx, []events.Event) error
	if s.acct != nil {
		acct = s.acct.Append
	}
	next := accounting.Chain(webhooks, acct)
	if s.guard != nil {
		return s.guard.Hook(next)
	}
	return next
}

// start runs the guard and the accounting writer over the open store.
func (s *subscribers) start(ev *events.Store) {
	if s.acct != nil {
		s.acct.Start(ev)
	}
	if s.guard != nil {
		s.guardRun = s.guard.Start()
	}
}

// stop stops both before the store closes: the guard counts what it was
// handed and saves its windows, the accounting writer finishes its write
// (what it has not written stays in its outbox for the next start).
func (s *subscribers) stop(ctx context.Context, log *slog.Logger) {
	if s == nil {
		return
	}
	if err := s.guardRun.Stop(ctx); err != nil {
		log.Warn("reputation guard still saving at shutdown", "err", err)
	}
	s.guardRun = nil
	if s.acct != nil {
		if err := s.acct.Stop(ctx); err != nil {
			log.Warn("accounting log still writing at shutdown", "err", err)
		}
	}
}
