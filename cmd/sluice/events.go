package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"sluice/accounting"
	"sluice/configs"
	"sluice/metrics"
	"sluice/reputation"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// openEvents opens the events store with its subscribers, and the
// journal follower that feeds it from the spool. The subscribers take
// the store's stream through its InTx hook (every reception, outcome and
// return once, in commit order), chained: the reputation guard copies
// what it counts and passes the batch on to the webhook outbox, then the
// accounting outbox, all in the writer's transaction. The guard and the
// accounting writer work in goroutines of their own, so the spool and
// delivery never wait for them; they start once the store is open and
// stop before it closes (subscribers.stop).
func (n *node) openEvents(p *parts) (err error) {
	cfg := n.cfg
	if n.outbox, err = newOutbox(cfg); err != nil {
		return err
	}
	late := &events.Ref{}
	n.subs = &subscribers{}
	if rc, ok := cfg.ReputationConfig(); ok {
		if n.subs.guard, err = reputation.New(rc, reputation.Deps{Holds: n.store, Receiver: reputation.DirectoryReceiver(n.store),
			Events: late, Saver: late, Metrics: n.metrics.ReputationCounters(), Logger: n.log}); err != nil {
			return fmt.Errorf("config: reputation: %w", err) // configs validated it already
		}
		n.metrics.RegisterReputation(n.subs.guard)
	}
	if ao, ok, err := cfg.AccountingOptions(); err != nil {
		return err
	} else if ok {
		ao.Hash, ao.Recipient, ao.Logger = n.store.HashAddr, accounting.RecipientFunc(webhook.DirectoryRecipients(n.store)), n.log
		if n.subs.acct, err = accounting.New(ao); err != nil {
			return fmt.Errorf("accounting: %w", err)
		}
		n.metrics.RegisterAccounting(n.subs.acct)
	}
	var acct func(*events.Tx, []events.Event) error
	if n.subs.acct != nil {
		acct = n.subs.acct.Append
	}
	inTx := accounting.Chain(n.outbox.Hook(), acct)
	if n.subs.guard != nil {
		inTx = n.subs.guard.Hook(inTx)
	}
	if n.events, err = events.Open(filepath.Join(cfg.DataDir, "events.db"), events.Options{Retention: cfg.Tracking.Retention.Duration,
		Logger: n.log, InTx: inTx}); err != nil {
		return fmt.Errorf("events store: %w", err)
	}
	late.Set(n.events)
	n.metrics.RegisterEvents(n.events)
	n.subs.start(n.events)
	// The follower applies the spool's event journal (every reception and
	// delivery outcome the spool commits) to the events store.
	n.journal = n.events.Follow(n.store, events.FollowOptions{Logger: n.log, Classify: p.classifier.ReplyVerdict})
	n.follower.Store(n.journal)
	n.metrics.RegisterJournal(n.store.JournalDepth, n.journal.Failures)
	n.webhooks, err = startWebhooks(cfg, n.events, n.outbox, webhook.DirectoryRecipients(n.store), n.log, n.metrics)
	return err
}

// newOutbox is the webhook outbox of cfg's tenants: the events store's
// subscriber, so that an event commits with its deliveries.
func newOutbox(cfg *configs.Config) (*webhook.Outbox, error) {
	out, err := webhook.NewOutbox(cfg.WebhookEndpoints(), nil)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err) // configs validated it already
	}
	return out, nil
}

// startWebhooks makes the dispatcher of out over the open store ev and
// registers its metrics; recipient, when not nil, fills in recipient
// addresses. It runs until the process stops (before the store closes);
// without any endpoint it only deletes the outbox of tenants whose
// webhook was removed.
func startWebhooks(cfg *configs.Config, ev *events.Store, out *webhook.Outbox, recipient webhook.RecipientFunc, log *slog.Logger,
	m *metrics.Set) (*webhook.Dispatcher, error) {
	wc := cfg.Webhooks.Dispatcher()
	wc.Recipient, wc.Logger = recipient, log
	d, err := webhook.NewDispatcher(ev, out, wc)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	m.RegisterWebhooks(d, nil)
	if n := out.Endpoints(); n > 0 {
		log.Info("webhooks enabled", "tenants", n)
	}
	return d, nil
}

// subscribers are the guard (running in guardRun) and the accounting
// writer; either may be nil (disabled).
type subscribers struct {
	guard    *reputation.Guard
	guardRun *reputation.Background
	acct     *accounting.Writer
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
