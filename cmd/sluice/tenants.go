package main

import (
	"fmt"
	"path/filepath"

	"sluice/dkim"
	"sluice/mta/mx"
	"sluice/tenants"
	"sluice/tracking"
)

// openTenants opens the store of tenants kept as data
// (data_dir/tenants.db), with the tenants the submission already knows
// (the config's, or the development tenant) as read-only seeds, and lets
// the submission authenticate its credentials: a credential added or
// revoked through `ctl tenant credential` counts at the next AUTH. It
// runs after the submission backend is built and before the admin API
// that serves the store. The stored tenants' names join the node's list
// of tenants (admin's data subject requests and suppression export).
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
		Resolver: &tenants.DNSResolver{Servers: servers},
	})
	if err != nil {
		return err
	}
	n.tenantStore = st
	dopts := tenants.DirectoryOptions{DefaultPool: cfg.Delivery.DefaultPool, Logger: n.log}
	if dopts.ESPKeys, err = espKeys(n); err != nil {
		return err
	}
	if cfg.Tracking.BaseURL != "" {
		// Stored tenants have no tracking settings: no tracked links, but
		// their marketing mail gets List-Unsubscribe like everyone's.
		dopts.Tracker = tracking.NewTracker(tracking.TrackerConfig{Keyring: p.keyring, BaseURL: cfg.Tracking.BaseURL,
			Mode: "none"})
	}
	dir := tenants.NewDirectory(st, dopts)
	if err := n.backend.SetDirectory(dir, dir.Cost()); err != nil {
		return err
	}
	stored, err := st.Tenants()
	if err != nil {
		return err
	}
	for _, t := range stored {
		if !t.Seed {
			n.tenantNames = append(n.tenantNames, t.Name)
		}
	}
	return nil
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
