package admin

import (
	"net/http"

	"sluice/tracking/events"
)

// Stats is what the statistics endpoint needs of the events store
// (*events.Store).
type Stats interface {
	Stats(tenant, campaign string) (events.Stats, error)
	Campaigns(tenant string) ([]string, error)
}

var _ Stats = (*events.Store)(nil)

// TenantStats is the JSON shape of GET /api/v1/stats: a tenant's (or one
// campaign's) counts, in the API's one casing (snake_case), whatever the
// events store's Go field names.
type TenantStats struct {
	Tenant        string      `json:"tenant"`
	Campaign      string      `json:"campaign,omitempty"`
	Campaigns     []string    `json:"campaigns"`
	Sent          uint64      `json:"sent"`
	Delivered     uint64      `json:"delivered"`
	Deferred      uint64      `json:"deferred"`
	Failed        uint64      `json:"failed"`
	Bounces       uint64      `json:"bounces"`
	Complaints    uint64      `json:"complaints"`
	Unsubscribes  uint64      `json:"unsubscribes"`
	Opens         uint64      `json:"opens"`
	UniqueOpens   uint64      `json:"unique_opens"`
	MachineOpens  uint64      `json:"machine_opens"`
	Clicks        uint64      `json:"clicks"`
	UniqueClicks  uint64      `json:"unique_clicks"`
	MachineClicks uint64      `json:"machine_clicks"`
	Links         []LinkCount `json:"links"`
	Anonymous     Anonymous   `json:"anonymous"`
	// Fleet, in a fleet, says which nodes' numbers are summed; absent
	// for one node's numbers (a node alone, or ?local=1).
	Fleet *FleetInfo `json:"fleet,omitempty"`
}

// LinkCount is the human clicks on one link, by its index in the message.
type LinkCount struct {
	Link         int    `json:"link"`
	Clicks       uint64 `json:"clicks"`
	UniqueClicks uint64 `json:"unique_clicks"`
}

// Anonymous counts the DNT/GPC requests, which are attributed to no
// message: tenant-wide only.
type Anonymous struct {
	Opens         uint64 `json:"opens"`
	MachineOpens  uint64 `json:"machine_opens"`
	Clicks        uint64 `json:"clicks"`
	MachineClicks uint64 `json:"machine_clicks"`
	Unsubscribes  uint64 `json:"unsubscribes"`
}

func tenantStats(tenant, campaign string, camps []string, st events.Stats) TenantStats {
	out := TenantStats{Tenant: tenant, Campaign: campaign, Campaigns: camps,
		Sent: st.Sent, Delivered: st.Delivered, Deferred: st.Deferred, Failed: st.Failed,
		Bounces: st.Bounces, Complaints: st.Complaints, Unsubscribes: st.Unsubscribes,
		Opens: st.Opens, UniqueOpens: st.UniqueOpens, MachineOpens: st.MachineOpens,
		Clicks: st.Clicks, UniqueClicks: st.UniqueClicks, MachineClicks: st.MachineClicks,
		Links: []LinkCount{},
		Anonymous: Anonymous{Opens: st.Anonymous.Opens, MachineOpens: st.Anonymous.MachineOpens,
			Clicks: st.Anonymous.Clicks, MachineClicks: st.Anonymous.MachineClicks, Unsubscribes: st.Anonymous.Unsubscribes},
	}
	if out.Campaigns == nil {
		out.Campaigns = []string{}
	}
	for _, l := range st.Links {
		out.Links = append(out.Links, LinkCount{Link: l.Link, Clicks: l.Clicks, UniqueClicks: l.UniqueClicks})
	}
	return out
}

// stats answers GET /api/v1/stats: a tenant's (or one campaign's)
// counts, and the tenant's campaigns; in a fleet, summed over the nodes
// unless local is set (see fleetStats).
func (s *server) stats(w http.ResponseWriter, r *http.Request) {
	tenant, campaign := r.URL.Query().Get("tenant"), r.URL.Query().Get("campaign")
	if tenant == "" {
		apiError(w, http.StatusBadRequest, "tenant is required")
		return
	}
	st, err := s.Stats.Stats(tenant, campaign)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "events store error")
		return
	}
	camps, _ := s.Stats.Campaigns(tenant)
	out := tenantStats(tenant, campaign, camps, st)
	if s.FleetStats != nil && !truthy(r.URL.Query().Get("local")) {
		out = s.fleetStats(r.Context(), out)
	}
	writeJSON(w, http.StatusOK, out)
}

// truthy reads a boolean query parameter: "1", "true", "yes".
func truthy(v string) bool {
	switch v {
	case "1", "true", "yes":
		return true
	}
	return false
}
