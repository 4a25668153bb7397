package tlsrpt

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"sluice/mta/tlspolicy"
)

// checkSchema holds raw, a report's JSON, to RFC 8460 §4.4: the required
// fields with their JSON types, RFC 3339 UTC date-times, a policy-type of
// §4.4 and result types of §4.3.
func checkSchema(t *testing.T, raw []byte) {
	t.Helper()
	var r map[string]any
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	str := func(m map[string]any, k string) string {
		s, ok := m[k].(string)
		if !ok || s == "" {
			t.Errorf("%q: %#v, want a non-empty string", k, m[k])
		}
		return s
	}
	num := func(m map[string]any, k string) {
		if f, ok := m[k].(float64); !ok || f < 0 || f != float64(int64(f)) {
			t.Errorf("%q: %#v, want a count", k, m[k])
		}
	}
	obj := func(v any, what string) map[string]any {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %#v, want an object", what, v)
		}
		return m
	}
	utc := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	str(r, "organization-name")
	str(r, "contact-info")
	str(r, "report-id")
	dr := obj(r["date-range"], "date-range")
	for _, k := range []string{"start-datetime", "end-datetime"} {
		if s := str(dr, k); !utc.MatchString(s) {
			t.Errorf("%s %q is not an RFC 3339 UTC date-time", k, s)
		}
	}
	pols, ok := r["policies"].([]any)
	if !ok {
		t.Fatalf("policies: %#v", r["policies"])
	}
	types := map[string]bool{"sts": true, "tlsa": true, "no-policy-found": true}
	results := map[string]bool{}
	for rt := range resultTypes {
		results[string(rt)] = true
	}
	for _, p := range pols {
		pm := obj(p, "policies[]")
		pol := obj(pm["policy"], "policy")
		if !types[str(pol, "policy-type")] {
			t.Errorf("policy-type %v", pol["policy-type"])
		}
		str(pol, "policy-domain")
		sum := obj(pm["summary"], "summary")
		num(sum, "total-successful-session-count")
		num(sum, "total-failure-session-count")
		fds, _ := pm["failure-details"].([]any)
		for _, fd := range fds {
			f := obj(fd, "failure-details[]")
			if !results[str(f, "result-type")] {
				t.Errorf("result-type %v is not one of RFC 8460 §4.3", f["result-type"])
			}
			num(f, "failed-session-count")
			for _, k := range []string{"sending-mta-ip", "receiving-ip"} {
				if v, ok := f[k]; ok {
					s, _ := v.(string)
					if _, err := netip.ParseAddr(s); err != nil {
						t.Errorf("%s %#v is not an IP address", k, v)
					}
				}
			}
		}
	}
}

// TestReportPolicyTypes: DANE, MTA-STS and no-policy-found statistics of
// one domain become three policies of one report, each with its type,
// policy-string and counts, gzipped, valid against the schema.
func TestReportPolicyTypes(t *testing.T) {
	t.Parallel()
	stats := &tlspolicy.Stats{}
	sts := stsPolicy("example.org", "mx.example.org")
	dane := &tlspolicy.Policy{Mode: tlspolicy.ModeDANE, Source: tlspolicy.SourceDANE, Domain: "example.org",
		Host: "mx.example.org", TLSA: []tlspolicy.TLSA{{Usage: 3, Selector: 1, Matching: 1, Data: bytes.Repeat([]byte{0xab}, 32)}}}
	none := &tlspolicy.Policy{Mode: tlspolicy.ModeMTASTS, Source: tlspolicy.SourceDefault, Domain: "example.org"}
	stats.Record(sts, "mx.example.org", tlspolicy.IPs{}, nil)
	stats.Record(dane, "mx.example.org", tlspolicy.IPs{}, &tlspolicy.VerifyError{Type: tlspolicy.ResultTLSAInvalid, Host: "mx.example.org"})
	stats.Record(dane, "mx.example.org", tlspolicy.IPs{}, nil)
	stats.Record(none, "mx.example.org", tlspolicy.IPs{}, nil)
	var e entry
	var entries []entry
	for _, d := range stats.Take() {
		e = entry{Domain: d.Domain, Type: d.PolicyType, Strings: d.PolicyStrings, MX: d.MXHosts}
		e.add(d)
		entries = append(entries, e)
	}
	day := utcDay(time.Date(2025, 3, 9, 15, 0, 0, 0, time.UTC))
	rep := buildReport("Org", "mailto:c@sender.test", "sender.test", day, "example.org", entries)
	gz, err := gzipJSON(rep)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	checkSchema(t, raw)
	got := map[string]PolicyResult{}
	for _, p := range rep.Policies {
		got[p.Policy.Type] = p
	}
	if p := got["tlsa"]; p.Summary != (Summary{1, 1}) || len(p.Policy.String) != 1 ||
		p.Policy.String[0] != "3 1 1 "+string(bytes.Repeat([]byte("AB"), 32)) || p.FailureDetails[0].ResultType != "tlsa-invalid" {
		t.Errorf("tlsa policy %+v", p)
	}
	if p := got["sts"]; p.Summary != (Summary{1, 0}) || p.Policy.MXHost[0] != "mx.example.org" || p.FailureDetails != nil {
		t.Errorf("sts policy %+v", p)
	}
	if p := got["no-policy-found"]; p.Summary != (Summary{1, 0}) || p.Policy.String != nil {
		t.Errorf("no-policy-found policy %+v", p)
	}
	if rep.DateRange.Start.Format(time.RFC3339) != "2025-03-09T00:00:00Z" ||
		rep.DateRange.End.Format(time.RFC3339) != "2025-03-09T23:59:59Z" {
		t.Errorf("date-range %+v", rep.DateRange)
	}
	if f := filename("sender.test", "example.org", rep.DateRange); f != "sender.test!example.org!1741478400!1741564799.json.gz" {
		t.Errorf("filename %q", f)
	}
}

// TestEntryBeforeIPs: an entry stored before failures kept their
// addresses decodes, and its counts merge with new failures of the same
// host that have none, while one with addresses is a detail of its own.
func TestEntryBeforeIPs(t *testing.T) {
	t.Parallel()
	var e entry
	old := `{"domain":"example.org","type":"sts","ok":3,"fail":[{"result":"starttls-not-supported","mx":"mx1.example.org","n":2}]}`
	if err := json.Unmarshal([]byte(old), &e); err != nil {
		t.Fatal(err)
	}
	k := tlspolicy.FailureKey{Result: tlspolicy.ResultSTARTTLSNotSupported, ReceivingMX: "mx1.example.org"}
	withIP := k
	withIP.ReceivingIP, withIP.SendingIP = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	e.add(tlspolicy.DomainStats{Failures: map[tlspolicy.FailureKey]uint64{k: 1, withIP: 4}})
	rep := buildReport("Org", "mailto:c@sender.test", "sender.test", utcDay(time.Unix(0, 0)), "example.org", []entry{e})
	got := rep.Policies[0].FailureDetails
	want := []FailureDetail{
		{ResultType: "starttls-not-supported", ReceivingMXHostname: "mx1.example.org", FailedSessionCount: 3},
		{ResultType: "starttls-not-supported", ReceivingMXHostname: "mx1.example.org", ReceivingIP: "192.0.2.1",
			SendingMTAIP: "192.0.2.2", FailedSessionCount: 4},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("failure-details %+v, want %+v", got, want)
	}
}
