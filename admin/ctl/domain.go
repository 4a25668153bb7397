package ctl

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"sluice/admin"
	"sluice/tenants"
)

// Sending domains of tenants kept as data (admin/tenants.go):
//
//	domain add --tenant T DOMAIN       prints the DNS records to publish
//	domain verify [--tenant T] DOMAIN  checks them through DNS; exit 1 while pending
//	domain list [--tenant T]
//	domain show|remove [--tenant T] DOMAIN
//	domain rotate [--tenant T] DOMAIN          new keys: prints their records (dkim-next)
//	domain rotate [--tenant T] DOMAIN --switch once verified: sign with them, retire the old

// errPending is a verification that left the domain pending: exit 1.
var errPending = errors.New("domain not verified: publish the records above and verify again")

// domainCmd runs `domain cmd args…`.
func domainCmd(c *client, cmd string, args []string, o out, stderr io.Writer) error {
	fs := flag.NewFlagSet("domain "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "the tenant (default: the domain's owner)")
	switchKeys := fs.Bool("switch", false, "rotate: sign with the new keys (once verified); the old ones retire")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return errUsage
	}
	if cmd == "list" {
		if len(pos) != 0 {
			return usageError(stderr, "domain", cmd)
		}
		return domainList(c, o, *tenant)
	}
	if len(pos) != 1 || pos[0] == "" || cmd == "add" && *tenant == "" {
		return usageError(stderr, "domain", cmd)
	}
	domain := pos[0]
	if *tenant == "" {
		if *tenant, err = domainOwner(c, domain); err != nil {
			return err
		}
	}
	path := tenantPath(*tenant) + "/domains"
	one := path + "/" + url.PathEscape(domain)
	switch cmd {
	case "add":
		return domainAdd(c, o, path, domain)
	case "show":
		return domainShow(c, o, one)
	case "verify":
		return domainVerify(c, o, one)
	case "rotate":
		return domainRotate(c, o, one, *switchKeys)
	case "remove":
		return domainRemove(c, o, one, domain, *tenant)
	}
	return errUsage
}

// domainList prints the domains of one tenant, or of all when tenant is "".
func domainList(c *client, o out, tenant string) error {
	var res struct {
		Domains []tenants.Domain `json:"domains"`
	}
	body, err := c.get("/api/v1/domains", url.Values{"tenant": {tenant}}, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	return domainTable(o, res.Domains)
}

// domainAdd adds a domain under the tenant's domains path, pending, and
// prints the records to publish.
func domainAdd(c *client, o out, path, domain string) error {
	var res admin.DomainRecords
	body, err := c.post(http.MethodPost, path, map[string]string{"domain": domain}, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	fmt.Fprintf(o.w, "%s added to %s, pending. Publish these records, then run `sluice ctl domain verify %s`:\n\n", res.Domain.Name, res.Domain.Tenant, res.Domain.Name)
	return recordTable(o, res.Records)
}

// domainShow prints the domain at path, its keys and its records.
func domainShow(c *client, o out, path string) error {
	var res admin.DomainRecords
	body, err := c.get(path, nil, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	if err := domainTable(o, []tenants.Domain{res.Domain}); err != nil {
		return err
	}
	fmt.Fprintln(o.w)
	return keysAndRecords(o, res)
}

// domainVerify checks the domain at path through DNS and prints each
// check; errPending (exit 1) while it is not verified.
func domainVerify(c *client, o out, path string) error {
	var res admin.DomainVerification
	body, err := c.post(http.MethodPost, path+"/verify", struct{}{}, &res)
	if err != nil {
		return err
	}
	if o.json {
		err = o.raw(body)
	} else {
		t := o.table("PURPOSE", "TYPE", "NAME", "OK", "PROBLEM")
		for _, ch := range res.Checks {
			t.row(ch.Purpose, ch.Type, ch.Name, ch.OK, ch.Problem)
		}
		err = t.flush()
		fmt.Fprintf(o.w, "\n%s: %s\n", res.Domain.Name, res.Domain.State)
	}
	if err == nil && res.Domain.State != tenants.Verified {
		err = errPending
	}
	return err
}

// domainRotate makes new keys for the domain at path (dkim-next), or with
// switchKeys signs with them and retires the old ones.
func domainRotate(c *client, o out, path string, switchKeys bool) error {
	var res admin.DomainRecords
	body, err := c.post(http.MethodPost, path+"/rotate", admin.RotateRequest{Switch: switchKeys}, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	if switchKeys {
		fmt.Fprintf(o.w, "%s now signs with its new keys; the old ones (dkim-retiring) stay published until their retire date, then remove them:\n\n", res.Domain.Name)
	} else {
		fmt.Fprintf(o.w, "%s: new keys made. Publish the dkim-next records, run `sluice ctl domain verify %s`, then `sluice ctl domain rotate %s --switch`:\n\n", res.Domain.Name, res.Domain.Name, res.Domain.Name)
	}
	return keysAndRecords(o, res)
}

// domainRemove removes the domain at path (and its keys) from tenant.
func domainRemove(c *client, o out, path, domain, tenant string) error {
	body, err := c.do(http.MethodDelete, path, nil, nil, "")
	if err != nil || o.json {
		return first(err, o, body)
	}
	fmt.Fprintf(o.w, "removed %s from %s (and its keys)\n", domain, tenant)
	return nil
}

// keysAndRecords prints a domain's keys, then the records to publish.
func keysAndRecords(o out, res admin.DomainRecords) error {
	if err := keyTable(o, res.Domain.Keys); err != nil {
		return err
	}
	fmt.Fprintln(o.w)
	return recordTable(o, res.Records)
}

// domainOwner finds the tenant of a domain in the list of all domains.
func domainOwner(c *client, domain string) (string, error) {
	name, err := tenants.NormalizeDomain(domain)
	if err != nil {
		return "", err
	}
	var res struct {
		Domains []tenants.Domain `json:"domains"`
	}
	if _, err := c.get("/api/v1/domains", nil, &res); err != nil {
		return "", err
	}
	for _, d := range res.Domains {
		if d.Name == name {
			return d.Tenant, nil
		}
	}
	return "", fmt.Errorf("no tenant has the domain %s", name)
}

// domainTable prints domains, one per line.
func domainTable(o out, ds []tenants.Domain) error {
	t := o.table("DOMAIN", "TENANT", "STATE", "SELECTORS", "VERIFIED", "CHECKED", "LAST_ERROR")
	for _, d := range ds {
		sel := ""
		for i, k := range d.Keys {
			if i > 0 {
				sel += ","
			}
			sel += k.Selector
		}
		t.row(d.Name, d.Tenant, d.State, sel, stamp(d.VerifiedAt), stamp(d.CheckedAt), d.LastError)
	}
	return t.flush()
}

// keyTable prints a domain's DKIM keys and their rotation states.
func keyTable(o out, keys []tenants.Key) error {
	t := o.table("SELECTOR", "ALGO", "STATE", "CREATED", "VERIFIED", "RETIRE_AT")
	for _, k := range keys {
		state := k.State
		if state == "" {
			state = tenants.KeyActive
		}
		t.row(k.Selector, k.Algo, state, stamp(k.Created), stamp(k.VerifiedAt), stamp(k.RetireAt))
	}
	return t.flush()
}

// recordTable prints the records to publish, values whole (a DNS console
// takes one string; a zone file splits TXT values over 255 bytes).
func recordTable(o out, recs []tenants.Record) error {
	t := o.table("PURPOSE", "TYPE", "NAME", "VALUE")
	for _, r := range recs {
		t.row(r.Purpose, r.Type, r.Name, r.Value)
	}
	return t.flush()
}
