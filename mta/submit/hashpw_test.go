package submit

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// The printed hash matches the password read (its line end dropped); an
// empty line is a usage error.
func TestHashPasswordMain(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := HashPasswordMain(strings.NewReader("s3cret pass\r\n"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	h := strings.TrimSpace(out.String())
	if err := bcrypt.CompareHashAndPassword([]byte(h), []byte("s3cret pass")); err != nil {
		t.Fatalf("hash %q does not match the password: %v", h, err)
	}
	out.Reset()
	if code := HashPasswordMain(strings.NewReader("\n"), &out, &errb); code != 2 || out.Len() != 0 {
		t.Fatalf("empty password: exit %d, printed %q", code, out.String())
	}
}
