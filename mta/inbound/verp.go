package inbound

import (
	"sluice/queue"
)

// VERP returns delivery's envelope-sender hook for the tenants that
// have a bounce domain in domains (tenant name to bounce domain, "" for
// none): ReturnPath over them, or nil when no tenant has one. Nil matters:
// a VERP sender names one recipient, so delivery sends one transaction per
// recipient under it, and without any bounce domain it keeps grouping up
// to its recipients-per-transaction limit.
func (k KeyringTokens) VERP(domains map[string]string) func(*queue.Work, queue.WorkRcpt) string {
	set := map[string]string{}
	for tenant, dom := range domains {
		if dom != "" {
			set[tenant] = dom
		}
	}
	if len(set) == 0 {
		return nil
	}
	return k.ReturnPath(set)
}
