package clock

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// clockValue matches time.Now used as a value (a clock handed to a
// component) rather than called: `Now: time.Now`, `now = time.Now`.
var clockValue = regexp.MustCompile(`\btime\.Now\b\s*($|[^(\s])`)

// TestNoRealClockOutsideTheSeam: no Go file in the repository hands
// time.Now to a component as its clock; each uses [Now] (or a clock the
// test controls), so that the clockshift build moves every default real
// clock at once. A component on time.Now directly would escape the guard
// and could mix the real calendar with fixed fixtures unnoticed.
func TestNoRealClockOutsideTheSeam(t *testing.T) {
	root := filepath.Join("..", "..")
	var bad []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "third_party", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasPrefix(path, filepath.Join(root, "internal", "clock")) {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if i := strings.Index(line, "//"); i >= 0 {
				line = line[:i]
			}
			if clockValue.MatchString(line) {
				bad = append(bad, path+":"+itoa(n)+": "+strings.TrimSpace(sc.Text()))
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Fatalf("time.Now handed out as a clock (use clock.Now or an injected clock):\n%s", strings.Join(bad, "\n"))
	}
}

func itoa(n int) string {
	b := []byte{}
	for ; n > 0 || len(b) == 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
