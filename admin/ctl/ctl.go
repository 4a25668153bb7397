// Package ctl is `sluice ctl`: the operator's command-line client of a
// running node's admin API (package [sluice/admin]). It parses the
// subcommands' flags, finds the admin address and bearer token (flags,
// $SLUICE_ADMIN_TOKEN, the node's config, or the token file the node
// wrote in its data directory), calls the API over HTTP, and prints the
// answer: an aligned table for people, or with --json the API's JSON
// document (snake_case keys, the same names as the API's Go types in
// package admin) for scripts.
//
// It lives apart from the server so that the binary's command package
// only dispatches to it, and so that it is tested against a real admin
// server over real stores rather than through a whole node.
package ctl

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sluice/configs"
)

// Usage is the help of `sluice ctl`.
const Usage = `usage: sluice ctl [--config FILE] [--admin ADDR] [--token T] [--json] <command>

Output is an aligned table (or key: value lines) for people; --json, given
anywhere on the line, prints one JSON document instead, with snake_case keys
named as in the admin API (package sluice/admin). Exit status: 0 done,
1 failed (the API refused or could not be reached; the reason on stderr),
2 usage error (nothing was sent). --help works without a token.

commands:
  queue stats                                  the queue totals
  queue summary [--by domain|tenant|pool|site] counts by state per group
  queue list [--tenant T] [--domain D] [--after ID] [--limit N]
  queue show ID                                one message and its recipients
  queue show ID --headers                      its stored header section (tenant data: audited)
  queue show ID --body [--max BYTES]           its stored bytes, first 1 MiB by default (tenant data: audited)
  queue hold ID [--duration 2h] [--reason R]   set one message's waiting recipients aside
  queue release ID                             put them back on the schedule
  queue holds                                  what is suspended or held, by whom, why, until when
  queue suspend domain|tenant|pool|site NAME [--duration 2h] [--reason R]
                                               with --duration the suspension lifts itself
  queue resume domain|tenant|pool|site NAME
  queue retry [--all | --id ID | --tenant T | --domain D]   make waiting mail due now (held mail stays held)
  queue bounce|delete [--id ID] [--tenant T] [--domain D] [--reason R]
  suspend, resume, hold, release, holds        the same as queue …
  sites                                        shaping state per (source, site): queue summary --by site
  sources                                      warm-up (day, today's allowance and count per site) and
                                               blocklist marks per (source, site), with until when
  stats --tenant T [--campaign C]              sent, delivered, opens, clicks, unsubscribes…
  suppress list   [--tenant T] [--after ADDR] [--limit N]
  suppress add    --tenant T [--scope all|marketing] [--reason R] ADDRESS...
  suppress remove --tenant T ADDRESS...
  suppress import --tenant T FILE.csv          lines: address[,scope[,reason]]
  suppress export [--tenant T]                 CSV on stdout
  privacy export --tenant T ADDRESS            all that is held about ADDRESS (GDPR Art. 15), JSON
  privacy erase  --tenant T --yes ADDRESS      erase it (Art. 17); a suppression stays, hashed; JSON
  cluster status                               live nodes (id, version, queue depth, started, last seen) and Redis health
  log-level [debug|info|warn|error]            show or change the running node's log level
  top [--interval 5s] [--n 10] [--once]        refreshing view: queue, rates per second, top domains,
                                               tenants and sites; --once prints one screen and exits
  tenant create NAME [--display-name D] [--allow-unverified] [--pools P1,P2]   a tenant kept as data
  tenant list | show NAME | disable NAME       tenants (config seeds too); show: credentials, domains, audit
  tenant update NAME [--display-name D] [--allow-unverified true|false] [--pools P1,P2] [--enable]
                     [--tracking-host HOST]  the tenant's own tracking host ("" clears it)
                     [--transactional=true|false]  may send X-Sluice-Stream: transactional (create too;
                                               new tenants: false; no unsubscribe or pause applies to it)
  tenant credential add NAME                   a new SMTP username and secret, shown once
  tenant credential revoke NAME ID             refused from the next AUTH
  tenant status|resume NAME                    the reputation guard: marketing paused or flowing; lift a pause
  domain add --tenant T DOMAIN                 claim a sending domain: prints the DNS records to publish
  domain verify [--tenant T] DOMAIN            check them through DNS (exit 1 while pending)
  domain list [--tenant T] | show|remove [--tenant T] DOMAIN
  domain rotate [--tenant T] DOMAIN [--switch] new DKIM keys to publish; --switch (once verified) signs with them
`

// errUsage reports a command line that does not parse; Run exits 2.
var errUsage = errors.New("usage")

// aliases are top-level short forms of queue commands.
var aliases = map[string]string{"suspend": "queue", "resume": "queue", "hold": "queue", "release": "queue", "holds": "queue"}

// Run runs `sluice ctl args…` and returns the process's exit code: 0 on
// success, 1 when the command failed, 2 on a usage error.
func Run(args []string, stdout, stderr io.Writer) int {
	args, asJSON := cutFlag(args, "json")
	if slices.ContainsFunc(args, isHelp) {
		fmt.Fprint(stdout, help(args))
		return 0
	}
	fs := flag.NewFlagSet("ctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, Usage) }
	configPath := fs.String("config", "", "TOML config file of the node (for its admin address and token)")
	addr := fs.String("admin", "", "admin API address (default: from the config, 127.0.0.1:8025)")
	token := fs.String("token", "", "bearer token (default: $SLUICE_ADMIN_TOKEN, the config, or data_dir/admin.token)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) > 0 && rest[0] == "help" {
		fmt.Fprint(stdout, help(rest[1:]))
		return 0
	}
	if len(rest) > 0 && aliases[rest[0]] != "" {
		rest = append([]string{aliases[rest[0]]}, rest...)
	}
	if len(rest) == 0 || !known(rest) {
		fmt.Fprint(stderr, Usage)
		return 2
	}
	c, code := connect(*configPath, *addr, *token, stderr)
	if c == nil {
		return code
	}
	o := out{w: stdout, json: asJSON}
	if !asJSON {
		// Human output shows text strangers wrote (receivers' replies,
		// reports, DNS answers): no terminal control reaches the screen.
		safe := &termSafe{w: stdout}
		defer safe.Flush()
		o = out{w: safe, bytes: stdout}
	}
	errs := &termSafe{w: stderr}
	defer errs.Flush()
	return exit(dispatch(c, rest, o, errs), errs)
}

// commands are the command words and their subcommands (nil: none).
var commands = map[string][]string{
	"queue":    {"stats", "summary", "list", "show", "holds", "hold", "release", "suspend", "resume", "retry", "bounce", "delete"},
	"suppress": {"list", "add", "remove", "import", "export"},
	"privacy":  {"export", "erase"},
	"cluster":  {"status"},
	"tenant":   {"create", "list", "show", "update", "disable", "credential", "status", "resume"},
	"domain":   {"add", "verify", "list", "show", "remove", "rotate"},
	"stats":    nil, "sites": nil, "log-level": nil, "top": nil,
	"sources": nil,
}

// known reports whether rest starts with a command ctl has.
func known(rest []string) bool {
	subs, ok := commands[rest[0]]
	return ok && (subs == nil || len(rest) > 1 && slices.Contains(subs, rest[1]))
}

// dispatch runs the command rest (known).
func dispatch(c *client, rest []string, o out, stderr io.Writer) error {
	switch rest[0] {
	case "stats":
		return stats(c, rest[1:], o, stderr)
	case "sources":
		return sources(c, rest[1:], o, stderr)
	case "sites":
		return queueCmd(c, "summary", append([]string{"--by", "site"}, rest[1:]...), o, stderr)
	case "log-level":
		return logLevel(c, rest[1:], o, stderr)
	case "top":
		return top(c, rest[1:], o, stderr)
	case "queue":
		return queueCmd(c, rest[1], rest[2:], o, stderr)
	case "suppress":
		return suppress(c, rest[1], rest[2:], o, stderr)
	case "privacy":
		return privacy(c, rest[1], rest[2:], o, stderr)
	case "cluster":
		return cluster(c, rest[1], rest[2:], o, stderr)
	case "tenant":
		return tenantCmd(c, rest[1], rest[2:], o, stderr)
	case "domain":
		return domainCmd(c, rest[1], rest[2:], o, stderr)
	}
	return errUsage
}

// exit is the exit code of a command's outcome, printing the error.
func exit(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "sluice: %v\n", err)
	return 1
}

// usageError prints the help of the command and returns errUsage.
func usageError(stderr io.Writer, words ...string) error {
	fmt.Fprint(stderr, help(words))
	return errUsage
}

// cutFlag removes every --name and -name from args (a boolean flag that
// may come anywhere on the line) and reports whether there was one.
func cutFlag(args []string, name string) ([]string, bool) {
	var kept []string
	found := false
	for _, a := range args {
		if a == "--"+name || a == "-"+name || a == "--"+name+"=true" || a == "-"+name+"=true" {
			found = true
			continue
		}
		kept = append(kept, a)
	}
	return kept, found
}

func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

// help is the part of Usage about the command words in args (the first
// two that are not flags), or all of it.
func help(args []string) string {
	var words []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") && a != "help" && len(words) < 2 {
			words = append(words, a)
		}
	}
	for len(words) > 0 {
		prefix := "  " + strings.Join(words, " ")
		var lines []string
		for _, l := range strings.Split(Usage, "\n") {
			if strings.HasPrefix(l, prefix) {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			return "usage: sluice ctl [--json] …\n" + strings.Join(lines, "\n") + "\n"
		}
		words = words[:len(words)-1]
	}
	return Usage
}

// connect makes the API client from the flags, filling what they leave
// out from the node's config (or its defaults). On failure it returns nil
// and the exit code, having said why on stderr.
func connect(configPath, addr, token string, stderr io.Writer) (*client, int) {
	cfg, err := configs.LoadOrDefault(configPath)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return nil, 2
	}
	if addr == "" {
		addr = cfg.Admin.Listen
	}
	if token == "" {
		token = os.Getenv("SLUICE_ADMIN_TOKEN")
	}
	if token == "" {
		token = cfg.Admin.Token
	}
	if token == "" {
		path := filepath.Join(cfg.DataDir, "admin.token")
		raw, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "sluice: no admin token: give --token, set SLUICE_ADMIN_TOKEN, or run where %s is readable (%v)\n", path, err)
			return nil, 1
		}
		token = strings.TrimSpace(string(raw))
	}
	who := "ctl"
	if u, err := user.Current(); err == nil {
		who = "ctl:" + u.Username
	}
	return &client{base: addr, token: token, actor: who, http: &http.Client{Timeout: 60 * time.Second}}, 0
}
