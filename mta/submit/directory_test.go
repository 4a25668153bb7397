package submit

import (
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// mapDirectory is a Directory in memory: the seam; package tenants tests
// its own.
type mapDirectory struct {
	mu    sync.Mutex
	users map[string]dirEntry
}

type dirEntry struct {
	t    *Tenant
	hash string
}

func (d *mapDirectory) Lookup(username string) (*Tenant, string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.users[username]
	return e.t, e.hash, ok
}

func (d *mapDirectory) revoke(username string) {
	d.mu.Lock()
	delete(d.users, username)
	d.mu.Unlock()
}

// authPlain returns the AUTH PLAIN command for user and password.
func authPlain(user, pw string) string {
	return "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pw))
}

// Credentials kept as data: a directory user authenticates next to the
// configured tenants; revoked, it is refused at the next AUTH even though
// its password is in the success cache; an unverified domain is refused
// at MAIL FROM.
func TestDirectoryAuth(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "static", Username: "static", SenderDomains: []string{"static.example"}})
	hash, err := bcrypt.GenerateFromPassword([]byte("dir-secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dyn := &Tenant{Name: "acme", SenderDomains: []string{"acme.example"}, Unverified: []string{"pending.example"}}
	dir := &mapDirectory{users: map[string]dirEntry{"acme.k1": {dyn, string(hash)}}}
	if err := ts.b.SetDirectory(dir, bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}

	c := dialRaw(t, ts.addr)
	c.want(c.cmd(authPlain("acme.k1", "dir-secret")), "235")
	if r := c.send("a@acme.example", "x@example.net", "From: a@acme.example\r\nSubject: s\r\n\r\nhi\r\n.\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatalf("directory tenant's message: %q", r)
	}
	if r := c.cmd("MAIL FROM:<a@pending.example>"); !strings.HasPrefix(r, "55") || !strings.Contains(r, "5.7.1") {
		t.Fatalf("unverified domain at MAIL FROM: %q", r)
	}
	// The configured tenant still works beside the directory.
	dialRaw(t, ts.addr).login("static")

	dir.revoke("acme.k1")
	c = dialRaw(t, ts.addr)
	c.want(c.cmd(authPlain("acme.k1", "dir-secret")), "535")
	if got := ts.spool.messages(); len(got) != 1 || got[0].Tenant != "acme" {
		t.Fatalf("spool %+v", got)
	}
}

// Without SetDirectory's cost the dummy hash would stay at the configured
// tenants' cost, and an unknown username would answer faster than a
// directory one.
func TestDirectoryRaisesDummyCost(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "static", Username: "static", SenderDomains: []string{"static.example"}})
	if c, _ := bcrypt.Cost(ts.b.auth.dummy); c != bcrypt.MinCost {
		t.Fatalf("dummy cost %d before", c)
	}
	if err := ts.b.SetDirectory(&mapDirectory{}, bcrypt.MinCost+2); err != nil {
		t.Fatal(err)
	}
	if c, _ := bcrypt.Cost(ts.b.auth.dummy); c != bcrypt.MinCost+2 {
		t.Fatalf("dummy cost %d after, want %d", c, bcrypt.MinCost+2)
	}
}

func TestSenderRefusal(t *testing.T) {
	t.Parallel()
	tn := &Tenant{SenderDomains: []string{"ok.example"}, Unverified: []string{"pending.example"}}
	if r := tn.senderRefusal("a@news.pending.example"); r.Code != 550 || r.EnhancedCode != [3]int{5, 7, 1} ||
		!strings.Contains(r.Message, "pending.example is not verified") {
		t.Fatalf("unverified: %+v", r)
	}
	if r := tn.senderRefusal("a@else.example"); r != errSender {
		t.Fatalf("other domain: %+v", r)
	}
}
