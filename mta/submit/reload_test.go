package submit

import (
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// SetTenants swaps the configured tenants under a running server: the
// next AUTH as a removed tenant is refused 535, an added one is accepted,
// and a session of the removed tenant authenticated before the swap still
// finishes its message (as that tenant).
func TestSetTenantsSwapsCredentials(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "a", Username: "a", SenderDomains: []string{"a.test"}})
	old := dialRaw(t, ts.addr).login("a")
	old.want(old.cmd("MAIL FROM:<x@a.test>"), "250")

	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.b.SetTenants([]*Tenant{{Name: "b", Username: "b", PasswordHash: string(hash),
		SenderDomains: []string{"b.test"}}}); err != nil {
		t.Fatal(err)
	}

	plain := func(user string) string {
		return "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+testPassword))
	}
	c := dialRaw(t, ts.addr)
	c.want(c.cmd(plain("a")), "535")
	c = dialRaw(t, ts.addr).login("b")
	c.want(c.send("x@b.test", "r@example.net", "From: x@b.test\r\nSubject: b\r\n\r\nhi\r\n.\r\n"), "250")

	old.want(old.cmd("RCPT TO:<r@example.net>"), "250")
	old.want(old.cmd("DATA"), "354")
	old.write("From: x@a.test\r\nSubject: a\r\n\r\nhi\r\n.\r\n")
	old.want(old.reply(), "250")

	tenants := map[string]bool{}
	for _, m := range ts.spool.messages() {
		tenants[m.Tenant] = true
	}
	if !tenants["a"] || !tenants["b"] || len(tenants) != 2 {
		t.Fatalf("queued tenants %v, want a (begun before the swap) and b", tenants)
	}
}

// A swap that cannot apply changes nothing: a trusted tenant missing from
// the new set, or a username used twice.
func TestSetTenantsRefusesAndKeeps(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{TrustedTenant: "a"}, &Tenant{Name: "a", Username: "a", SenderDomains: []string{"a.test"}})
	for name, set := range map[string][]*Tenant{
		"trusted tenant": {{Name: "b", Username: "b"}},
		"username":       {{Name: "a", Username: "x"}, {Name: "c", Username: "x"}},
	} {
		if err := ts.b.SetTenants(set); err == nil || !strings.Contains(err.Error(), name[:4]) {
			t.Fatalf("%s: err %v", name, err)
		}
	}
	dialRaw(t, ts.addr).login("a")
}
