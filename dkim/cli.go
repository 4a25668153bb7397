// sluice dkim: key generation from the command line.

package dkim

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

const dkimUsage = `usage: sluice dkim keygen --domain DOMAIN --selector SELECTOR [--algo rsa|ed25519|both] [--ed25519-selector SELECTOR] --out DIR

Generates a DKIM signing key, writes it to DIR/DOMAIN.SELECTOR.ALGO.key
(PEM PKCS#8, mode 0600; DIR is created if needed; an existing key file is
never overwritten), and prints the DNS TXT record to publish on stdout.

  --domain DOMAIN            signing domain (d=), e.g. example.com
  --selector SELECTOR        key selector (s=), e.g. s2026
  --algo rsa                 RSA-2048 (default; every verifier supports it)
  --algo ed25519             Ed25519 (RFC 8463)
  --algo both                an RSA and an Ed25519 key for dual signing: two
                             keys need two selectors, so RSA uses --selector
                             and Ed25519 uses --ed25519-selector
  --ed25519-selector SEL     Ed25519 selector with --algo both
                             (default: SELECTOR-ed)
  --out DIR                  directory for the private key files
`

// Main implements "sluice dkim …" (the binary dispatches to it, as it
// does to ctl.Run); args are the arguments after "dkim". It returns the
// exit status: 0 on success, 2 for usage errors, 1 for other failures.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, dkimUsage)
		return 2
	}
	switch args[0] {
	case "keygen":
		return mainKeygen(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, dkimUsage)
		return 0
	}
	fmt.Fprintf(stderr, "sluice dkim: unknown command %q\n%s", args[0], dkimUsage)
	return 2
}

// mainKeygen implements "sluice dkim keygen": flags in, Keygen,
// the records out.
func mainKeygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sluice dkim keygen", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and usage are printed below
	domain := fs.String("domain", "", "signing domain")
	selector := fs.String("selector", "", "selector")
	algo := fs.String("algo", "rsa", "rsa, ed25519 or both")
	edSelector := fs.String("ed25519-selector", "", "Ed25519 selector with --algo both")
	out := fs.String("out", "", "directory for the key files")
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "sluice dkim keygen: "+format+"\n%s", append(a, dkimUsage)...)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, dkimUsage)
			return 0
		}
		return usageErr("%v", err)
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case *domain == "":
		return usageErr("--domain is required")
	case *selector == "":
		return usageErr("--selector is required")
	case *out == "":
		return usageErr("--out is required")
	}
	specs, err := KeySpecs(*algo, *selector, *edSelector)
	if err != nil {
		return usageErr("%v", err)
	}
	keys, err := Keygen(*out, *domain, specs)
	if errors.Is(err, ErrInvalidName) {
		return usageErr("%v", err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "sluice dkim keygen: %v\n", err)
		return 1
	}
	if err := WriteZone(stdout, *domain, keys); err != nil {
		fmt.Fprintf(stderr, "sluice dkim keygen: %v\n", err)
		return 1
	}
	return 0
}
