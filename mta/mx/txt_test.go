package mx

import (
	"context"
	"errors"
	"slices"
	"testing"

	"sluice/mta/mx/dnstest"
)

func TestLookupTXT(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	long := "v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "xyz"
	srv.AddTXT("sel._domainkey.Example.org", long)
	srv.AddTXT("multi.example.org", "one")
	srv.AddTXT("multi.example.org", "two")
	srv.AddMX("mxonly.example.org", 10, "mx.example.org")
	r := newResolver(t, Config{}, srv)
	ctx := context.Background()

	got, err := r.LookupTXT(ctx, "SEL._domainkey.example.org.")
	if err != nil || len(got) != 1 || got[0] != long {
		t.Fatalf("LookupTXT(underscored name) = %q, %v; want [%q]", got, err, long)
	}
	got, err = r.LookupTXT(ctx, "multi.example.org")
	slices.Sort(got)
	if err != nil || !slices.Equal(got, []string{"one", "two"}) {
		t.Fatalf("LookupTXT(two records) = %q, %v", got, err)
	}
	if _, err := r.LookupTXT(ctx, "nowhere.example.org"); !errors.Is(err, ErrNoSuchDomain) {
		t.Errorf("LookupTXT(nxdomain) err = %v, want ErrNoSuchDomain", err)
	}
	if got, err := r.LookupTXT(ctx, "mxonly.example.org"); err == nil {
		t.Errorf("LookupTXT(name with MX only) = %q, want an error", got)
	}
	for _, bad := range []string{"", "a b.example", "x\r\n.example"} {
		if _, err := r.LookupTXT(ctx, bad); !errors.Is(err, ErrInvalidDomain) {
			t.Errorf("LookupTXT(%q) err = %v, want ErrInvalidDomain", bad, err)
		}
	}
}
