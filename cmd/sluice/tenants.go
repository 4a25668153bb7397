package main

import (
	"sluice/tenants"
	"sluice/tracking"
)

// openTenants opens the store of tenants kept as data
// (data_dir/tenants.db), with the tenants the submission already knows
// (the config's, or the development tenant) as read-only seeds, and lets
// the submission authenticate its credentials: a credential added or
// revoked through `ctl tenant credential` counts at the next AUTH. It
// runs after the submission backend is built and before the edge (which
// serves the tenants' tracking hosts) and the admin API that serves the
// store.
func (n *node) openTenants(p *parts) error {
	seeds := make([]tenants.Seed, len(p.tenants))
	for i, t := range p.tenants {
		seeds[i] = tenants.Seed{Name: t.Name, Domains: t.SenderDomains, NoTransactional: t.NoTransactional}
	}
	opts, err := n.cfg.TenantsOptions(seeds)
	if err != nil {
		return err
	}
	if n.tenantStore, err = tenants.Open(opts); err != nil {
		return err
	}
	dopts, err := n.cfg.DirectoryOptions(n.keyring, n.log)
	if err != nil {
		return err
	}
	dir := tenants.NewDirectory(n.tenantStore, dopts)
	if err := n.backend.SetDirectory(dir, dir.Cost()); err != nil {
		return err
	}
	n.hosts = tracking.NewHostMap(nil)
	return n.tenantStore.FeedHosts(n.hosts.Set, func(err error) {
		n.log.Error("tenants: tracking hosts not reloaded; the edge keeps the previous ones", "err", err)
	})
}

// tenantNamesNow lists every tenant: the configured ones (or the
// development tenant) and those stored now, so that tenants created
// through ctl count in admin's data subject requests, suppression export
// and reputation without a restart.
func (n *node) tenantNamesNow() []string {
	configured := n.configTenantNames() // as reloaded (reload.go)
	if n.tenantStore == nil {
		return configured
	}
	names, err := n.tenantStore.NamesWith(configured)
	if err != nil {
		n.log.Error("tenants: list for the admin API", "err", err)
	}
	return names
}
