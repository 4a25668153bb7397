package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sluice/configs"
)

// runCtl implements `sluice ctl …`: operator commands through the admin
// API of a running node.
func runCtl(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "TOML config file of the node (for its admin address and token)")
	addr := fs.String("admin", "", "admin API address (default: from the config, 127.0.0.1:8025)")
	token := fs.String("token", "", "bearer token (default: $SLUICE_ADMIN_TOKEN, the config, or data_dir/admin.token)")
	asJSON := fs.Bool("json", false, "print the raw JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) < 2 || rest[0] != "queue" || rest[1] != "stats" {
		fmt.Fprintln(stderr, "usage: sluice ctl [--config FILE] [--admin ADDR] [--token T] [--json] queue stats")
		return 2
	}
	cfg := configs.Default()
	if *configPath != "" {
		var err error
		if cfg, err = configs.Load(*configPath); err != nil {
			fmt.Fprintf(stderr, "sluice: %v\n", err)
			return 2
		}
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
		raw, err := os.ReadFile(filepath.Join(cfg.DataDir, "admin.token"))
		if err != nil {
			fmt.Fprintf(stderr, "sluice: no admin token: give --token, set SLUICE_ADMIN_TOKEN, or run where %s is readable (%v)\n",
				filepath.Join(cfg.DataDir, "admin.token"), err)
			return 1
		}
		*token = strings.TrimSpace(string(raw))
	}
	req, err := http.NewRequest(http.MethodGet, "http://"+*addr+"/api/v1/queue/stats", nil)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 1
	}
	req.Header.Set("Authorization", "Bearer "+*token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: admin API at %s: %v\n", *addr, err)
		return 1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		fmt.Fprintf(stderr, "sluice: admin API: %v\n", err)
		return 1
	}
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "sluice: admin API: %s: %s\n", resp.Status, strings.TrimSpace(string(body)))
		return 1
	}
	if *asJSON {
		stdout.Write(body)
		return 0
	}
	var st queueStats
	if err := json.Unmarshal(body, &st); err != nil {
		fmt.Fprintf(stderr, "sluice: admin API: bad JSON: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "messages   %d\nqueued     %d\nin flight  %d\ndeferred   %d\ndelivered  %d (total)\nfailed     %d (total)\n",
		st.Messages, st.Queued, st.InFlight, st.Deferred, st.DeliveredTotal, st.FailedTotal)
	if !st.Oldest.IsZero() {
		fmt.Fprintf(stdout, "oldest     %s (%s ago)\n", st.Oldest.UTC().Format(time.RFC3339), time.Duration(st.OldestAgeSeconds*float64(time.Second)).Round(time.Second))
	}
	if !st.NextDue.IsZero() {
		fmt.Fprintf(stdout, "next due   %s\n", st.NextDue.UTC().Format(time.RFC3339))
	}
	return 0
}
