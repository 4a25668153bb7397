package tenants

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"sluice/internal/clock"
	"sluice/mta/mtatest"
	"sluice/queue"
)

// submitStream submits one message of stream ("" for none) as cred over
// loopback and returns the submission's error (nil: 250).
func submitStream(addr, user, secret, stream string) error {
	hdr := ""
	if stream != "" {
		hdr = "X-Sluice-Stream: " + stream + "\r\n"
	}
	return submitRaw(addr, user, secret, "From: Shop <news@shop.example>\r\nTo: x@example.net\r\nSubject: reset\r\n"+hdr+"\r\nbody\r\n")
}

// submitRaw submits msg from news@shop.example to x@example.net.
func submitRaw(addr, user, secret, msg string) error {
	_, err := mtatest.Submit(mtatest.Submission{Addr: addr, NoTLS: true, Username: user, Password: secret,
		From: "news@shop.example", To: []string{"x@example.net"}, Data: []byte(msg)})
	return err
}

// isStreamRefusal reports whether err is the submission's 550 5.7.1 for
// a tenant without the transactional permission.
func isStreamRefusal(err error) bool {
	se, ok := err.(*smtp.SMTPError)
	return ok && se.Code == 550 && se.EnhancedCode == (smtp.EnhancedCode{5, 7, 1}) && strings.Contains(se.Message, "transactional")
}

// A tenant onboarded through the store may not send transactional mail
// until the operator grants it (550 5.7.1 over real SMTP, marketing
// accepted); the grant is audited, counts at the next AUTH, and its
// withdrawal too.
func TestTransactionalPermission(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	tn, err := s.CreateTenant("op", Tenant{Name: "shop", AllowUnverified: true})
	if err != nil {
		t.Fatal(err)
	}
	if tn.Transactional {
		t.Fatal("a new tenant may send transactional mail")
	}
	cred, secret, err := s.AddCredential("op", "shop")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddDomain("op", "shop", "shop.example"); err != nil {
		t.Fatal(err)
	}
	addr, spool := startSubmit(t, s)

	if err := submitStream(addr, cred.ID, secret, "transactional"); !isStreamRefusal(err) {
		t.Fatalf("transactional from a new tenant: %v, want 550 5.7.1", err)
	}
	if err := submitStream(addr, cred.ID, secret, ""); err != nil {
		t.Fatalf("marketing from a new tenant: %v", err)
	}

	yes, no := true, false
	if tn, err = s.UpdateTenant("op", "shop", Update{Transactional: &yes}); err != nil || !tn.Transactional {
		t.Fatalf("grant: %+v %v", tn, err)
	}
	if err := submitStream(addr, cred.ID, secret, "transactional"); err != nil {
		t.Fatalf("transactional once granted: %v", err)
	}
	spool.mu.Lock()
	n, last := len(spool.msgs), spool.msgs[len(spool.msgs)-1].Stream
	spool.mu.Unlock()
	if n != 2 || last != queue.Transactional {
		t.Fatalf("%d messages queued, last stream %v", n, last)
	}
	if _, err = s.UpdateTenant("op", "shop", Update{Transactional: &no}); err != nil {
		t.Fatal(err)
	}
	if err := submitStream(addr, cred.ID, secret, "transactional"); !isStreamRefusal(err) {
		t.Fatalf("transactional once withdrawn: %v, want 550 5.7.1", err)
	}

	audit, err := s.Audit("shop")
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, e := range audit {
		details = append(details, e.Action+" "+e.Detail)
	}
	all := strings.Join(details, "\n")
	for _, want := range []string{"tenant.create allow_unverified=true transactional=false",
		"tenant.update transactional=true", "tenant.update transactional=false"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit lacks %q:\n%s", want, all)
		}
	}
}

// oldTenantJSON is a tenant record as releases before the permission
// wrote it: no "transactional" field.
const oldTenantJSON = `{"name":"legacy-shop","display_name":"Legacy","allow_unverified":true,"created":"2026-01-02T03:04:05Z","revision":3}`

// A store written by an older release (a tenant record without the
// field, its credential and domain written the old way) keeps its
// tenants sending transactional mail as before, over real SMTP; a tenant
// created after the upgrade starts without it. The record keeps reading
// true after a change that does not touch the permission (now written
// explicitly).
func TestTransactionalOldStore(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tenants.db")
	// The older release: the same store, then its tenant record replaced
	// by the old form, bytes as an older binary wrote them.
	now := clock.Now().Truncate(time.Second)
	opts := Options{Path: path, BcryptCost: bcrypt.MinCost, Now: func() time.Time { return now }}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "legacy-shop")
	cred, secret, err := s.AddCredential("op", "legacy-shop")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddDomain("op", "legacy-shop", "shop.example"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bTenants).Put([]byte("legacy-shop"), []byte(oldTenantJSON)) })
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}

	// The new release opens it.
	s, err = Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if tn, err := s.Tenant("legacy-shop"); err != nil || !tn.Transactional || tn.DisplayName != "Legacy" {
		t.Fatalf("old record: %+v %v", tn, err)
	}
	addr, _ := startSubmit(t, s)
	if err := submitStream(addr, cred.ID, secret, "transactional"); err != nil {
		t.Fatalf("transactional from a tenant of the old store: %v", err)
	}
	if tn, err := s.CreateTenant("op", Tenant{Name: "newcomer"}); err != nil || tn.Transactional {
		t.Fatalf("new tenant beside old ones: %+v %v", tn, err)
	}
	name := "Legacy Inc."
	if tn, err := s.UpdateTenant("op", "legacy-shop", Update{DisplayName: &name}); err != nil || !tn.Transactional {
		t.Fatalf("old tenant after an update: %+v %v", tn, err)
	}
	var raw map[string]any
	err = s.db.View(func(tx *bolt.Tx) error { return json.Unmarshal(tx.Bucket(bTenants).Get([]byte("legacy-shop")), &raw) })
	if err != nil || raw["transactional"] != true {
		t.Fatalf("rewritten record: %v %v", raw, err)
	}
	if ts, err := s.Tenants(); err != nil || len(ts) != 2 || !ts[0].Transactional || ts[1].Transactional {
		t.Fatalf("list: %+v %v", ts, err)
	}
}

// The permission travels in the fleet's bundle both ways, so every node
// agrees; a bundle from a node not yet upgraded (no field) reads as
// true, as that node lets the tenant send it.
func TestTransactionalInBundle(t *testing.T) {
	t.Parallel()
	a, b := openStore(t), openStore(t)
	mustCreate(t, a, "shop")
	imp := func(raw []byte) Tenant {
		t.Helper()
		if _, err := b.ImportTenant(raw); err != nil {
			t.Fatal(err)
		}
		tn, err := b.Tenant("shop")
		if err != nil {
			t.Fatal(err)
		}
		return tn
	}
	raw, err := a.ExportTenant("shop")
	if err != nil {
		t.Fatal(err)
	}
	if imp(raw).Transactional {
		t.Fatal("imported a refused tenant as allowed")
	}
	yes := true
	if _, err := a.UpdateTenant("op", "shop", Update{Transactional: &yes}); err != nil {
		t.Fatal(err)
	}
	if raw, err = a.ExportTenant("shop"); err != nil {
		t.Fatal(err)
	}
	if !imp(raw).Transactional {
		t.Fatal("grant not carried by the bundle")
	}
	no := false
	if _, err := a.UpdateTenant("op", "shop", Update{Transactional: &no}); err != nil {
		t.Fatal(err)
	}
	if raw, err = a.ExportTenant("shop"); err != nil {
		t.Fatal(err)
	}
	if imp(raw).Transactional {
		t.Fatal("withdrawal not carried by the bundle")
	}

	var old map[string]any
	if err := json.Unmarshal(raw, &old); err != nil {
		t.Fatal(err)
	}
	delete(old["tenant"].(map[string]any), "transactional")
	oldRaw, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if !imp(oldRaw).Transactional {
		t.Fatal("a bundle of an older node (no field) imported as refused")
	}
}

// A seed shows what the config says ([[tenant]] transactional, default
// true).
func TestTransactionalSeed(t *testing.T) {
	t.Parallel()
	s := openStore(t, Seed{Name: "cfg"}, Seed{Name: "cfgno", NoTransactional: true})
	for name, want := range map[string]bool{"cfg": true, "cfgno": false} {
		if tn, err := s.Tenant(name); err != nil || tn.Transactional != want {
			t.Errorf("seed %s: %+v %v, want transactional=%t", name, tn, err, want)
		}
	}
}
