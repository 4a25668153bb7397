// Command sluice is a high-throughput SMTP delivery MTA with a tracking
// edge. One binary, subcommands:
//
//	sluice serve [--config FILE]   run everything (submission, inbound MX, delivery, edge, admin)
//	sluice edge [--config FILE]    the tracking edge alone, for scaling it out
//	sluice ctl …                   operator commands through a node's admin API
//	sluice dkim keygen …           write a DKIM key and print its DNS record
//	sluice classify [FILE]         classify one returned message (bounce, complaint)
//	sluice hash-password           read a password on stdin, print its bcrypt hash
//	sluice version
package main

import (
	"fmt"
	"io"
	"os"

	"sluice/admin/ctl"
	"sluice/dkim"
	"sluice/mta/bounce"
	"sluice/mta/submit"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: sluice <command> [arguments]

commands:
  serve [--config FILE]      run sluice (embedded defaults when no file is given)
  edge [--config FILE]       run the tracking edge alone (scale-out)
  ctl ...                    operator commands: queue, suppress, stats (sluice ctl -h)
  dkim keygen ...            generate a DKIM key and print its DNS TXT record
  classify [FILE]            classify a returned message (stdin by default)
  hash-password              read a password on stdin, print its bcrypt hash
  version                    print the version
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "edge":
		return runEdge(args[1:], stdout, stderr)
	case "ctl":
		return ctl.Run(args[1:], stdout, stderr)
	case "dkim":
		return dkim.Main(args[1:], stdout, stderr)
	case "classify":
		return bounce.Main(args[1:], stdin, stdout, stderr)
	case "hash-password":
		return submit.HashPasswordMain(stdin, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "sluice", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "sluice: unknown command %q\n\n%s", args[0], usage)
	return 2
}
