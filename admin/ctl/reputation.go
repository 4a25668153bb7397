package ctl

import (
	"fmt"
	"io"
	"net/http"
	"net/url"

	"sluice/admin"
)

// The reputation guard's commands, routed by `tenant` (tenant.go):
//
//	tenant status T    the marketing stream's pause, thresholds and windows
//	tenant resume T    lift the guard's pause (the windows start afresh)

// tenantStatus prints a tenant's reputation: whether its marketing
// stream is paused, why, and each window's counts and rates.
func tenantStatus(c *client, args []string, o out, stderr io.Writer) error {
	if len(args) != 1 || args[0] == "" {
		return usageError(stderr, "tenant")
	}
	var st admin.TenantReputation
	body, err := c.get("/api/v1/tenants/"+url.PathEscape(args[0])+"/reputation", nil, &st)
	if err != nil || o.json {
		return first(err, o, body)
	}
	// The stream the guard never pauses, and whether the tenant may use
	// it (a node without a tenants store answers 404: not shown).
	var d admin.TenantDetail
	if _, err := c.get(tenantPath(args[0]), nil, &d); err == nil {
		if d.Tenant.Transactional {
			fmt.Fprintln(o.w, "transactional: allowed (X-Sluice-Stream: transactional is never paused and skips marketing unsubscribes)")
		} else {
			fmt.Fprintln(o.w, "transactional: refused (550 5.7.1 at submission; ctl tenant update --transactional=true grants it)")
		}
	}
	if st.Paused != nil {
		fmt.Fprintf(o.w, "marketing: PAUSED since %s by %s: %s\n", stamp(st.Paused.Since), st.Paused.By, st.Paused.Reason)
	} else {
		fmt.Fprintln(o.w, "marketing: flowing")
	}
	th := st.Thresholds
	fmt.Fprintf(o.w, "thresholds: complaints warn %s pause %s, hard bounces warn %s pause %s, unsubscribes warn %s pause %s, blocks warn %s pause %s, min volume %d\n\n",
		pct(th.ComplaintWarn), pct(th.ComplaintPause), pct(th.HardBounceWarn), pct(th.HardBouncePause),
		pct(th.UnsubscribeWarn), pct(th.UnsubscribePause), pct(th.BlockWarn), pct(th.BlockPause), th.MinVolume)
	t := o.table("CAMPAIGN", "WINDOW", "FINISHED", "DELIVERED", "FBL_DELIVERED", "COMPLAINTS", "HARD", "UNSUBS", "BLOCKS",
		"COMPLAINT%", "HARD%", "UNSUB%", "BLOCK%")
	for _, w := range st.Windows {
		t.row(w.Campaign, w.Span, w.Finished, w.Delivered, w.FBLDelivered, w.Complaints, w.HardBounces, w.Unsubscribes,
			w.Blocks, pct(w.ComplaintRate), pct(w.HardBounceRate), pct(w.UnsubscribeRate), pct(w.BlockRate))
	}
	return t.flush()
}

// tenantResume lifts the guard's pause of a tenant's marketing stream.
func tenantResume(c *client, args []string, o out, stderr io.Writer) error {
	if len(args) != 1 || args[0] == "" {
		return usageError(stderr, "tenant")
	}
	var res admin.TenantResumed
	body, err := c.post(http.MethodPost, "/api/v1/tenants/"+url.PathEscape(args[0])+"/resume", struct{}{}, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	if !res.WasPaused {
		fmt.Fprintf(o.w, "%s: marketing was not paused; windows start afresh\n", res.Tenant)
		return nil
	}
	fmt.Fprintf(o.w, "%s: marketing resumed, %d recipients back on the schedule\n", res.Tenant, res.Released)
	return nil
}

// pct prints a fraction as a percentage; "-" for 0 (no threshold, or no
// denominator).
func pct(f float64) string {
	if f == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*f)
}
