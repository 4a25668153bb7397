// sluice hash-password: a tenant's password_hash from the command line.

package submit

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// HashPasswordMain implements "sluice hash-password" (the binary
// dispatches to it, as it does to dkim.Main): it reads one password line
// from stdin and prints its bcrypt hash, for a [[tenant]]'s
// password_hash, which AUTH compares (auth.go). Exit status 0 done, 1
// failed, 2 no password given.
func HashPasswordMain(stdin io.Reader, stdout, stderr io.Writer) int {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		fmt.Fprintf(stderr, "sluice: hash-password: %v\n", err)
		return 1
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		fmt.Fprintln(stderr, "sluice: hash-password: empty password (give it on stdin)")
		return 2
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: hash-password: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, string(h))
	return 0
}
