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

// TestRevokedCredentialStopsOpenSession: a credential revoked (or its
// tenant disabled) while a session authenticated with it is open stops
// that session at its next MAIL, not only the next AUTH: 421 4.7.0, and
// nothing more is queued. Before, the open session went on sending.
func TestRevokedCredentialStopsOpenSession(t *testing.T) {
	t.Parallel()
	ts, dir, _, c := dirSession(t, "dir-secret")
	dir.revoke("acme.k1")
	if r := c.cmd("MAIL FROM:<a@acme.example>"); !strings.HasPrefix(r, "421 4.7.0") {
		t.Fatalf("MAIL after the revocation: %q, want 421 4.7.0", r)
	}
	if got := ts.spool.messages(); len(got) != 1 {
		t.Fatalf("%d messages queued, want only the one before the revocation", len(got))
	}
}

// A password rotated under the same username ends the sessions that
// authenticated with the old one at their next MAIL, as a revocation does
// (review8 of 25b3dbc: the re-check compared only the username).
func TestRotatedPasswordStopsOpenSession(t *testing.T) {
	t.Parallel()
	_, dir, dyn, c := dirSession(t, "old-secret")
	newHash, err := bcrypt.GenerateFromPassword([]byte("new-secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir.mu.Lock()
	dir.users["acme.k1"] = dirEntry{dyn, string(newHash)}
	dir.mu.Unlock()
	if r := c.cmd("MAIL FROM:<a@acme.example>"); !strings.HasPrefix(r, "421 4.7.0") {
		t.Fatalf("MAIL after the rotation: %q, want 421 4.7.0", r)
	}
}

// dirSession starts a server whose directory holds credential acme.k1
// with password pw, authenticates a session with it and sends one message:
// the server, the directory, the credential's tenant and the session.
func dirSession(t *testing.T, pw string) (*testServer, *mapDirectory, *Tenant, *rawClient) {
	t.Helper()
	ts := startServer(t, Config{})
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dyn := &Tenant{Name: "acme", SenderDomains: []string{"acme.example"}}
	dir := &mapDirectory{users: map[string]dirEntry{"acme.k1": {dyn, string(hash)}}}
	if err := ts.b.SetDirectory(dir, bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	c := dialRaw(t, ts.addr)
	c.want(c.cmd(authPlain("acme.k1", pw)), "235")
	msg := "From: a@acme.example\r\nSubject: s\r\n\r\nhi\r\n.\r\n"
	if r := c.send("a@acme.example", "x@example.net", msg); !strings.HasPrefix(r, "250") {
		t.Fatalf("the first message: %q", r)
	}
	return ts, dir, dyn, c
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

// claimingDirectory is a mapDirectory whose usernames have a shape of
// their own ("<name>.k<digit>"), as package tenants' do.
type claimingDirectory struct{ mapDirectory }

func (d *claimingDirectory) Claims(username string) bool {
	_, id, ok := strings.Cut(username, ".")
	return ok && len(id) == 2 && id[0] == 'k'
}

// Timing of AUTH over loopback when the configured tenants' hashes and
// the directory's have different costs: an unknown username of the
// directory's shape pays the directory's cost, like a stored credential
// with a wrong password, and any other unknown username pays the
// configured tenants' cost, like a configured one. With one dummy at the
// higher cost, either stored credentials or configured usernames were
// told from unknown ones by a factor of two in time per cost step.
// Compared by the bcrypt cost each AUTH used (the seam), not wall time.
func TestUnknownUserCostsWhatItsKindCosts(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "static", Username: "static", SenderDomains: []string{"static.example"}})
	const dirCost = bcrypt.MinCost + 1 // the configured tenant's hash is at MinCost
	hash, err := bcrypt.GenerateFromPassword([]byte("dir-secret"), dirCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := &claimingDirectory{mapDirectory{users: map[string]dirEntry{
		"acme.k1": {&Tenant{Name: "acme", SenderDomains: []string{"acme.example"}}, string(hash)}}}}
	if err := ts.b.SetDirectory(dir, dirCost); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var used []int
	compare := ts.b.auth.compare
	ts.b.auth.compare = func(h, pw []byte) error {
		c, err := bcrypt.Cost(h)
		if err != nil {
			c = -1
		}
		mu.Lock()
		used = append(used, c)
		mu.Unlock()
		return compare(h, pw)
	}
	costOf := func(user string) int {
		t.Helper()
		mu.Lock()
		used = used[:0]
		mu.Unlock()
		c := dialRaw(t, ts.addr)
		c.want(c.cmd(authPlain(user, "wrong")), "535")
		mu.Lock()
		defer mu.Unlock()
		if len(used) != 1 {
			t.Fatalf("AUTH as %q ran %d bcrypt checks, want 1", user, len(used))
		}
		return used[0]
	}
	for _, tc := range []struct {
		user string
		want int
	}{
		{"acme.k1", dirCost},        // stored credential, wrong password
		{"acme.k9", dirCost},        // unknown, of the directory's shape
		{"other.k2", dirCost},       // unknown tenant, same shape
		{"static", bcrypt.MinCost},  // configured tenant, wrong password
		{"nobody", bcrypt.MinCost},  // unknown, any other shape
		{"a.b.c.d", bcrypt.MinCost}, // unknown, not the directory's shape
	} {
		if got := costOf(tc.user); got != tc.want {
			t.Errorf("AUTH as %q checked at cost %d, want %d", tc.user, got, tc.want)
		}
	}
}
