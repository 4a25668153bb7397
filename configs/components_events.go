package configs

import (
	"fmt"
	"log/slog"

	"sluice/accounting"
	"sluice/fleet"
	"sluice/internal/event"
	"sluice/internal/logging"
	"sluice/queue"
	"sluice/reputation"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// What the events store's subscribers' sections ([reputation],
// [accounting], [webhooks] and [tenant.webhook]) and [cluster] mean to
// their packages. Each method takes a validated Config.

// ReputationConfig is the reputation guard's config, with the tenants'
// [tenant.reputation] overrides; ok is false when it is disabled.
func (c *Config) ReputationConfig() (rc reputation.Config, ok bool) {
	r := c.Reputation
	if !r.Enabled {
		return rc, false
	}
	th := reputation.Thresholds(r.Thresholds)
	rc = reputation.Config{Thresholds: &th, WindowMessages: r.WindowMessages, WindowTime: r.WindowTime.Duration,
		FBLDomains: r.FBLDomains, MaxCampaigns: r.MaxCampaigns, SaveInterval: r.SaveInterval.Duration}
	for _, t := range c.Tenants {
		if t.Reputation.Set() {
			if rc.Tenants == nil {
				rc.Tenants = map[string]reputation.Thresholds{}
			}
			rc.Tenants[t.Name] = reputation.Thresholds(t.Reputation.Over(r.Thresholds))
		}
	}
	return rc, true
}

// AccountingOptions are the accounting log's options, recipients written
// as log.recipients says; ok is false when it is disabled. The hash and
// the recipient lookup are the caller's (the spool's).
func (c *Config) AccountingOptions() (o accounting.Options, ok bool, err error) {
	a := c.Accounting
	if !a.Enabled {
		return o, false, nil
	}
	mode, err := logging.ParseMode(c.Log.Recipients)
	if err != nil {
		return o, false, fmt.Errorf("config: log.recipients: %w", err)
	}
	kinds := make([]events.Kind, len(a.Kinds))
	for i, k := range a.Kinds {
		kinds[i] = event.Kind(k) // validated: one of event.Stored
	}
	return accounting.Options{Dir: a.Path, MaxSize: a.MaxSize, Daily: a.Daily == nil || *a.Daily, Keep: a.Keep,
		MaxAge: a.MaxAge.Duration, Kinds: kinds, Recipients: mode}, true, nil
}

// WebhookEndpoints are the tenants' [tenant.webhook] endpoints (tenants
// without a url have none).
func (c *Config) WebhookEndpoints() []webhook.Endpoint {
	var eps []webhook.Endpoint
	for _, t := range c.Tenants {
		if t.Webhook.URL == "" {
			continue
		}
		ep := webhook.Endpoint{Tenant: t.Name, URL: t.Webhook.URL, Secret: []byte(t.Webhook.Secret)}
		for _, k := range t.Webhook.Kinds {
			ep.Kinds = append(ep.Kinds, event.Kind(k)) // validated: one of event.Stored
		}
		eps = append(eps, ep)
	}
	return eps
}

// Dispatcher is [webhooks] as the dispatcher takes it (the recipient
// lookup and the logger are the caller's).
func (w Webhooks) Dispatcher() webhook.Config {
	return webhook.Config{BatchSize: w.BatchSize, Timeout: w.Timeout.Duration, MaxAge: w.MaxAge.Duration,
		RetryFirst: w.RetryFirst.Duration, RetryMax: w.RetryMax.Duration}
}

// MemberOptions are the fleet member's options from [cluster] (Resolve
// has run); version is the process's, in its heartbeat; log is its
// logger.
func (c *Config) MemberOptions(version string, log *slog.Logger) fleet.MemberOptions {
	cc := c.Cluster
	return fleet.MemberOptions{URL: cc.Redis, Password: cc.Password, Prefix: cc.Prefix,
		NodeID: cc.NodeID, DataDir: c.DataDir, TLSCA: cc.TLSCA, LeaseTTL: cc.LeaseTTL.Duration,
		StreamMaxLen: cc.StreamMaxLen, Version: version, Logger: log}
}

// EventSubscribers are the events store's subscribers: the reputation
// guard ([reputation]), the tenants' webhook outbox and the accounting
// log ([accounting]); Guard and Accounting are nil when disabled.
type EventSubscribers struct {
	Guard      *reputation.Guard
	Outbox     *webhook.Outbox
	Accounting *accounting.Writer
}

// InTx is the events store's InTx hook (events.Options): its stream,
// every reception, outcome and return once in commit order, handed to
// the subscribers in the writer's transaction, in this order: the
// reputation guard copies what it counts and passes the batch on to the
// webhook outbox, then to the accounting outbox.
func (s EventSubscribers) InTx() func(*events.Tx, []events.Event) error {
	var acct func(*events.Tx, []events.Event) error
	if s.Accounting != nil {
		acct = s.Accounting.Append
	}
	inTx := accounting.Chain(s.Outbox.Hook(), acct)
	if s.Guard != nil {
		inTx = s.Guard.Hook(inTx)
	}
	return inTx
}

// FleetStats is how often this fleet member publishes its statistics
// and how long they count after its last refresh ([cluster] stats_every,
// stats_ttl).
func (c *Config) FleetStats() fleet.StatsOptions {
	return fleet.StatsOptions{Every: c.Cluster.StatsEvery.Duration, TTL: c.Cluster.StatsTTL.Duration}
}

// FleetErase is how long an erasure waits in Redis for the members
// ([cluster] erase_retention).
func (c *Config) FleetErase() fleet.EraseOptions {
	return fleet.EraseOptions{Retention: c.Cluster.EraseRetention.Duration}
}

// FleetReputation is the reputation windows' options summed across the
// fleet ([reputation] window_messages, window_time).
func (c *Config) FleetReputation() fleet.ReputationOptions {
	return fleet.ReputationOptions{WindowMessages: c.Reputation.WindowMessages, WindowTime: c.Reputation.WindowTime.Duration}
}

// WebhookOutbox is the webhook outbox of the tenants' endpoints
// (WebhookEndpoints): the events store's subscriber, so that an event
// commits with its deliveries.
func (c *Config) WebhookOutbox() (*webhook.Outbox, error) {
	out, err := webhook.NewOutbox(c.WebhookEndpoints(), nil)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err) // validated already
	}
	return out, nil
}

// WebhookDispatcher is the dispatcher of out's webhooks over the open
// events store ev ([webhooks]), logging how many tenants have an
// endpoint; recipient, when not nil, fills in recipient addresses.
// Without any endpoint it only deletes the outbox of tenants whose
// webhook was removed. Its metrics are the caller's.
func (c *Config) WebhookDispatcher(ev *events.Store, out *webhook.Outbox, recipient webhook.RecipientFunc,
	log *slog.Logger) (*webhook.Dispatcher, error) {
	wc := c.Webhooks.Dispatcher()
	wc.Recipient, wc.Logger = recipient, log
	d, err := webhook.NewDispatcher(ev, out, wc)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	if n := out.Endpoints(); n > 0 {
		log.Info("webhooks enabled", "tenants", n)
	}
	return d, nil
}

// SubscriberDeps are what the events store's subscribers take from the
// node.
type SubscriberDeps struct {
	// Spool holds the reputation guard's pauses, finds delivered
	// recipients' domains and addresses, and hashes addresses for the
	// accounting log.
	Spool *queue.Store
	// Events is the events store once open (the guard's events and
	// saved windows).
	Events *events.Ref
	// Counters count the guard's warnings, pauses and resumes.
	Counters reputation.Metrics
	Logger   *slog.Logger
}

// Subscribers builds the events store's subscribers: the webhook outbox
// (WebhookOutbox), the reputation guard when [reputation] is enabled
// (ReputationConfig) and the accounting log when [accounting] is
// (AccountingOptions). Neither the guard nor the log runs until started.
func (c *Config) Subscribers(d SubscriberDeps) (s EventSubscribers, err error) {
	if s.Outbox, err = c.WebhookOutbox(); err != nil {
		return s, err
	}
	if rc, ok := c.ReputationConfig(); ok {
		if s.Guard, err = reputation.New(rc, reputation.Deps{Holds: d.Spool, Receiver: reputation.DirectoryReceiver(d.Spool),
			Events: d.Events, Saver: d.Events, Metrics: d.Counters, Logger: d.Logger,
			Addresses: reputation.DirectoryAddresser(d.Spool)}); err != nil {
			return s, fmt.Errorf("config: reputation: %w", err) // validated already
		}
	}
	ao, ok, err := c.AccountingOptions()
	if err != nil || !ok {
		return s, err
	}
	ao.Hash, ao.Logger = d.Spool.HashAddr, d.Logger
	ao.Recipient = accounting.RecipientFunc(webhook.DirectoryRecipients(d.Spool))
	if s.Accounting, err = accounting.New(ao); err != nil {
		return s, fmt.Errorf("accounting: %w", err)
	}
	return s, nil
}
