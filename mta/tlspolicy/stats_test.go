package tlspolicy

import (
	"errors"
	"fmt"
	"testing"
)

// stsPolicy is an MTA-STS policy of domain as the resolver makes it.
func stsPolicy(domain string) *Policy {
	return &Policy{Mode: ModeMTASTS, Source: SourceMTASTS, Domain: domain,
		STS: &STSPolicy{Mode: STSEnforce, MX: []string{"mx." + domain}, MaxAge: 86400}}
}

// TestStatsBounded: report entries stop at MaxPolicies until a Take
// empties them (the outcomes left out are counted, and still counted by
// policy and result); one entry's failure details are capped too; with
// DisableReports no entry is kept at all.
func TestStatsBounded(t *testing.T) {
	t.Parallel()
	s := &Stats{MaxPolicies: 3}
	for i := range 5 {
		s.Record(stsPolicy(fmt.Sprintf("d%d.example", i)), "mx", IPs{}, nil)
	}
	s.Record(stsPolicy("d0.example"), "mx", IPs{}, nil) // a domain kept goes on counting
	if n := s.DroppedReports(); n != 2 {
		t.Fatalf("dropped %d, want 2", n)
	}
	if n := s.Counts()[CountKey{SourceMTASTS, ModeMTASTS, ResultSuccess}]; n != 6 {
		t.Fatalf("counted %d successes, want 6", n)
	}
	rep := s.Take()
	if len(rep) != 3 || rep[0].Domain != "d0.example" || rep[0].Successes != 2 {
		t.Fatalf("report entries %+v", rep)
	}
	s.Record(stsPolicy("d4.example"), "mx", IPs{}, nil) // room again after the Take
	if rep := s.Take(); len(rep) != 1 || rep[0].Domain != "d4.example" {
		t.Fatalf("after Take: %+v", rep)
	}

	fail := &VerifyError{Policy: "sts", Type: ResultCertExpired, Host: "mx", Err: errors.New("expired")}
	for i := range maxFailureKeys + 10 {
		s.Record(stsPolicy("many.example"), fmt.Sprintf("mx%d.many.example", i), IPs{}, fail)
	}
	if rep := s.Take(); len(rep) != 1 || len(rep[0].Failures) != maxFailureKeys {
		t.Fatalf("failure details not capped: %d", len(rep[0].Failures))
	}
	if n := s.DroppedReports(); n != 12 {
		t.Fatalf("dropped %d, want 12", n)
	}

	off := &Stats{}
	off.DisableReports()
	for i := range 100 {
		off.Record(stsPolicy(fmt.Sprintf("d%d.example", i)), "mx", IPs{}, nil)
	}
	if rep := off.Take(); len(rep) != 0 {
		t.Fatalf("reports disabled, yet %d entries kept", len(rep))
	}
	if n := off.Counts()[CountKey{SourceMTASTS, ModeMTASTS, ResultSuccess}]; n != 100 {
		t.Fatalf("reports disabled: counted %d, want 100", n)
	}
}
