package tlsrpt

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"sluice/mta/tlspolicy"
)

// MediaType is the media type of a gzipped report (RFC 8460 §6.4), the
// Content-Type of an https POST and of a mailto report's attachment.
const MediaType = "application/tlsrpt+gzip"

// Report is an aggregate report (RFC 8460 §4.4), as sent in JSON.
type Report struct {
	OrganizationName string         `json:"organization-name"`
	DateRange        DateRange      `json:"date-range"`
	ContactInfo      string         `json:"contact-info"`
	ReportID         string         `json:"report-id"`
	Policies         []PolicyResult `json:"policies"`
}

// DateRange is the period a report covers: one UTC day, from its first
// second to its last (as in §4.4's example, "…T23:59:59Z").
type DateRange struct {
	Start time.Time `json:"start-datetime"`
	End   time.Time `json:"end-datetime"`
}

// PolicyResult is one policy of the policy domain and its sessions
// (§4.4 "policies").
type PolicyResult struct {
	Policy         PolicyDesc      `json:"policy"`
	Summary        Summary         `json:"summary"`
	FailureDetails []FailureDetail `json:"failure-details,omitempty"`
}

// PolicyDesc describes the policy applied (§4.4 "policy").
type PolicyDesc struct {
	// Type is "sts", "tlsa" or "no-policy-found" (§4.4).
	Type string `json:"policy-type"`
	// String is the policy: MTA-STS policy lines, or TLSA records in
	// presentation format; absent for no-policy-found.
	String []string `json:"policy-string,omitempty"`
	Domain string   `json:"policy-domain"`
	// MXHost are the MTA-STS policy's mx patterns.
	MXHost []string `json:"mx-host,omitempty"`
}

// Summary counts the sessions under one policy (§4.4 "summary").
type Summary struct {
	Successful uint64 `json:"total-successful-session-count"`
	Failed     uint64 `json:"total-failure-session-count"`
}

// FailureDetail counts the failed sessions of one result type with one
// MX host, at one receiving address from one sending address when the
// session got as far as a connection (§4.4 "failure-details"). sluice
// keeps no receiving HELO per session, so that optional field stays empty.
type FailureDetail struct {
	ResultType          string `json:"result-type"`
	SendingMTAIP        string `json:"sending-mta-ip,omitempty"`
	ReceivingMXHostname string `json:"receiving-mx-hostname,omitempty"`
	ReceivingMXHelo     string `json:"receiving-mx-helo,omitempty"`
	ReceivingIP         string `json:"receiving-ip,omitempty"`
	FailedSessionCount  uint64 `json:"failed-session-count"`
	AdditionalInfo      string `json:"additional-information,omitempty"`
	FailureReasonCode   string `json:"failure-reason-code,omitempty"`
}

// entry is one policy of one policy domain over one day, as accumulated
// in the store: what a PolicyResult is built from.
type entry struct {
	Domain    string    `json:"domain"`
	Type      string    `json:"type"`
	Strings   []string  `json:"strings,omitempty"`
	MX        []string  `json:"mx,omitempty"`
	Successes uint64    `json:"ok"`
	Failures  []failure `json:"fail,omitempty"`
}

// failure counts one failure-details entry. RIP and SIP (receiving-ip,
// sending-mta-ip) are absent from entries stored before they were kept:
// those decode with both empty and are reported without them.
type failure struct {
	Result string `json:"result"`
	MX     string `json:"mx,omitempty"`
	RIP    string `json:"rip,omitempty"`
	SIP    string `json:"sip,omitempty"`
	Count  uint64 `json:"n"`
}

// ipString is a as written in a report, "" when unknown.
func ipString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// add merges one period of mta/tlspolicy's statistics into e.
func (e *entry) add(d tlspolicy.DomainStats) {
	e.Successes += d.Successes
	for k, n := range d.Failures {
		r := resultType(k.Result)
		f := failure{Result: r, MX: k.ReceivingMX, RIP: ipString(k.ReceivingIP), SIP: ipString(k.SendingIP)}
		i := slices.IndexFunc(e.Failures, func(g failure) bool {
			return g.Result == f.Result && g.MX == f.MX && g.RIP == f.RIP && g.SIP == f.SIP
		})
		if i < 0 {
			e.Failures = append(e.Failures, f)
			i = len(e.Failures) - 1
		}
		e.Failures[i].Count += n
	}
}

// resultTypes are the result types of RFC 8460 §4.3 that mta/tlspolicy
// produces; its ResultType values carry the RFC's names.
var resultTypes = map[tlspolicy.ResultType]bool{
	tlspolicy.ResultSTARTTLSNotSupported: true, // §4.3.1
	tlspolicy.ResultHostMismatch:         true, // §4.3.1
	tlspolicy.ResultCertExpired:          true, // §4.3.1
	tlspolicy.ResultCertNotTrusted:       true, // §4.3.1
	tlspolicy.ResultValidationFailure:    true, // §4.3.1
	tlspolicy.ResultTLSAInvalid:          true, // §4.3.2.1
	tlspolicy.ResultDNSSECInvalid:        true, // §4.3.2.1
	tlspolicy.ResultDANERequired:         true, // §4.3.2.1
	tlspolicy.ResultSTSPolicyFetchError:  true, // §4.3.2.2
	tlspolicy.ResultSTSPolicyInvalid:     true, // §4.3.2.2
	tlspolicy.ResultSTSWebPKIInvalid:     true, // §4.3.2.2
}

// resultType maps a failure's type to its name in a report; a type the
// RFC does not list (none today) is reported as "validation-failure",
// §4.3.1's catch-all.
func resultType(t tlspolicy.ResultType) string {
	if resultTypes[t] {
		return string(t)
	}
	return string(tlspolicy.ResultValidationFailure)
}

// dayRange is the date range of the UTC day starting at day.
func dayRange(day time.Time) DateRange {
	return DateRange{Start: day, End: day.Add(24*time.Hour - time.Second)}
}

// reportID names the report of domain for day, from submitter. It is the
// same whenever the report is built again (after a restart, for a second
// rua), so a receiver can tell a resent report; it is a msg-id's
// dot-atom@domain, as the mailto Subject puts it in angle brackets (§5.3).
func reportID(day time.Time, domain, submitter string) string {
	return day.Format("20060102") + "." + domain + "@" + submitter
}

// buildReport makes the report of domain for the day starting at day.
func buildReport(org, contact, submitter string, day time.Time, domain string, entries []entry) *Report {
	r := &Report{
		OrganizationName: org, DateRange: dayRange(day), ContactInfo: contact,
		ReportID: reportID(day, domain, submitter), Policies: []PolicyResult{},
	}
	for _, e := range entries {
		p := PolicyResult{Policy: PolicyDesc{Type: e.Type, String: e.Strings, Domain: e.Domain, MXHost: e.MX}}
		p.Summary.Successful = e.Successes
		fs := slices.Clone(e.Failures)
		slices.SortFunc(fs, func(a, b failure) int {
			return cmp.Or(cmp.Compare(a.Result, b.Result), cmp.Compare(a.MX, b.MX),
				cmp.Compare(a.RIP, b.RIP), cmp.Compare(a.SIP, b.SIP))
		})
		for _, f := range fs {
			p.Summary.Failed += f.Count
			p.FailureDetails = append(p.FailureDetails, FailureDetail{
				ResultType: f.Result, ReceivingMXHostname: f.MX, FailedSessionCount: f.Count,
				ReceivingIP: f.RIP, SendingMTAIP: f.SIP,
			})
		}
		r.Policies = append(r.Policies, p)
	}
	return r
}

// gzipJSON encodes r as JSON and gzips it (§5.1).
func gzipJSON(r *Report) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(r); err != nil {
		return nil, fmt.Errorf("tlsrpt: encode report %s: %w", r.ReportID, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("tlsrpt: gzip report %s: %w", r.ReportID, err)
	}
	return buf.Bytes(), nil
}

// filename is the report's file name (§5.1):
//
//	sender "!" policy-domain "!" begin-timestamp "!" end-timestamp "." extension
//
// with timestamps in seconds since the epoch and extension "json.gz".
func filename(submitter, domain string, dr DateRange) string {
	return submitter + "!" + domain + "!" + strconv.FormatInt(dr.Start.Unix(), 10) + "!" +
		strconv.FormatInt(dr.End.Unix(), 10) + ".json.gz"
}
