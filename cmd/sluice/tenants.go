package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"sluice/dkim"
	"sluice/fleet"
	"sluice/mta/mx"
	"sluice/mta/submit"
	"sluice/tenants"
	"sluice/tracking"
)

// retireEvery is how often retiring DKIM keys past tenants.rotation_grace
// are dropped (tenants.Store.RetireKeys); the next change of a domain
// drops them too.
const retireEvery = time.Hour

// tenantsRun is what runs beside the tenants store: the edge's map of
// tenants' own tracking hosts, the fleet's replication of the store and
// the sweep of retired keys, stopped before the store closes.
type tenantsRun struct {
	hosts *tracking.HostMap
	sync  *fleet.TenantSync // nil without [cluster]
	wg    sync.WaitGroup
}

// openTenants opens the store of tenants kept as data
// (data_dir/tenants.db), with the tenants the submission already knows
// (the config's, or the development tenant) as read-only seeds, and lets
// the submission authenticate its credentials: a credential added or
// revoked through `ctl tenant credential` counts at the next AUTH. It
// runs after the submission backend is built and before the edge (which
// serves the tenants' tracking hosts) and the admin API that serves the
// store.
func (n *node) openTenants(p *parts) error {
	cfg := n.cfg
	servers, err := cfg.TenantResolvers()
	if err != nil {
		return err
	}
	if len(servers) == 0 {
		if servers, err = mx.SystemServers("/etc/resolv.conf"); err != nil {
			return fmt.Errorf("tenants.resolvers: none configured and %w", err)
		}
	}
	ts := cfg.TenantStore
	seeds := make([]tenants.Seed, len(p.tenants))
	for i, t := range p.tenants {
		seeds[i] = tenants.Seed{Name: t.Name, Domains: t.SenderDomains}
	}
	st, err := tenants.Open(tenants.Options{
		Path: filepath.Join(cfg.DataDir, "tenants.db"), Seeds: seeds, BcryptCost: ts.BcryptCost,
		ReturnPathLabel: ts.ReturnPathLabel, ReturnPathTarget: ts.ReturnPathTarget,
		TrackingLabel: ts.TrackingLabel, TrackingTarget: ts.TrackingTarget,
		RotationGrace: ts.RotationGrace.Duration,
		Resolver:      &tenants.DNSResolver{Servers: servers},
	})
	if err != nil {
		return err
	}
	n.tenantStore = st
	dopts := tenants.DirectoryOptions{DefaultPool: cfg.Delivery.DefaultPool, Logger: n.log, ESPFallback: cfg.DKIM.ESPFallback}
	if dopts.ESPKeys, err = espKeys(n); err != nil {
		return err
	}
	if cfg.Tracking.BaseURL != "" {
		// Stored tenants have no tracking settings: no tracked links, but
		// their marketing mail gets List-Unsubscribe like everyone's, on
		// the tenant's own tracking host when it has one.
		tr := tracking.NewTracker(tracking.TrackerConfig{Keyring: p.keyring, BaseURL: cfg.Tracking.BaseURL,
			Mode: "none"})
		dopts.Tracker = tr
		dopts.TrackerFor = func(host string) submit.Tracker { return tr.WithHost(host) }
	}
	dir := tenants.NewDirectory(st, dopts)
	if err := n.backend.SetDirectory(dir, dir.Cost()); err != nil {
		return err
	}
	n.tenants = &tenantsRun{hosts: tracking.NewHostMap(nil)}
	return st.FeedHosts(n.tenants.hosts.Set, func(err error) {
		n.log.Error("tenants: tracking hosts not reloaded; the edge keeps the previous ones", "err", err)
	})
}

// tenantNames lists every tenant: the configured ones (or the development
// tenant) and those stored now, so that tenants created through ctl count
// in admin's data subject requests, suppression export and reputation
// without a restart.
func (n *node) tenantNamesNow() []string {
	names := slices.Clone(n.configTenantNames()) // as reloaded (reload.go)
	if n.tenantStore == nil {
		return names
	}
	stored, err := n.tenantStore.StoredTenants()
	if err != nil {
		n.log.Error("tenants: list for the admin API", "err", err)
		return names
	}
	for _, s := range stored {
		if !slices.Contains(names, s) {
			names = append(names, s)
		}
	}
	return names
}

// trackingHosts is the edge's map of tenants' own tracking hosts; nil
// (every host serves every tenant) before the store is open.
func (n *node) trackingHosts() tracking.HostTenants {
	if n.tenants == nil {
		return nil
	}
	return n.tenants.hosts
}

// syncTenants replicates the tenants store through the fleet's Redis
// (fleet.TenantSync): a tenant, credential or domain changed on one node
// is imported by every other within a poll. Called by startFleet.
func (n *node) syncTenants(m *fleet.Member) {
	if n.tenants == nil || n.tenantStore == nil {
		return
	}
	n.tenants.sync = m.Client.Tenants(n.tenantStore, fleet.TenantSyncOptions{})
}

// runTenants starts the hourly sweep of retired DKIM keys and, in a
// fleet, the tenants' replication; closeTenants stops them.
func (n *node) runTenants(ctx context.Context) {
	r := n.tenants
	if r == nil {
		return
	}
	if s := r.sync; s != nil {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			_ = s.Run(ctx)
		}()
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(retireEvery)
		defer t.Stop()
		for {
			if k, err := n.tenantStore.RetireKeys("system"); err != nil {
				n.log.Error("tenants: retire DKIM keys", "err", err)
			} else if k > 0 {
				n.log.Info("tenants: retired DKIM keys dropped; their DNS records can go", "keys", k)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// closeTenants waits for runTenants' goroutines (the run context is
// cancelled first) and closes the store.
func (n *node) closeTenants() {
	if n.tenants != nil {
		n.tenants.wg.Wait()
	}
	if n.tenantStore != nil {
		if err := n.tenantStore.Close(); err != nil {
			n.log.Warn("tenants store close", "err", err)
		}
	}
}

// espKeys loads the service's own DKIM keys (dkim.esp_key), which sign
// stored tenants' mail too. attachSigners loaded and checked them already,
// so an error here is the file changing in between.
func espKeys(n *node) ([]dkim.Key, error) {
	if len(n.cfg.DKIM.ESPKeys) == 0 {
		return nil, nil
	}
	kl := dkim.KeyLoader{RSAEngine: n.cfg.DKIM.RSAEngine}
	keys, err := kl.Load("dkim.esp_key", keyFiles(n.cfg.DKIM.ESPKeys))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return keys, nil
}
