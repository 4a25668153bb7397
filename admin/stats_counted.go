package admin

import (
	"context"
	"fmt"

	"sluice/fleet"
	"sluice/tracking/events"
)

// CountedStats is a statistics store that also names the tenants it has
// counters for (events.Store): the statistics of a process with no
// tenants directory beside its store, the standalone edge's.
type CountedStats interface {
	Stats
	Tenants() ([]string, error)
}

var _ CountedStats = (*events.Store)(nil)

// CountedStatsSource is st's statistics as the fleet's StatsBoard
// publishes them: the same per-tenant and per-campaign JSON as
// Config.StatsSource, for the tenants st has counted (read at each
// publication, so a tenant first counted after the start is published
// too).
func CountedStatsSource(st CountedStats) fleet.StatsSource {
	return func(ctx context.Context) (map[string][]byte, error) {
		names, err := st.Tenants()
		if err != nil {
			return nil, fmt.Errorf("admin: tenants counted: %w", err)
		}
		return Config{Stats: st, Tenants: names}.StatsSource()(ctx)
	}
}
