package ctl

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"sluice/admin"
)

// stats prints a tenant's (or campaign's) statistics.
func stats(c *client, args []string, o out, stderr io.Writer) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant")
	campaign := fs.String("campaign", "", "campaign (default: the whole tenant)")
	local := fs.Bool("local", false, "in a fleet: this node's numbers only (default: summed over the nodes)")
	if err := fs.Parse(args); err != nil || *tenant == "" || fs.NArg() != 0 {
		return usageError(stderr, "stats")
	}
	var st admin.TenantStats
	q := url.Values{"tenant": {*tenant}, "campaign": {*campaign}}
	if *local {
		q.Set("local", "1")
	}
	body, err := c.get("/api/v1/stats", q, &st)
	if err != nil || o.json {
		return first(err, o, body)
	}
	t := o.table("TENANT", "CAMPAIGN", "SENT", "DELIVERED", "DEFERRED", "FAILED", "BOUNCES", "COMPLAINTS", "UNSUBSCRIBES")
	t.row(st.Tenant, st.Campaign, st.Sent, st.Delivered, st.Deferred, st.Failed, st.Bounces, st.Complaints, st.Unsubscribes)
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(o.w)
	t = o.table("", "TOTAL", "UNIQUE", "MACHINE", "ANONYMOUS", "ANONYMOUS_MACHINE")
	t.row("opens", st.Opens, st.UniqueOpens, st.MachineOpens, st.Anonymous.Opens, st.Anonymous.MachineOpens)
	t.row("clicks", st.Clicks, st.UniqueClicks, st.MachineClicks, st.Anonymous.Clicks, st.Anonymous.MachineClicks)
	if err := t.flush(); err != nil {
		return err
	}
	if len(st.Links) > 0 {
		fmt.Fprintln(o.w)
		t = o.table("LINK", "CLICKS", "UNIQUE")
		for _, l := range st.Links {
			t.row(l.Link, l.Clicks, l.UniqueClicks)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if *campaign == "" && len(st.Campaigns) > 0 {
		fmt.Fprintf(o.w, "\ncampaigns: %s\n", strings.Join(st.Campaigns, ", "))
	}
	return fleetLine(o.w, st.Fleet)
}

// fleetLine says whose numbers a fleet-wide answer sums: nothing for one
// node's.
func fleetLine(w io.Writer, f *admin.FleetInfo) error {
	if f == nil {
		return nil
	}
	if f.Error != "" {
		_, err := fmt.Fprintf(w, "\nfleet: %s\n", f.Error)
		return err
	}
	var nodes []string
	for _, n := range f.Nodes {
		switch {
		case n.Local:
			nodes = append(nodes, n.ID+" (this node)")
		case n.Stale:
			nodes = append(nodes, fmt.Sprintf("%s (stale: %s)", n.ID, n.Updated.Format(time.RFC3339)))
		default:
			nodes = append(nodes, n.ID)
		}
	}
	_, err := fmt.Fprintf(w, "\nfleet totals of %d nodes: %s\n", len(f.Nodes), strings.Join(nodes, ", "))
	if err == nil && len(f.Missing) > 0 {
		_, err = fmt.Fprintf(w, "not counted (live, nothing published yet): %s\n", strings.Join(f.Missing, ", "))
	}
	return err
}

// logLevel shows or changes the running node's log level.
func logLevel(c *client, args []string, o out, stderr io.Writer) error {
	if len(args) > 1 {
		return usageError(stderr, "log-level")
	}
	var res admin.LogLevel
	var body []byte
	var err error
	if len(args) == 0 {
		body, err = c.get("/api/v1/log-level", nil, &res)
	} else {
		body, err = c.post(http.MethodPut, "/api/v1/log-level", admin.LogLevel{Level: args[0]}, &res)
	}
	if err != nil || o.json {
		return first(err, o, body)
	}
	if res.Previous != "" {
		_, err = fmt.Fprintf(o.w, "log level %s (was %s)\n", res.Level, res.Previous)
		return err
	}
	_, err = fmt.Fprintf(o.w, "log level %s\n", res.Level)
	return err
}
