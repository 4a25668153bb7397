package ctl

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"sluice/admin"
)

// queueStats prints the queue totals, or the API's JSON.
func queueStats(c *client, asJSON bool, stdout io.Writer) error {
	body, err := c.do(http.MethodGet, "/api/v1/queue/stats", nil, nil, "")
	if err != nil {
		return err
	}
	if asJSON {
		_, err := stdout.Write(body)
		return err
	}
	var st admin.QueueStats
	if err := decodeAPI(body, &st); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "messages   %d\nqueued     %d\nin flight  %d\ndeferred   %d\ndelivered  %d (total)\nfailed     %d (total)\n",
		st.Messages, st.Queued, st.InFlight, st.Deferred, st.DeliveredTotal, st.FailedTotal)
	if !st.Oldest.IsZero() {
		fmt.Fprintf(stdout, "oldest     %s (%s ago)\n", st.Oldest.UTC().Format(time.RFC3339), time.Duration(st.OldestAgeSeconds*float64(time.Second)).Round(time.Second))
	}
	if !st.NextDue.IsZero() {
		fmt.Fprintf(stdout, "next due   %s\n", st.NextDue.UTC().Format(time.RFC3339))
	}
	return nil
}

// queueCmd runs the queue views and actions; output is the API's JSON,
// indented, which operators pipe to jq.
func queueCmd(c *client, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("queue "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	by := fs.String("by", "domain", "summary grouping: domain, tenant, pool or site")
	tenant := fs.String("tenant", "", "tenant")
	domain := fs.String("domain", "", "recipient domain")
	id := fs.String("id", "", "message id")
	after := fs.String("after", "", "list messages after this id")
	limit := fs.Int("limit", 100, "how many messages to list")
	reason := fs.String("reason", "", "reason recorded (bounce)")
	all := fs.Bool("all", false, "retry: every waiting recipient")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	var body []byte
	var err error
	post := func(path string, a admin.QueueAction) ([]byte, error) {
		b, _ := json.Marshal(a)
		return c.do(http.MethodPost, path, nil, bytes.NewReader(b), "application/json")
	}
	switch cmd {
	case "summary":
		body, err = c.do(http.MethodGet, "/api/v1/queue/summary", url.Values{"by": {*by}}, nil, "")
	case "list":
		q := url.Values{"tenant": {*tenant}, "domain": {*domain}, "after": {*after}, "limit": {fmt.Sprint(*limit)}}
		body, err = c.do(http.MethodGet, "/api/v1/queue/messages", q, nil, "")
	case "show":
		if fs.NArg() != 1 {
			fmt.Fprint(stderr, Usage)
			return errUsage
		}
		body, err = c.do(http.MethodGet, "/api/v1/queue/messages/"+url.PathEscape(fs.Arg(0)), nil, nil, "")
	case "holds":
		body, err = c.do(http.MethodGet, "/api/v1/queue/holds", nil, nil, "")
	case "suspend", "resume":
		if fs.NArg() != 2 {
			fmt.Fprint(stderr, Usage)
			return errUsage
		}
		body, err = post("/api/v1/queue/"+cmd, admin.QueueAction{Kind: fs.Arg(0), Name: fs.Arg(1)})
	case "retry", "bounce", "delete":
		if *all && cmd != "retry" {
			fmt.Fprintln(stderr, "sluice: --all is for retry only; give --id, --tenant or --domain")
			return errUsage
		}
		if !*all && *id == "" && *tenant == "" && *domain == "" {
			fmt.Fprintln(stderr, "sluice: give --id, --tenant or --domain (or --all for retry)")
			return errUsage
		}
		body, err = post("/api/v1/queue/"+cmd, admin.QueueAction{ID: *id, Tenant: *tenant, Domain: *domain, Reason: *reason, All: *all})
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(body)
	return err
}
