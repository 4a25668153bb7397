package configs

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestAccountingResolve(t *testing.T) {
	t.Parallel()
	var a Accounting
	if err := a.Resolve("/data"); err != nil {
		t.Fatal(err)
	}
	if a.Enabled || a.Path != filepath.Join("/data", "accounting") || a.MaxSize != 100<<20 || !*a.Daily || a.Keep != 30 || len(a.Kinds) != 8 {
		t.Errorf("defaults %+v", a)
	}
	for _, tc := range []struct {
		a   Accounting
		key string
	}{
		{Accounting{MaxSize: -2}, "accounting.max_size"},
		{Accounting{Keep: -5}, "accounting.keep"},
		{Accounting{Kinds: []string{"delivered", "opened"}}, "accounting.kinds"},
	} {
		if err := tc.a.Resolve("/d"); err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%+v: err %v, want one naming %s", tc.a, err, tc.key)
		}
	}
}
