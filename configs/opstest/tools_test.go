package opstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sluice/mta/mtatest"
	"sync"
	"testing"
)

// repoRoot is the module root, from this package's directory.
const repoRoot = "../.."

// needTool returns the path of a command-line tool, or skips the test
// loudly, naming the Debian package that provides it (CI installs it).
func needTool(t *testing.T, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("SKIPPED LOUDLY: %s not found (apt-get install -y %s); this test proves configs/ against it and did not run", name, debianPackage)
	}
	return p
}

// builder builds the sluice binary once for every test of the package.
type builder struct {
	once sync.Once
	dir  string
	path string
	err  error
}

var sluiceBinary builder

// build returns the path of a sluice binary built from this checkout into
// a temporary directory.
func (b *builder) build(t *testing.T) string {
	t.Helper()
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "sluice-opstest-")
		if b.err != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			b.err = fmt.Errorf("go tool not in PATH: %w", err)
			return
		}
		b.path = filepath.Join(b.dir, "sluice")
		cmd := exec.Command(goTool, "build", "-o", b.path, "./cmd/sluice")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build ./cmd/sluice: %w\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sluiceBinary.dir != "" {
		os.RemoveAll(sluiceBinary.dir)
	}
	os.Exit(code)
}

func freeAddr(t *testing.T) string { return mtatest.FreeAddr(t) }
