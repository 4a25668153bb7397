package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"sluice/configs"
)

const ctlUsage = `usage: sluice ctl [--config FILE] [--admin ADDR] [--token T] [--json] <command>

commands:
  queue stats                                  the queue totals
  queue summary [--by domain|tenant|pool|site] counts by state per group
  queue list [--tenant T] [--domain D] [--after ID] [--limit N]
  queue show ID                                one message and its recipients
  queue holds                                  what is suspended
  queue suspend|resume domain|tenant|pool|site NAME
  queue retry [--all | --id ID | --tenant T | --domain D]   make waiting mail due now (held mail stays held)
  queue bounce|delete [--id ID] [--tenant T] [--domain D] [--reason R]
  stats --tenant T [--campaign C]              sent, delivered, opens, clicks, unsubscribes…
  suppress list   [--tenant T] [--after ADDR] [--limit N]
  suppress add    --tenant T [--scope all|marketing] [--reason R] ADDRESS...
  suppress remove --tenant T ADDRESS...
  suppress import --tenant T FILE.csv          lines: address[,scope[,reason]]
  suppress export [--tenant T]                 CSV on stdout
  privacy export --tenant T ADDRESS            all that is held about ADDRESS (GDPR Art. 15), JSON
  privacy erase  --tenant T --yes ADDRESS      erase it (Art. 17); a suppression stays, hashed
`

// adminClient talks to a node's admin API.
type adminClient struct {
	base, token, actor string
	http               *http.Client
}

func (c *adminClient) do(method, path string, q url.Values, body io.Reader, contentType string) ([]byte, error) {
	u := "http://" + c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("X-Sluice-Actor", c.actor)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin API at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("admin API: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("admin API: %s: %s", resp.Status, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// runCtl implements `sluice ctl …`: operator commands through the admin
// API of a running node.
func runCtl(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, ctlUsage) }
	configPath := fs.String("config", "", "TOML config file of the node (for its admin address and token)")
	addr := fs.String("admin", "", "admin API address (default: from the config, 127.0.0.1:8025)")
	token := fs.String("token", "", "bearer token (default: $SLUICE_ADMIN_TOKEN, the config, or data_dir/admin.token)")
	asJSON := fs.Bool("json", false, "print the raw JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) == 1 && rest[0] == "stats" {
		rest = append(rest, "") // stats needs its --tenant flag
	}
	if len(rest) < 2 {
		fmt.Fprint(stderr, ctlUsage)
		return 2
	}
	cfg, err := configs.LoadOrDefault(*configPath)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 2
	}
	if *addr == "" {
		*addr = cfg.Admin.Listen
	}
	if *token == "" {
		*token = os.Getenv("SLUICE_ADMIN_TOKEN")
	}
	if *token == "" {
		*token = cfg.Admin.Token
	}
	if *token == "" {
		path := filepath.Join(cfg.DataDir, "admin.token")
		raw, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "sluice: no admin token: give --token, set SLUICE_ADMIN_TOKEN, or run where %s is readable (%v)\n", path, err)
			return 1
		}
		*token = strings.TrimSpace(string(raw))
	}
	who := "ctl"
	if u, err := user.Current(); err == nil {
		who = "ctl:" + u.Username
	}
	c := &adminClient{base: *addr, token: *token, actor: who, http: &http.Client{Timeout: 60 * time.Second}}
	if rest[0] == "stats" {
		if err := ctlStats(c, rest[1:], stdout, stderr); err != nil {
			if err == errUsage {
				fmt.Fprint(stderr, ctlUsage)
				return 2
			}
			fmt.Fprintf(stderr, "sluice: %v\n", err)
			return 1
		}
		return 0
	}
	switch rest[0] + " " + rest[1] {
	case "queue stats":
		err = ctlQueueStats(c, *asJSON, stdout)
	case "queue summary", "queue list", "queue show", "queue holds", "queue suspend", "queue resume",
		"queue retry", "queue bounce", "queue delete":
		err = ctlQueue(c, rest[1], rest[2:], stdout, stderr)
	case "suppress list", "suppress add", "suppress remove", "suppress import", "suppress export":
		err = ctlSuppress(c, rest[1], rest[2:], *asJSON, stdout, stderr)
	case "privacy export", "privacy erase":
		err = ctlPrivacy(c, rest[1], rest[2:], stdout, stderr)
	default:
		fmt.Fprint(stderr, ctlUsage)
		return 2
	}
	if err != nil {
		if err == errUsage {
			return 2
		}
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 1
	}
	return 0
}

var errUsage = fmt.Errorf("usage")

// decodeAPI decodes an admin API answer into v.
func decodeAPI(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("admin API: bad JSON: %w", err)
	}
	return nil
}

func ctlQueueStats(c *adminClient, asJSON bool, stdout io.Writer) error {
	body, err := c.do(http.MethodGet, "/api/v1/queue/stats", nil, nil, "")
	if err != nil {
		return err
	}
	if asJSON {
		_, err := stdout.Write(body)
		return err
	}
	var st queueStats
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

func ctlSuppress(c *adminClient, cmd string, args []string, asJSON bool, stdout, stderr io.Writer) error {
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
		body, err := c.do(http.MethodGet, "/api/v1/suppressions", q, nil, "")
		if err != nil {
			return err
		}
		if asJSON {
			_, err := stdout.Write(body)
			return err
		}
		var out struct{ Suppressions []suppressionJSON }
		if err := decodeAPI(body, &out); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TENANT\tADDRESS\tSCOPE\tREASON\tSOURCE\tSINCE")
		for _, s := range out.Suppressions {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Tenant, s.Address, s.Scope, s.Reason, s.Source, s.Created.Format(time.RFC3339))
		}
		return tw.Flush()
	case "add", "remove":
		if *tenant == "" || fs.NArg() == 0 {
			fmt.Fprint(stderr, ctlUsage)
			return errUsage
		}
		for _, a := range fs.Args() {
			var err error
			if cmd == "add" {
				b, _ := json.Marshal(suppressionJSON{Tenant: *tenant, Address: a, Scope: *scope, Reason: *reason})
				_, err = c.do(http.MethodPost, "/api/v1/suppressions", nil, bytes.NewReader(b), "application/json")
			} else {
				_, err = c.do(http.MethodDelete, "/api/v1/suppressions", url.Values{"tenant": {*tenant}, "address": {a}}, nil, "")
			}
			if err != nil {
				return fmt.Errorf("%s %s: %w", cmd, a, err)
			}
			fmt.Fprintf(stdout, "%s: %s\n", map[string]string{"add": "suppressed", "remove": "removed"}[cmd], a)
		}
		return nil
	case "import":
		if *tenant == "" || fs.NArg() != 1 {
			fmt.Fprint(stderr, ctlUsage)
			return errUsage
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		body, err := c.do(http.MethodPost, "/api/v1/suppressions/import", url.Values{"tenant": {*tenant}}, f, "text/csv")
		if err != nil {
			return err
		}
		var out struct{ Imported int }
		_ = json.Unmarshal(body, &out)
		fmt.Fprintf(stdout, "imported %d\n", out.Imported)
		return nil
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

// ctlQueue runs the queue views and actions; output is the API's JSON,
// indented, which operators pipe to jq.
func ctlQueue(c *adminClient, cmd string, args []string, stdout, stderr io.Writer) error {
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
	post := func(path string, a queueAction) ([]byte, error) {
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
			fmt.Fprint(stderr, ctlUsage)
			return errUsage
		}
		body, err = c.do(http.MethodGet, "/api/v1/queue/messages/"+url.PathEscape(fs.Arg(0)), nil, nil, "")
	case "holds":
		body, err = c.do(http.MethodGet, "/api/v1/queue/holds", nil, nil, "")
	case "suspend", "resume":
		if fs.NArg() != 2 {
			fmt.Fprint(stderr, ctlUsage)
			return errUsage
		}
		body, err = post("/api/v1/queue/"+cmd, queueAction{Kind: fs.Arg(0), Name: fs.Arg(1)})
	case "retry", "bounce", "delete":
		if *all && cmd != "retry" {
			fmt.Fprintln(stderr, "sluice: --all is for retry only; give --id, --tenant or --domain")
			return errUsage
		}
		if !*all && *id == "" && *tenant == "" && *domain == "" {
			fmt.Fprintln(stderr, "sluice: give --id, --tenant or --domain (or --all for retry)")
			return errUsage
		}
		body, err = post("/api/v1/queue/"+cmd, queueAction{ID: *id, Tenant: *tenant, Domain: *domain, Reason: *reason, All: *all})
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(body)
	return err
}

// ctlStats prints a tenant's (or campaign's) statistics as JSON.
func ctlStats(c *adminClient, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant")
	campaign := fs.String("campaign", "", "campaign (default: the whole tenant)")
	if err := fs.Parse(args); err != nil || *tenant == "" {
		return errUsage
	}
	body, err := c.do(http.MethodGet, "/api/v1/stats", url.Values{"tenant": {*tenant}, "campaign": {*campaign}}, nil, "")
	if err != nil {
		return err
	}
	_, err = stdout.Write(body)
	return err
}

// ctlPrivacy runs a data subject request for one address. Without --yes,
// erase only shows what it would remove (from an export) and fails.
func ctlPrivacy(c *adminClient, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("privacy "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant")
	yes := fs.Bool("yes", false, "erase: really erase")
	addrs, err := parseInterspersed(fs, args)
	if err != nil || *tenant == "" || len(addrs) != 1 {
		fmt.Fprint(stderr, ctlUsage)
		return errUsage
	}
	q := url.Values{"tenant": {*tenant}, "address": {addrs[0]}}
	if cmd == "export" || !*yes {
		body, err := c.do(http.MethodGet, "/api/v1/privacy/export", q, nil, "")
		if err != nil {
			return err
		}
		if cmd == "export" {
			_, err := stdout.Write(body)
			return err
		}
		var ex privacyExport
		if err := decodeAPI(body, &ex); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "would erase, for tenant %s: %d directory entries, %d queued recipient records, %d events, %d pending webhook events; %d suppressions (kept, hashed)\n",
			*tenant, len(ex.Directory), len(ex.Queued), len(ex.Events), len(ex.WebhookPending), len(ex.Suppressions))
		return errors.New("nothing erased: add --yes to erase")
	}
	b, _ := json.Marshal(privacyRequest{Tenant: *tenant, Address: addrs[0]})
	body, err := c.do(http.MethodPost, "/api/v1/privacy/erase", nil, bytes.NewReader(b), "application/json")
	if err != nil {
		return err
	}
	_, err = stdout.Write(body)
	return err
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
