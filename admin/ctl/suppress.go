package ctl

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"text/tabwriter"
	"time"

	"sluice/admin"
)

// suppress runs the suppression list's commands.
func suppress(c *client, cmd string, args []string, asJSON bool, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("suppress "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant name")
	scope := fs.String("scope", "all", "all or marketing (add)")
	reason := fs.String("reason", "admin", "reason recorded (add)")
	after := fs.String("after", "", "list addresses after this one (paging)")
	limit := fs.Int("limit", 1000, "how many to list")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	switch cmd {
	case "list":
		q := url.Values{"tenant": {*tenant}, "after": {*after}, "limit": {fmt.Sprint(*limit)}}
		return suppressList(c, q, asJSON, stdout)
	case "add", "remove":
		if *tenant == "" || fs.NArg() == 0 {
			fmt.Fprint(stderr, Usage)
			return errUsage
		}
		return suppressEach(c, cmd, admin.Suppression{Tenant: *tenant, Scope: *scope, Reason: *reason}, fs.Args(), stdout)
	case "import":
		if *tenant == "" || fs.NArg() != 1 {
			fmt.Fprint(stderr, Usage)
			return errUsage
		}
		return suppressImport(c, *tenant, fs.Arg(0), stdout)
	case "export":
		body, err := c.do(http.MethodGet, "/api/v1/suppressions/export", url.Values{"tenant": {*tenant}}, nil, "")
		if err != nil {
			return err
		}
		_, err = stdout.Write(body)
		return err
	}
	return errUsage
}

// suppressList prints a page of suppressions as a table, or the API's
// JSON.
func suppressList(c *client, q url.Values, asJSON bool, stdout io.Writer) error {
	body, err := c.do(http.MethodGet, "/api/v1/suppressions", q, nil, "")
	if err != nil {
		return err
	}
	if asJSON {
		_, err := stdout.Write(body)
		return err
	}
	var out struct{ Suppressions []admin.Suppression }
	if err := decodeAPI(body, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tADDRESS\tSCOPE\tREASON\tSOURCE\tSINCE")
	for _, s := range out.Suppressions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Tenant, s.Address, s.Scope, s.Reason, s.Source, s.Created.Format(time.RFC3339))
	}
	return tw.Flush()
}

// suppressEach adds (cmd "add", as tmpl) or removes each address, one
// request each, stopping at the first failure.
func suppressEach(c *client, cmd string, tmpl admin.Suppression, addrs []string, stdout io.Writer) error {
	for _, a := range addrs {
		var err error
		if cmd == "add" {
			s := tmpl
			s.Address = a
			b, _ := json.Marshal(s)
			_, err = c.do(http.MethodPost, "/api/v1/suppressions", nil, bytes.NewReader(b), "application/json")
		} else {
			_, err = c.do(http.MethodDelete, "/api/v1/suppressions", url.Values{"tenant": {tmpl.Tenant}, "address": {a}}, nil, "")
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", cmd, a, err)
		}
		fmt.Fprintf(stdout, "%s: %s\n", map[string]string{"add": "suppressed", "remove": "removed"}[cmd], a)
	}
	return nil
}

// suppressImport uploads a CSV file of suppressions for tenant.
func suppressImport(c *client, tenant, path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	body, err := c.do(http.MethodPost, "/api/v1/suppressions/import", url.Values{"tenant": {tenant}}, f, "text/csv")
	if err != nil {
		return err
	}
	var out struct{ Imported int }
	_ = json.Unmarshal(body, &out)
	fmt.Fprintf(stdout, "imported %d\n", out.Imported)
	return nil
}
