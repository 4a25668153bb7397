package main

import (
	"sluice/configs"
	"sluice/mta/submit"
)

// addConfigReload registers the config's reload (configs.Reloader),
// first in the registry, so that SIGHUP reads the config before the
// certificates; "" (embedded defaults): nothing to reload. Its steps are
// added once the node is built (reloadSteps).
func (n *node) addConfigReload(path string) {
	if path == "" {
		return
	}
	n.reloader = configs.NewReloader(path, n.cfg, n.log)
	n.reloads.Add("config", n.reloader.Reload)
}

// reloadSteps are what a config reload swaps, in order: the outbound TLS
// policy rules before the routes that re-ask them, the tenants (their
// names kept for the admin API: tenantNamesNow), the routes and bounce
// domains, then the shaping, limits and classification rules.
func (n *node) reloadSteps() []configs.ReloadStep {
	return []configs.ReloadStep{
		configs.ReloadTLSPolicy(n.tlsPolicy),
		configs.ReloadTenants(n.tenantDeps(), func(ts []*submit.Tenant) error {
			if err := n.backend.SetTenants(ts); err != nil {
				return err
			}
			n.configNames.Store(tenantNames(ts))
			return nil
		}),
		configs.ReloadRoutes(n.returnPaths.Set, n.engine),
		configs.ReloadRules(n.shaping, n.limiter, n.classifier, n.log),
	}
}

// tenantNames are ts's names.
func tenantNames(ts []*submit.Tenant) *[]string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return &names
}

// configTenantNames is the configured tenants' names in force (or the
// development tenant's), as started or last reloaded.
func (n *node) configTenantNames() []string { return *n.configNames.Load() }

// tenantDeps are what configs.BuildTenants takes from n, at start and
// on each reload.
func (n *node) tenantDeps() configs.TenantDeps {
	return configs.TenantDeps{Out: n.out, Keyring: n.keyring, Logger: n.log, TimeSigner: n.metrics.TimeSigner}
}
