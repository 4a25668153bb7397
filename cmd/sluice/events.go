package main

import (
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

// openEvents opens the events store with its subscribers
// (configs.EventSubscribers, in their order), and the journal follower
// that feeds it from the spool. The guard and the accounting writer work
// in goroutines of their own, so the spool and delivery never wait for
// them; they start once the store is open and stop before it closes
// (node.parts).
func (n *node) openEvents(p *parts) (err error) {
	cfg, subs := n.cfg, &n.subs
	if subs.Outbox, err = cfg.WebhookOutbox(); err != nil {
		return err
	}
	late := &events.Ref{}
	if rc, ok := cfg.ReputationConfig(); ok {
		if subs.Guard, err = reputation.New(rc, reputation.Deps{Holds: n.store, Receiver: reputation.DirectoryReceiver(n.store),
			Events: late, Saver: late, Metrics: n.metrics.ReputationCounters(), Logger: n.log}); err != nil {
			return fmt.Errorf("config: reputation: %w", err) // configs validated it already
		}
		n.metrics.RegisterReputation(subs.Guard)
	}
	if ao, ok, err := cfg.AccountingOptions(); err != nil {
		return err
	} else if ok {
		ao.Hash, ao.Recipient, ao.Logger = n.store.HashAddr, accounting.RecipientFunc(webhook.DirectoryRecipients(n.store)), n.log
		if subs.Accounting, err = accounting.New(ao); err != nil {
			return fmt.Errorf("accounting: %w", err)
		}
		n.metrics.RegisterAccounting(subs.Accounting)
	}
	if n.events, err = events.Open(filepath.Join(cfg.DataDir, "events.db"), events.Options{Retention: cfg.Tracking.Retention.Duration,
		Logger: n.log, InTx: subs.InTx()}); err != nil {
		return fmt.Errorf("events store: %w", err)
	}
	late.Set(n.events)
	n.metrics.RegisterEvents(n.events)
	if subs.Accounting != nil {
		subs.Accounting.Start(n.events)
	}
	if subs.Guard != nil {
		n.guardRun = subs.Guard.Start()
	}
	// The follower applies the spool's event journal (every reception and
	// delivery outcome the spool commits) to the events store.
	n.journal = n.events.Follow(n.store, events.FollowOptions{Logger: n.log, Classify: p.classifier.ReplyVerdict})
	n.follower.Store(n.journal)
	n.metrics.RegisterJournal(n.store.JournalDepth, n.journal.Failures)
	n.webhooks, err = startWebhooks(cfg, n.events, subs.Outbox, webhook.DirectoryRecipients(n.store), n.log, n.metrics)
	return err
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
