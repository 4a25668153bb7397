// Package ctl is `sluice ctl`: the operator's command-line client of a
// running node's admin API (package [sluice/admin]). It parses the
// subcommands' flags, finds the admin address and bearer token (flags,
// $SLUICE_ADMIN_TOKEN, the node's config, or the token file the node
// wrote in its data directory), calls the API over HTTP, and prints the
// answer: indented JSON (which operators pipe to jq) or, for a few views,
// a table.
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
	"strings"
	"time"

	"sluice/configs"
)

// Usage is the help of `sluice ctl`.
const Usage = `usage: sluice ctl [--config FILE] [--admin ADDR] [--token T] [--json] <command>

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

// errUsage reports a command line that does not parse; Run exits 2.
var errUsage = errors.New("usage")

// Run runs `sluice ctl args…` and returns the process's exit code: 0 on
// success, 1 when the command failed, 2 on a usage error.
func Run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, Usage) }
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
		fmt.Fprint(stderr, Usage)
		return 2
	}
	c, code := connect(*configPath, *addr, *token, stderr)
	if c == nil {
		return code
	}
	return exit(dispatch(c, rest, *asJSON, stdout, stderr), stderr)
}

// dispatch runs the command rest (at least two words).
func dispatch(c *client, rest []string, asJSON bool, stdout, stderr io.Writer) error {
	if rest[0] == "stats" {
		if err := stats(c, rest[1:], stdout, stderr); err != errUsage {
			return err
		}
		fmt.Fprint(stderr, Usage)
		return errUsage
	}
	switch rest[0] + " " + rest[1] {
	case "queue stats":
		return queueStats(c, asJSON, stdout)
	case "queue summary", "queue list", "queue show", "queue holds", "queue suspend", "queue resume",
		"queue retry", "queue bounce", "queue delete":
		return queueCmd(c, rest[1], rest[2:], stdout, stderr)
	case "suppress list", "suppress add", "suppress remove", "suppress import", "suppress export":
		return suppress(c, rest[1], rest[2:], asJSON, stdout, stderr)
	case "privacy export", "privacy erase":
		return privacy(c, rest[1], rest[2:], stdout, stderr)
	}
	fmt.Fprint(stderr, Usage)
	return errUsage
}

// exit is the exit code of a command's outcome, printing the error.
func exit(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case err == errUsage:
		return 2
	}
	fmt.Fprintf(stderr, "sluice: %v\n", err)
	return 1
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
