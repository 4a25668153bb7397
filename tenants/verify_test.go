package tenants

import (
	"context"
	"strings"
	"testing"

	"sluice/mta/mx/dnstest"
)

// publish puts recs in the test DNS server, skipping those whose purpose
// is in skip.
func publish(dns *dnstest.Server, recs []Record, skip ...string) {
	for _, r := range recs {
		if strings.Contains(strings.Join(skip, ","), r.Purpose) {
			continue
		}
		switch r.Type {
		case "TXT":
			dns.AddTXT(r.Name, r.Value)
		case "CNAME":
			dns.AddCNAME(r.Name, r.Value)
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	mustCreate(t, s, "acme")
	d, recs, err := s.AddDomain("op", "acme", "Acme.Example")
	if err != nil {
		t.Fatal(err)
	}
	if d.State != Pending || d.Name != "acme.example" {
		t.Fatalf("domain %+v", d)
	}
	var purposes []string
	for _, r := range recs {
		purposes = append(purposes, r.Type+" "+r.Name)
	}
	if got := strings.Join(purposes, ","); !strings.HasPrefix(got, "TXT _sluice-verify.acme.example,TXT s") ||
		!strings.Contains(got, "r._domainkey.acme.example,TXT s") ||
		!strings.HasSuffix(got, "CNAME bounces.acme.example,CNAME track.acme.example") {
		t.Fatalf("records: %s", got)
	}
	for _, k := range d.Keys {
		if len(k.Private) != 0 {
			t.Fatal("AddDomain returned a private key")
		}
	}

	dns := dnstest.NewServer(t)
	r := &DNSResolver{Servers: []string{dns.Addr()}}
	// Everything but the token, and a wrong token: pending, and says so.
	publish(dns, recs, "verification")
	dns.AddTXT("_sluice-verify.acme.example", "sluice-verify=0000")
	got, checks, err := s.Verify(ctx, "op", "acme", "acme.example", r)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != Pending || !strings.Contains(got.LastError, "verification _sluice-verify.acme.example: TXT does not match") {
		t.Fatalf("wrong token: %+v", got)
	}
	for _, c := range checks[1:] {
		if !c.OK {
			t.Fatalf("check %+v failed", c)
		}
	}
	// Another tenant cannot verify it.
	mustCreate(t, s, "other")
	if _, _, err := s.Verify(ctx, "op", "other", "acme.example", r); err == nil {
		t.Fatal("other tenant verified acme's domain")
	}

	dns.AddTXT("_sluice-verify.acme.example", recs[0].Value)
	got, _, err = s.Verify(ctx, "op", "acme", "acme.example", r)
	if err != nil || got.State != Verified || got.LastError != "" || got.VerifiedAt.IsZero() {
		t.Fatalf("verify: %+v %v", got, err)
	}
	// A later failed check is recorded but does not unverify.
	dns.SetRcode("_sluice-verify.acme.example", 2)
	got, _, _ = s.Verify(ctx, "op", "acme", "acme.example", r)
	if got.State != Verified || !strings.Contains(got.LastError, "lookup failed") {
		t.Fatalf("recheck: %+v", got)
	}
}

func TestVerifyMissing(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	mustCreate(t, s, "acme")
	_, recs, err := s.AddDomain("op", "acme", "acme.example")
	if err != nil {
		t.Fatal(err)
	}
	dns := dnstest.NewServer(t)
	publish(dns, recs, "dkim", "tracking")
	dns.AddCNAME("track.acme.example", "elsewhere.test")
	got, checks, err := s.Verify(context.Background(), "op", "acme", "acme.example", &DNSResolver{Servers: []string{dns.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != Pending || !strings.Contains(got.LastError, "dkim s") || !strings.Contains(got.LastError, "no TXT record") ||
		!strings.Contains(got.LastError, "CNAME points to elsewhere.test") {
		t.Fatalf("got %+v", got)
	}
	if !checks[0].OK || checks[1].OK {
		t.Fatalf("checks %+v", checks)
	}
}
