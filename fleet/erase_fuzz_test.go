package fleet

import (
	"strings"
	"testing"
)

// FuzzDecodeErase: any entry of the erasure log (hostile or corrupt
// Redis) decodes to a well-formed request or is refused, never a panic.
func FuzzDecodeErase(f *testing.F) {
	f.Add("a-0011", "acme", "ann@example.test", "1700000000000000000")
	f.Add("", "acme", "ann", "x")
	f.Add("r", "ac\x00me", "a@b\r\n", "-1")
	f.Fuzz(func(t *testing.T, id, tenant, addr, at string) {
		e, ok := decodeErase(map[string]any{"r": id, "t": tenant, "a": addr, "at": at})
		if !ok {
			return
		}
		if e.ID == "" || e.Tenant == "" || !strings.Contains(e.Addr, "@") || strings.ContainsAny(e.Addr, "\x00\r\n") {
			t.Fatalf("accepted a bad entry: %+v", e)
		}
	})
}
