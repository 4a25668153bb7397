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
	"sluice/queue"
)

// queueFlags are the flags of the queue commands (each uses some).
type queueFlags struct {
	by, tenant, domain, id, after, reason, duration *string
	limit, max                                      *int
	all, headers, body                              *bool
}

func newQueueFlags(fs *flag.FlagSet) queueFlags {
	return queueFlags{
		by:       fs.String("by", "domain", "summary grouping: domain, tenant, pool or site"),
		tenant:   fs.String("tenant", "", "tenant"),
		domain:   fs.String("domain", "", "recipient domain"),
		id:       fs.String("id", "", "message id"),
		after:    fs.String("after", "", "list messages after this id"),
		limit:    fs.Int("limit", 100, "how many messages to list"),
		reason:   fs.String("reason", "", "reason recorded (bounce, suspend, hold)"),
		duration: fs.String("duration", "", "suspend, hold: lift by itself after this long (2h, 90m)"),
		all:      fs.Bool("all", false, "retry: every waiting recipient"),
		headers:  fs.Bool("headers", false, "show: the stored header section"),
		body:     fs.Bool("body", false, "show: the stored message"),
		max:      fs.Int("max", 1<<20, "show --body: at most this many bytes"),
	}
}

// queueCmd runs the queue views and actions.
func queueCmd(c *client, cmd string, args []string, o out, stderr io.Writer) error {
	fs := flag.NewFlagSet("queue "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := newQueueFlags(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return errUsage
	}
	npos := map[string]int{"show": 1, "hold": 1, "release": 1, "suspend": 2, "resume": 2}[cmd]
	if len(pos) != npos {
		return usageError(stderr, "queue", cmd)
	}
	switch cmd {
	case "stats":
		return queueStats(c, o)
	case "summary":
		return queueSummary(c, *f.by, o)
	case "list":
		return queueList(c, url.Values{"tenant": {*f.tenant}, "domain": {*f.domain}, "after": {*f.after},
			"limit": {fmt.Sprint(*f.limit)}}, o)
	case "show":
		if *f.headers && *f.body {
			fmt.Fprintln(stderr, "sluice: give --headers or --body, not both")
			return errUsage
		}
		switch {
		case *f.headers:
			return messageRead(c, pos[0], "headers", 0, o)
		case *f.body:
			return messageRead(c, pos[0], "body", *f.max, o)
		}
		return messageShow(c, pos[0], o)
	case "holds":
		return holds(c, o)
	case "hold", "release":
		return holdMessage(c, cmd, pos[0], admin.QueueAction{Reason: *f.reason, Duration: *f.duration}, o)
	case "suspend", "resume":
		return suspend(c, cmd, admin.QueueAction{Kind: pos[0], Name: pos[1], Reason: *f.reason, Duration: *f.duration}, o)
	}
	// retry, bounce, delete
	if *f.all && cmd != "retry" {
		fmt.Fprintln(stderr, "sluice: --all is for retry only; give --id, --tenant or --domain")
		return errUsage
	}
	if !*f.all && *f.id == "" && *f.tenant == "" && *f.domain == "" {
		fmt.Fprintln(stderr, "sluice: give --id, --tenant or --domain (or --all for retry)")
		return errUsage
	}
	a := admin.QueueAction{ID: *f.id, Tenant: *f.tenant, Domain: *f.domain, Reason: *f.reason, All: *f.all}
	var res map[string]int
	body, err := c.post(http.MethodPost, "/api/v1/queue/"+cmd, a, &res)
	if err != nil {
		return err
	}
	if o.json {
		return o.raw(body)
	}
	done := map[string]string{"retry": "retried", "bounce": "bounced", "delete": "deleted"}[cmd]
	_, err = fmt.Fprintf(o.w, "%s %d recipients\n", done, res[done])
	return err
}

// queueStats prints the queue totals.
func queueStats(c *client, o out) error {
	var st admin.QueueStats
	body, err := c.get("/api/v1/queue/stats", nil, &st)
	if err != nil || o.json {
		return first(err, o, body)
	}
	fmt.Fprintf(o.w, "messages   %d\nqueued     %d\nin flight  %d\ndeferred   %d\ndelivered  %d (total)\nfailed     %d (total)\n",
		st.Messages, st.Queued, st.InFlight, st.Deferred, st.DeliveredTotal, st.FailedTotal)
	if !st.Oldest.IsZero() {
		fmt.Fprintf(o.w, "oldest     %s (%s ago)\n", stamp(st.Oldest), time.Duration(st.OldestAgeSeconds*float64(time.Second)).Round(time.Second))
	}
	if !st.NextDue.IsZero() {
		fmt.Fprintf(o.w, "next due   %s\n", stamp(st.NextDue))
	}
	return nil
}

// first prints the raw answer for --json, unless err.
func first(err error, o out, body []byte) error {
	if err != nil {
		return err
	}
	return o.raw(body)
}

// queueSummary prints the waiting recipients per group, or the sites'
// shaping state.
func queueSummary(c *client, by string, o out) error {
	var res struct {
		Groups []queue.Group    `json:"groups"`
		Sites  []admin.SiteInfo `json:"sites"`
	}
	body, err := c.get("/api/v1/queue/summary", url.Values{"by": {by}}, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	if by == "site" {
		return siteTable(o, res.Sites)
	}
	return groupTable(o, strings.ToUpper(by), res.Groups)
}

func groupTable(o out, head string, gs []queue.Group) error {
	t := o.table(head, "QUEUED", "IN_FLIGHT", "DEFERRED", "HELD", "OLDEST", "NEXT_DUE")
	for _, g := range gs {
		t.row(g.Key, g.Queued, g.InFlight, g.Deferred, g.Held, stamp(g.Oldest), stamp(g.NextDue))
	}
	return t.flush()
}

func siteTable(o out, ss []admin.SiteInfo) error {
	t := o.table("SITE", "SOURCE", "RULE", "STATE", "OPEN", "MAX_CONN", "RATE/S", "SUSPENDED_UNTIL")
	for _, s := range ss {
		rate := "unlimited"
		if s.Rate > 0 {
			rate = fmt.Sprintf("%.2f", s.Rate)
		}
		t.row(s.Site, s.Source, s.Rule, s.State, s.Open, s.MaxConnections, rate, stamp(s.SuspendedUntil))
	}
	return t.flush()
}

// queueList prints a page of messages, one line each.
func queueList(c *client, q url.Values, o out) error {
	var res struct {
		Messages []queue.MessageInfo `json:"messages"`
	}
	body, err := c.get("/api/v1/queue/messages", q, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	t := o.table("ID", "TENANT", "FROM", "CREATED", "SIZE", "PENDING", "RECIPIENTS")
	for _, m := range res.Messages {
		rc := ""
		if len(m.Rcpts) > 0 {
			rc = m.Rcpts[0].Addr
			if len(m.Rcpts) > 1 {
				rc += fmt.Sprintf(" (+%d)", len(m.Rcpts)-1)
			}
		}
		t.row(m.ID, m.Tenant, m.From, stamp(m.Created), m.Size, m.Pending, rc)
	}
	return t.flush()
}

// holds prints the suspensions and message holds.
func holds(c *client, o out) error {
	var res struct {
		Holds []admin.HoldInfo `json:"holds"`
	}
	body, err := c.get("/api/v1/queue/holds", nil, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	t := o.table("KIND", "NAME", "BY", "SINCE", "UNTIL", "REASON")
	for _, h := range res.Holds {
		t.row(h.Kind, h.Name, h.By, stamp(h.Since), stamp(h.Until), h.Reason)
	}
	return t.flush()
}

// suspend suspends or resumes a domain, tenant, pool or site.
func suspend(c *client, cmd string, a admin.QueueAction, o out) error {
	var res struct {
		Hold     admin.HoldInfo `json:"hold"`
		Released int            `json:"released"`
	}
	body, err := c.post(http.MethodPost, "/api/v1/queue/"+cmd, a, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	if cmd == "resume" {
		_, err = fmt.Fprintf(o.w, "resumed %s:%s: %d recipients released\n", a.Kind, a.Name, res.Released)
		return err
	}
	return printHold(o, "suspended", res.Hold)
}

// printHold says what was held, until when and why.
func printHold(o out, verb string, h admin.HoldInfo) error {
	line := fmt.Sprintf("%s %s:%s", verb, h.Kind, h.Name)
	if !h.Until.IsZero() {
		line += " until " + stamp(h.Until)
	} else {
		line += " until resumed"
	}
	if h.Reason != "" {
		line += " (" + h.Reason + ")"
	}
	_, err := fmt.Fprintln(o.w, line)
	return err
}
