package main

import (
	"fmt"
	"path/filepath"

	"sluice/configs"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// openEvents opens the events store with its subscribers
// (configs.Subscribers, handed the stream in configs.EventSubscribers'
// order), and the journal follower that feeds it from the spool. The
// guard and the accounting writer work in goroutines of their own, so
// the spool and delivery never wait for them; they start once the store
// is open and stop before it closes (node.parts).
func (n *node) openEvents(*parts) (err error) {
	late := &events.Ref{}
	if n.subs, err = n.cfg.Subscribers(configs.SubscriberDeps{Spool: n.store, Events: late,
		Counters: n.metrics.ReputationCounters(), Logger: n.log}); err != nil {
		return err
	}
	subs := n.subs
	if n.events, err = events.Open(filepath.Join(n.cfg.DataDir, "events.db"), events.Options{
		Retention: n.cfg.Tracking.Retention.Duration, Logger: n.log, InTx: subs.InTx()}); err != nil {
		return fmt.Errorf("events store: %w", err)
	}
	late.Set(n.events)
	n.metrics.RegisterEvents(n.events)
	if subs.Accounting != nil {
		n.metrics.RegisterAccounting(subs.Accounting)
		subs.Accounting.Start(n.events)
	}
	if subs.Guard != nil {
		n.metrics.RegisterReputation(subs.Guard)
		n.guardRun = subs.Guard.Start()
	}
	// The follower applies the spool's event journal (every reception and
	// delivery outcome the spool commits) to the events store.
	n.journal = n.events.Follow(n.store, events.FollowOptions{Logger: n.log, Classify: n.classifier.ReplyVerdict})
	n.follower.Store(n.journal)
	n.metrics.RegisterJournal(n.store.JournalDepth, n.journal.Failures)
	rcpts := webhook.DirectoryRecipients(n.store)
	if n.webhooks, err = n.cfg.WebhookDispatcher(n.events, subs.Outbox, rcpts, n.log); err != nil {
		return err
	}
	n.metrics.RegisterWebhooks(n.webhooks, nil)
	return nil
}
