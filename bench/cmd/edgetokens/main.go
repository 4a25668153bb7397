// Command edgetokens writes request paths for a running edge under load
// (bench/edgetls.sh): -n open pixels and -n click redirects, one recipient
// each, sealed with the keyring of the node's tracking.token_secret, so
// that `sluice serve` verifies them as it would links in mail it sent.
//
//	edgetokens -secret HEX -tenant bench -n 1000 -dir D
//
// It writes D/opens.txt ("/o/<token>.gif") and D/clicks.txt
// ("/c/<token>"), one path per line, for wrk with
// tracking/cmd/edgebench/rotate.lua.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sluice/tracking/token"
)

const dest = "https://shop.example/spring-sale?utm_source=newsletter&utm_medium=email&utm_campaign=spring#top"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "edgetokens:", err)
		os.Exit(1)
	}
}

func run() error {
	secret := flag.String("secret", "", "tracking.token_secret of the node (hex, required)")
	tenant := flag.String("tenant", "bench", "tenant the tokens name")
	n := flag.Int("n", 1000, "recipients (paths per kind)")
	dir := flag.String("dir", ".", "where opens.txt and clicks.txt go")
	flag.Parse()
	if *secret == "" || *n < 1 {
		return errors.New("-secret is required and -n must be positive")
	}
	kr, err := token.KeyringFromHex(*secret, nil)
	if err != nil {
		return err
	}
	// One message accepted an hour ago, as a node would have minted it.
	msg := uint64(time.Now().Add(-time.Hour).UnixMicro())
	opens, clicks := make([]string, 0, *n), make([]string, 0, *n)
	for i := range *n {
		c := token.Claims{Kind: token.Open, Tenant: *tenant, Message: msg, Rcpt: uint32(i), Issued: time.Now()}
		o, err := kr.Seal(c)
		if err != nil {
			return fmt.Errorf("seal open: %w", err)
		}
		c.Kind, c.Link, c.URL = token.Click, 3, dest
		k, err := kr.Seal(c)
		if err != nil {
			return fmt.Errorf("seal click: %w", err)
		}
		opens = append(opens, "/o/"+o+".gif")
		clicks = append(clicks, "/c/"+k)
	}
	for name, paths := range map[string][]string{"opens.txt": opens, "clicks.txt": clicks} {
		if err := os.WriteFile(filepath.Join(*dir, name), []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}
