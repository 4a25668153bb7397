package ctl

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sluice/admin"
	"sluice/tenants"
)

// Tenants kept as data (admin/tenants.go):
//
//	tenant create NAME [--display-name D] [--allow-unverified] [--pools P1,P2] [--transactional=true|false]
//	tenant list | show NAME | disable NAME
//	tenant update NAME [--display-name D] [--allow-unverified true|false] [--pools P1,P2] [--enable]
//	              [--tracking-host HOST]  ("" clears it: the default tracking host)
//	              [--transactional=true|false]  (may send X-Sluice-Stream: transactional; default false)
//	tenant credential add NAME            prints the username and secret, once
//	tenant credential revoke NAME ID
//	tenant status|resume NAME             the reputation guard (reputation.go)

// tenantPath is the API path of a tenant.
func tenantPath(name string) string { return "/api/v1/tenants/" + url.PathEscape(name) }

// tenantCmd runs `tenant cmd args…`.
func tenantCmd(c *client, cmd string, args []string, o out, stderr io.Writer) error {
	switch cmd {
	case "status":
		return tenantStatus(c, args, o, stderr)
	case "resume":
		return tenantResume(c, args, o, stderr)
	case "credential":
		return credentialCmd(c, args, o, stderr)
	case "list":
		return tenantList(c, o)
	}
	f, name, err := parseTenantFlags(cmd, args, stderr)
	if err != nil {
		return err
	}
	var res tenants.Tenant
	var body []byte
	switch cmd {
	case "create":
		body, err = c.post(http.MethodPost, "/api/v1/tenants", f.tenant(name), &res)
	case "update", "disable":
		body, err = c.post(http.MethodPatch, tenantPath(name), f.update(cmd), &res)
	case "show":
		return tenantShow(c, name, o)
	default:
		return errUsage
	}
	if err != nil || o.json {
		return first(err, o, body)
	}
	fmt.Fprintf(o.w, "tenant %s: disabled=%t allow_unverified=%t transactional=%t pools=%s tracking_host=%s revision=%d\n",
		res.Name, res.Disabled, res.AllowUnverified, res.Transactional, strings.Join(res.Pools, ","), res.TrackingHost, res.Revision)
	return nil
}

// tenantList runs `tenant list`: every tenant, config seeds and stored
// ones, as a table (or the API's JSON).
func tenantList(c *client, o out) error {
	var res struct {
		Tenants []tenants.Tenant `json:"tenants"`
	}
	body, err := c.get("/api/v1/tenants", nil, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	t := o.table("NAME", "SOURCE", "DISABLED", "ALLOW_UNVERIFIED", "TRANSACTIONAL", "POOLS", "CREATED")
	for _, tn := range res.Tenants {
		src := "store"
		if tn.Seed {
			src = "config"
		}
		t.row(tn.Name, src, tn.Disabled, tn.AllowUnverified, tn.Transactional, strings.Join(tn.Pools, ","), stamp(tn.Created))
	}
	return t.flush()
}

// tenantFlags are the flags of `tenant create|update|disable|show`, parsed.
type tenantFlags struct {
	fs           *flag.FlagSet // to tell a flag given empty from one not given
	display      *string
	pools        *string
	enable       *bool
	trackingHost *string
	allow        *bool // nil: --allow-unverified not given
	transact     *bool // nil: --transactional not given
}

// parseTenantFlags parses args (flags anywhere, one tenant name) for
// `tenant cmd`; a bad flag, a missing name or an --allow-unverified that
// is no boolean is a usage error.
func parseTenantFlags(cmd string, args []string, stderr io.Writer) (*tenantFlags, string, error) {
	fs := flag.NewFlagSet("tenant "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &tenantFlags{fs: fs}
	f.display = fs.String("display-name", "", "name shown to recipients (unsubscribe page)")
	f.pools = fs.String("pools", "", "egress pools, comma-separated; the first is the default")
	allow := fs.String("allow-unverified", "", "true: send from domains still pending verification (migration)")
	f.enable = fs.Bool("enable", false, "enable a disabled tenant (update)")
	f.trackingHost = fs.String("tracking-host", "", "the tenant's own tracking host (a CNAME to the edge); \"\" clears it")
	transact := fs.String("transactional", "", "true: may send X-Sluice-Stream: transactional (skips marketing unsubscribes and the reputation pause); new tenants: false")
	pos, err := parseInterspersed(fs, boolFlagValue(boolFlagValue(args, "allow-unverified"), "transactional"))
	if err != nil {
		return nil, "", errUsage
	}
	if len(pos) != 1 || pos[0] == "" {
		return nil, "", usageError(stderr, "tenant", cmd)
	}
	name := pos[0]
	for _, b := range []struct {
		in  string
		out **bool
	}{{*allow, &f.allow}, {*transact, &f.transact}} {
		if b.in == "" {
			continue
		}
		v, err := strconv.ParseBool(b.in)
		if err != nil {
			return nil, "", usageError(stderr, "tenant", cmd)
		}
		*b.out = &v
	}
	return f, name, nil
}

// tenant is the new tenant `tenant create` asks for.
func (f *tenantFlags) tenant(name string) tenants.Tenant {
	in := tenants.Tenant{Name: name, DisplayName: *f.display, Pools: splitList(*f.pools), TrackingHost: *f.trackingHost}
	if f.allow != nil {
		in.AllowUnverified = *f.allow
	}
	if f.transact != nil {
		in.Transactional = *f.transact
	}
	return in
}

// update is the change `tenant update` or `tenant disable` (cmd) asks
// for: only what was given changes; --enable lifts a disable.
func (f *tenantFlags) update(cmd string) tenants.Update {
	var u tenants.Update
	if f.fs.Lookup("display-name").Value.String() != "" {
		u.DisplayName = f.display
	}
	u.AllowUnverified, u.Pools, u.Transactional = f.allow, splitList(*f.pools), f.transact
	if flagGiven(f.fs, "tracking-host") {
		u.TrackingHost = f.trackingHost
	}
	if cmd == "disable" || *f.enable {
		off := cmd == "disable"
		u.Disabled = &off
	}
	return u
}

// boolFlagValue turns a bare --name (no value) into --name=true, so that
// `--allow-unverified` reads as a switch while the flag, a string to
// tell "not given" from false, also takes true or false.
func boolFlagValue(args []string, name string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "--"+name || a == "-"+name {
			if i+1 < len(args) {
				if _, err := strconv.ParseBool(args[i+1]); err == nil {
					out[i] = a
					continue
				}
			}
			a += "=true"
		}
		out[i] = a
	}
	return out
}

// flagGiven reports whether the command line set flag name (even to "").
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// splitList splits a comma-separated flag; nil when empty.
func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// tenantShow prints a tenant, its credentials, domains and audit trail.
func tenantShow(c *client, name string, o out) error {
	var d admin.TenantDetail
	body, err := c.get(tenantPath(name), nil, &d)
	if err != nil || o.json {
		return first(err, o, body)
	}
	tn := d.Tenant
	src := "store"
	if tn.Seed {
		src = "config (read-only here)"
	}
	fmt.Fprintf(o.w, "name: %s\nsource: %s\ndisplay_name: %s\ndisabled: %t\nallow_unverified: %t\ntransactional: %t\npools: %s\ntracking_host: %s\ncreated: %s\nrevision: %d\n\n",
		tn.Name, src, tn.DisplayName, tn.Disabled, tn.AllowUnverified, tn.Transactional, strings.Join(tn.Pools, ","), tn.TrackingHost, stamp(tn.Created), tn.Revision)
	t := o.table("CREDENTIAL", "CREATED", "REVOKED")
	for _, cr := range d.Credentials {
		t.row(cr.ID, stamp(cr.Created), stamp(cr.Revoked))
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(o.w)
	if err := domainTable(o, d.Domains); err != nil {
		return err
	}
	fmt.Fprintln(o.w)
	t = o.table("WHEN", "WHO", "WHAT", "DETAIL")
	for _, e := range d.Audit {
		t.row(stamp(e.At), e.Actor, e.Action, e.Detail)
	}
	return t.flush()
}

// credentialCmd runs `tenant credential add NAME` and `tenant credential
// revoke NAME ID`.
func credentialCmd(c *client, args []string, o out, stderr io.Writer) error {
	switch {
	case len(args) == 2 && args[0] == "add":
		var res admin.NewCredential
		body, err := c.post(http.MethodPost, tenantPath(args[1])+"/credentials", struct{}{}, &res)
		if err != nil || o.json {
			return first(err, o, body)
		}
		fmt.Fprintf(o.w, "username: %s\nsecret: %s\n(the secret is shown only now: store it; sluice keeps only its hash)\n", res.Username, res.Secret)
		return nil
	case len(args) == 3 && args[0] == "revoke":
		body, err := c.do(http.MethodDelete, tenantPath(args[1])+"/credentials/"+url.PathEscape(args[2]), nil, nil, "")
		if err != nil || o.json {
			return first(err, o, body)
		}
		fmt.Fprintf(o.w, "revoked %s: refused from the next AUTH\n", args[2])
		return nil
	}
	return usageError(stderr, "tenant", "credential")
}
