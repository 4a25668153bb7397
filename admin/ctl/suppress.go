package ctl

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"sluice/admin"
)

// suppress runs the suppression list's commands.
func suppress(c *client, cmd string, args []string, o out, stderr io.Writer) error {
	fs := flag.NewFlagSet("suppress "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant name")
	scope := fs.String("scope", "all", "all or marketing (add)")
	reason := fs.String("reason", "admin", "reason recorded (add)")
	after := fs.String("after", "", "list addresses after this one (paging)")
	limit := fs.Int("limit", 1000, "how many to list")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return errUsage
	}
	switch cmd {
	case "list":
		q := url.Values{"tenant": {*tenant}, "after": {*after}, "limit": {fmt.Sprint(*limit)}}
		return suppressList(c, q, o)
	case "add", "remove":
		if *tenant == "" || len(pos) == 0 {
			return usageError(stderr, "suppress", cmd)
		}
		return suppressEach(c, cmd, admin.Suppression{Tenant: *tenant, Scope: *scope, Reason: *reason}, pos, o)
	case "import":
		if *tenant == "" || len(pos) != 1 {
			return usageError(stderr, "suppress", cmd)
		}
		return suppressImport(c, *tenant, pos[0], o)
	case "export":
		body, err := c.do(http.MethodGet, "/api/v1/suppressions/export", url.Values{"tenant": {*tenant}}, nil, "")
		if err != nil {
			return err
		}
		if o.json {
			return exportJSON(body, o)
		}
		_, err = o.data().Write(body)
		return err
	}
	return errUsage
}

// suppressList prints a page of suppressions.
func suppressList(c *client, q url.Values, o out) error {
	var res struct {
		Suppressions []admin.Suppression `json:"suppressions"`
	}
	body, err := c.get("/api/v1/suppressions", q, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	t := o.table("TENANT", "ADDRESS", "SCOPE", "REASON", "SOURCE", "SINCE")
	for _, s := range res.Suppressions {
		t.row(s.Tenant, s.Address, s.Scope, s.Reason, s.Source, s.Created.Format(time.RFC3339))
	}
	return t.flush()
}

// suppressEach adds (cmd "add", as tmpl) or removes each address, one
// request each, stopping at the first failure. With --json it prints
// {"suppressed": [...]} or {"removed": [...]}: the addresses done.
func suppressEach(c *client, cmd string, tmpl admin.Suppression, addrs []string, o out) error {
	key := map[string]string{"add": "suppressed", "remove": "removed"}[cmd]
	done := []string{}
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
			if o.json && len(done) > 0 {
				_ = o.value(map[string][]string{key: done})
			}
			return fmt.Errorf("%s %s: %w", cmd, a, err)
		}
		done = append(done, a)
		if !o.json {
			fmt.Fprintf(o.w, "%s: %s\n", key, a)
		}
	}
	if o.json {
		return o.value(map[string][]string{key: done})
	}
	return nil
}

// suppressImport uploads a CSV file of suppressions for tenant.
func suppressImport(c *client, tenant, path string, o out) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	body, err := c.do(http.MethodPost, "/api/v1/suppressions/import", url.Values{"tenant": {tenant}}, f, "text/csv")
	if err != nil || o.json {
		return first(err, o, body)
	}
	var res struct {
		Imported int `json:"imported"`
	}
	if err := decodeAPI(body, &res); err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.w, "imported %d\n", res.Imported)
	return err
}

// exportJSON turns the export's CSV (header tenant,address,scope,reason,
// source,created) into {"suppressions": [...]}, the list's JSON shape.
func exportJSON(body []byte, o out) error {
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 {
		return errors.Join(errors.New("admin API: bad CSV export"), err)
	}
	list := []admin.Suppression{}
	for _, r := range recs[1:] {
		if len(r) < 6 {
			return errors.New("admin API: bad CSV export: short line")
		}
		s := admin.Suppression{Tenant: r[0], Address: r[1], Scope: r[2], Reason: r[3], Source: r[4]}
		s.Created, _ = time.Parse(time.RFC3339, r[5])
		list = append(list, s)
	}
	return o.value(map[string]any{"suppressions": list})
}
