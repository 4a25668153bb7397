package reputation

import (
	"slices"
	"strings"
	"time"

	"sluice/queue"
)

// Status is one tenant's reputation as `sluice ctl tenant status` shows
// it (GET /api/v1/tenants/{tenant}/reputation).
type Status struct {
	Tenant string `json:"tenant"`
	// Paused is the marketing stream's hold, nil when it flows.
	Paused *Pause `json:"paused,omitempty"`
	// Thresholds are the tenant's.
	Thresholds ThresholdsJSON `json:"thresholds"`
	// Windows are the tenant's two windows, then its campaigns', by name.
	Windows []Window `json:"windows"`
}

// Pause is a marketing stream hold.
type Pause struct {
	By     string    `json:"by"`
	Since  time.Time `json:"since"`
	Reason string    `json:"reason,omitempty"`
}

// ThresholdsJSON are Thresholds as the API shows them.
type ThresholdsJSON struct {
	ComplaintWarn    float64 `json:"complaint_warn"`
	ComplaintPause   float64 `json:"complaint_pause"`
	HardBounceWarn   float64 `json:"hard_bounce_warn"`
	HardBouncePause  float64 `json:"hard_bounce_pause"`
	UnsubscribeWarn  float64 `json:"unsubscribe_warn"`
	UnsubscribePause float64 `json:"unsubscribe_pause"`
	BlockWarn        float64 `json:"block_warn"`
	BlockPause       float64 `json:"block_pause"`
	MinVolume        int     `json:"min_volume"`
}

// Window is one window's counts and rates (fractions; 0 without a
// denominator).
type Window struct {
	// Campaign is "" for the tenant's own windows.
	Campaign string `json:"campaign,omitempty"`
	// Span is "last 10000 messages" or "last 24h0m0s".
	Span            string  `json:"span"`
	Finished        uint32  `json:"finished"`
	Delivered       uint32  `json:"delivered"`
	FBLDelivered    uint32  `json:"fbl_delivered"`
	Complaints      uint32  `json:"complaints"`
	HardBounces     uint32  `json:"hard_bounces"`
	Unsubscribes    uint32  `json:"unsubscribes"`
	Blocks          uint32  `json:"blocks"`
	ComplaintRate   float64 `json:"complaint_rate"`
	HardBounceRate  float64 `json:"hard_bounce_rate"`
	UnsubscribeRate float64 `json:"unsubscribe_rate"`
	BlockRate       float64 `json:"block_rate"`
}

func windowOf(camp, span string, c *counts) Window {
	ratio := func(n, d counter) float64 {
		if c[d] == 0 {
			return 0
		}
		return float64(c[n]) / float64(c[d])
	}
	return Window{Campaign: camp, Span: span, Finished: c[cFinal], Delivered: c[cDelivered], FBLDelivered: c[cFBL],
		Complaints: c[cComplaint], HardBounces: c[cHard], Unsubscribes: c[cUnsub], Blocks: c[cBlock],
		ComplaintRate: ratio(cComplaint, cFBL), HardBounceRate: ratio(cHard, cFinal),
		UnsubscribeRate: ratio(cUnsub, cDelivered), BlockRate: ratio(cBlock, cFinal)}
}

// Status returns tenant's status: its pause (read from the spool) and
// windows (empty for a tenant with no mail counted yet).
func (g *Guard) Status(tenant string) Status {
	th := g.thresholds(tenant)
	st := Status{Tenant: tenant, Windows: []Window{}, Thresholds: ThresholdsJSON(th)}
	name := queue.StreamHoldName(tenant, queue.Marketing)
	for _, h := range g.d.Holds.Holds() {
		if h.Kind == "stream" && h.Name == name {
			st.Paused = &Pause{By: h.By, Since: h.Since.UTC(), Reason: h.Reason}
		}
	}
	slot := slotOf(g.d.Now(), g.cfg.WindowTime)
	byMsgs, byTime := g.spanCount, g.spanTime
	g.mu.Lock()
	defer g.mu.Unlock()
	ts := g.tenants[strings.ToLower(tenant)]
	if ts == nil {
		return st
	}
	now := g.d.Now()
	add := func(camp string, s *scope) { // the fleet's sums when known
		c, t, _ := g.sums(ts, s, camp, now, slot)
		st.Windows = append(st.Windows, windowOf(camp, byMsgs, &c), windowOf(camp, byTime, &t))
	}
	add("", &ts.all)
	camps := make([]string, 0, len(ts.camps))
	for c := range ts.camps {
		camps = append(camps, c)
	}
	slices.Sort(camps)
	for _, c := range camps {
		add(c, ts.camps[c])
	}
	return st
}
