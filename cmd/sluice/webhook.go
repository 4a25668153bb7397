package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"sluice/configs"
	"sluice/internal/event"
	"sluice/metrics"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// openEvents opens the events store with its subscribers (the webhook
// outbox, the reputation guard, the accounting log: subscribers.go), and
// the journal follower that feeds it from the spool.
func (n *node) openEvents(p *parts) (err error) {
	cfg := n.cfg
	if n.webhooks, err = newWebhooks(cfg); err != nil {
		return err
	}
	late := &events.Ref{}
	n.subs = &subscribers{}
	if n.subs.guard, err = newGuard(cfg, n.store, late, n.log, n.metrics); err != nil {
		return err
	}
	if n.subs.acct, err = newAccounting(cfg, n.store, n.log); err != nil {
		return err
	}
	n.events, err = events.Open(filepath.Join(cfg.DataDir, "events.db"), events.Options{Retention: cfg.Tracking.Retention.Duration, Logger: n.log,
		InTx: n.subs.inTx(n.webhooks.hook())})
	if err != nil {
		return fmt.Errorf("events store: %w", err)
	}
	late.Set(n.events)
	n.metrics.RegisterEvents(n.events)
	if n.subs.acct != nil {
		n.metrics.RegisterAccounting(n.subs.acct)
	}
	n.subs.start(n.events)
	// The follower applies the spool's event journal (every reception and
	// delivery outcome the spool commits) to the events store.
	n.journal = n.events.Follow(n.store, events.FollowOptions{Logger: n.log, Classify: p.classifier.ReplyVerdict})
	n.follower.Store(n.journal)
	n.metrics.RegisterJournal(n.store.JournalDepth, n.journal.Failures)
	return n.webhooks.start(cfg, n.events, webhook.DirectoryRecipients(n.store), n.log, n.metrics)
}

// webhooks wires tracking/webhook into a process that owns an events
// store (`sluice serve`, `sluice edge`): the outbox is the store's
// subscriber (its InTx hook), so an event commits with its deliveries, and the
// dispatcher runs once the store is open, until the process stops (before
// the store closes).
type webhooks struct {
	outbox *webhook.Outbox
	disp   *webhook.Dispatcher
}

// newWebhooks prepares the webhooks of cfg's tenants.
func newWebhooks(cfg *configs.Config) (*webhooks, error) {
	var eps []webhook.Endpoint
	for _, t := range cfg.Tenants {
		if t.Webhook.URL == "" {
			continue
		}
		ep := webhook.Endpoint{Tenant: t.Name, URL: t.Webhook.URL, Secret: []byte(t.Webhook.Secret)}
		for _, k := range t.Webhook.Kinds {
			ep.Kinds = append(ep.Kinds, event.Kind(k)) // configs checked it is one of event.Stored
		}
		eps = append(eps, ep)
	}
	out, err := webhook.NewOutbox(eps, nil)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err) // configs validated it already
	}
	return &webhooks{outbox: out}, nil
}

// hook is the events store's InTx option (nil without endpoints).
func (w *webhooks) hook() func(*events.Tx, []events.Event) error { return w.outbox.Hook() }

// start makes the dispatcher over the open store ev and registers its
// metrics. recipient, when not nil, fills in recipient addresses.
func (w *webhooks) start(cfg *configs.Config, ev *events.Store, recipient webhook.RecipientFunc, log *slog.Logger, m *metrics.Set) error {
	c := cfg.Webhooks
	d, err := webhook.NewDispatcher(ev, w.outbox, webhook.Config{
		BatchSize: c.BatchSize, Timeout: c.Timeout.Duration, MaxAge: c.MaxAge.Duration,
		RetryFirst: c.RetryFirst.Duration, RetryMax: c.RetryMax.Duration,
		Recipient: recipient, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	w.disp = d
	m.RegisterWebhooks(d, nil)
	if n := w.outbox.Endpoints(); n > 0 {
		log.Info("webhooks enabled", "tenants", n)
	}
	return nil
}

// run delivers until ctx ends. Without any endpoint it only deletes the
// outbox of tenants whose webhook was removed, and returns.
func (w *webhooks) run(ctx context.Context) error { return w.disp.Run(ctx) }
