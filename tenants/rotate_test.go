package tenants

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sluice/internal/clock"
	"sluice/mta/mx/dnstest"
)

// stepClock is a clock a test moves.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// signingSelectors signs a message of acme.example through the
// submission's view of the tenant and returns the s= of each signature.
func signingSelectors(t *testing.T, d *Directory, user string) []string {
	t.Helper()
	tn, _, ok := d.Lookup(user)
	if !ok || tn.Signer == nil {
		t.Fatalf("lookup %s: ok=%v", user, ok)
	}
	fields, signed, err := tn.Signer.Sign([]byte("From: a@acme.example\r\nTo: b@example.org\r\nSubject: x\r\n\r\nhi\r\n"))
	if err != nil || !signed {
		t.Fatalf("sign: signed=%v %v", signed, err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`\bs=([a-z0-9]+);`).FindAllStringSubmatch(string(fields), -1) {
		out = append(out, m[1])
	}
	return out
}

// A rotation: new dated selectors published and checked, the switch
// refused until they verify, then signing with them while the old ones
// stay published for the grace period and are dropped after it.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &stepClock{t: clock.Now().UTC().Truncate(time.Second)}
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "tenants.db"), BcryptCost: bcrypt.MinCost,
		Now: clk.Now, RotationGrace: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustCreate(t, s, "acme")
	cred, _, _ := s.AddCredential("op", "acme")
	dns := dnstest.NewServer(t)
	r := &DNSResolver{Servers: []string{dns.Addr()}}
	if _, _, err := s.RotateDomain("op", "acme", "acme.example"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rotate an unknown domain: %v", err)
	}
	d0, recs, err := s.AddDomain("op", "acme", "acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RotateDomain("op", "acme", "acme.example"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("rotate a pending domain: %v", err)
	}
	publish(dns, recs)
	if d, _, err := s.Verify(ctx, "op", "acme", "acme.example", r); err != nil || d.State != Verified {
		t.Fatalf("verify: %+v %v", d, err)
	}
	dir := NewDirectory(s, DirectoryOptions{})
	old := signingSelectors(t, dir, cred.ID)
	if len(old) != 2 || old[0] != d0.Keys[0].Selector || old[1] != d0.Keys[1].Selector {
		t.Fatalf("signing with %v, want %s,%s", old, d0.Keys[0].Selector, d0.Keys[1].Selector)
	}

	clk.add(24 * time.Hour) // the same month, maybe: selectors must still differ
	d1, recs1, err := s.RotateDomain("op", "acme", "acme.example")
	if err != nil {
		t.Fatal(err)
	}
	var next []Record
	for _, rec := range recs1 {
		if rec.Purpose == PurposeNext {
			next = append(next, rec)
		}
	}
	if len(next) != 2 || len(d1.Keys) != 4 || next[0].Name == recs[1].Name || next[1].Name == recs[2].Name {
		t.Fatalf("rotation records: %+v", recs1)
	}
	if _, _, err := s.RotateDomain("op", "acme", "acme.example"); !errors.Is(err, ErrExists) {
		t.Fatalf("second rotation: %v", err)
	}
	if got := signingSelectors(t, dir, cred.ID); got[0] != old[0] || got[1] != old[1] {
		t.Fatalf("signing with %v before the switch", got)
	}
	// Not yet published: the switch is refused, verify says what is missing.
	if _, err := s.SwitchDomainKeys("op", "acme", "acme.example"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("switch before verify: %v", err)
	}
	d, checks, err := s.Verify(ctx, "op", "acme", "acme.example", r)
	if err != nil || d.State != Verified || !regexp.MustCompile(`dkim-next s\S+: no TXT record`).MatchString(d.LastError) || len(checks) != 5 {
		t.Fatalf("verify without the new records: %+v %v", d, err)
	}
	if _, err := s.SwitchDomainKeys("op", "acme", "acme.example"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("switch after a failed verify: %v", err)
	}
	publish(dns, next)
	if d, _, err := s.Verify(ctx, "op", "acme", "acme.example", r); err != nil || d.LastError != "" {
		t.Fatalf("verify the new records: %+v %v", d, err)
	}
	d2, err := s.SwitchDomainKeys("op", "acme", "acme.example")
	if err != nil {
		t.Fatal(err)
	}
	got := signingSelectors(t, dir, cred.ID)
	if len(got) != 2 || got[0] != d1.Keys[2].Selector || got[1] != d1.Keys[3].Selector {
		t.Fatalf("after the switch signing with %v, want the new keys %+v", got, d1.Keys[2:])
	}
	var retiring int
	for _, k := range d2.Keys {
		if k.State == KeyRetiring {
			retiring++
			if !k.RetireAt.Equal(clk.Now().Add(48 * time.Hour)) {
				t.Errorf("retire at %v", k.RetireAt)
			}
		}
	}
	if retiring != 2 {
		t.Fatalf("keys after switch: %+v", d2.Keys)
	}
	// The retiring records are still printed, and not checked.
	dns.SetRcode(recs[1].Name, 3)
	if d, _, _ := s.Verify(ctx, "op", "acme", "acme.example", r); d.LastError != "" {
		t.Fatalf("a retiring record's absence counted: %s", d.LastError)
	}
	if n, err := s.RetireKeys("sweeper"); n != 0 || err != nil {
		t.Fatalf("retire before the grace: %d %v", n, err)
	}
	clk.add(48 * time.Hour)
	if n, err := s.RetireKeys("sweeper"); n != 2 || err != nil {
		t.Fatalf("retire after the grace: %d %v", n, err)
	}
	dd, _ := s.Domain("acme.example")
	if len(dd.Keys) != 2 || len(s.Records(dd)) != 3 {
		t.Fatalf("after retirement: %+v", dd.Keys)
	}
	audit, _ := s.Audit("acme")
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Action)
	}
	want := []string{"domain.rotate", "domain.verify", "domain.verify", "domain.switch_keys", "domain.verify", "domain.retire_keys"}
	if len(actions) < len(want) || !equalTail(actions, want) {
		t.Fatalf("audit %v, want it to end with %v", actions, want)
	}
}

func equalTail(have, want []string) bool {
	have = have[len(have)-len(want):]
	for i := range want {
		if have[i] != want[i] {
			return false
		}
	}
	return true
}
