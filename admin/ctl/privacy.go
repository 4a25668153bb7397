package ctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"sluice/admin"
)

// privacy runs a data subject request for one address. Without --yes,
// erase only shows what it would remove (from an export) and fails. Both
// print the API's JSON, with or without --json: the answer is a record
// to keep (what was held, what was erased), not a view.
func privacy(c *client, cmd string, args []string, o out, stderr io.Writer) error {
	fs := flag.NewFlagSet("privacy "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant")
	yes := fs.Bool("yes", false, "erase: really erase")
	addrs, err := parseInterspersed(fs, args)
	if err != nil || *tenant == "" || len(addrs) != 1 {
		return usageError(stderr, "privacy", cmd)
	}
	q := url.Values{"tenant": {*tenant}, "address": {addrs[0]}}
	if cmd == "export" || !*yes {
		body, err := c.do(http.MethodGet, "/api/v1/privacy/export", q, nil, "")
		if err != nil {
			return err
		}
		if cmd == "export" {
			return o.raw(body)
		}
		var ex admin.SubjectExport
		if err := decodeAPI(body, &ex); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "would erase, for tenant %s: %d directory entries, %d queued recipient records, %d events, %d pending webhook events; %d suppressions (kept, hashed)\n",
			*tenant, len(ex.Directory), len(ex.Queued), len(ex.Events), len(ex.WebhookPending), len(ex.Suppressions))
		return errors.New("nothing erased: add --yes to erase")
	}
	b, _ := json.Marshal(admin.PrivacyRequest{Tenant: *tenant, Address: addrs[0]})
	body, err := c.do(http.MethodPost, "/api/v1/privacy/erase", nil, bytes.NewReader(b), "application/json")
	if err != nil {
		return err
	}
	return o.raw(body)
}

// parseInterspersed parses fs from args, allowing flags after positional
// arguments ("erase ADDRESS --yes"), and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
