package main

import (
	"context"
	"net/http"

	"sluice/admin"
	"sluice/mta/submit"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// newAdminServer wires package admin to n's stores: the spool, the
// events store, the webhook outbox and the shaping policy.
func newAdminServer(n *node, token string) (*http.Server, error) {
	c := admin.Config{
		Token: token, Queue: n.store, Suppressions: n.store, Stats: n.events,
		Privacy:      admin.Stores{Spool: n.store, Events: n.events, Outbox: webhookPrivacy{n.webhooks}},
		Tenants:      n.tenantNames,
		ValidAddress: submit.ValidAddress,
		Gatherer:     n.metrics.Registry(), Logger: n.log, LogLevel: n.logLevel,
	}
	if n.shaping != nil {
		c.Sites = n.shaping
	}
	return admin.NewServer(c)
}

// webhookPrivacy is the webhook outbox as admin.Outbox.
type webhookPrivacy struct{ w *webhooks }

func (p webhookPrivacy) ExportRecipients(ctx context.Context, tenant string, ids []events.RecipientID) ([]webhook.Event, error) {
	return p.w.pending(ctx, tenant, ids)
}

func (p webhookPrivacy) EraseRecipients(ctx context.Context, tenant string, ids []events.RecipientID) (int, error) {
	return p.w.erase(ctx, tenant, ids)
}
