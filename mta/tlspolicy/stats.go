package tlspolicy

import (
	"maps"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
)

// Stats counts policy outcomes, for metrics (by policy source and result)
// and for TLS reports (RFC 8460: per policy domain, successes and failures
// by result type). The zero value is ready; a nil *Stats records nothing.
// It imports no metrics library: the wiring reads Counts.
type Stats struct {
	// OnResult, when set, is called for every recorded outcome (a log line,
	// a Prometheus counter); it must not block.
	OnResult func(p *Policy, mxHost string, result ResultType)
	// MaxPolicies caps the report entries (policies of domains) kept
	// between two Takes, so that memory stays bounded whatever the mail
	// and however late the reporter drains them: outcomes of a policy
	// not yet kept once the cap is reached are dropped from the reports
	// (counted, see DroppedReports) but still counted in Counts and
	// passed to OnResult. Default DefaultMaxPolicies.
	MaxPolicies int

	mu        sync.Mutex
	counts    map[CountKey]uint64
	domains   map[reportKey]*DomainStats
	noReports bool
	dropped   uint64
}

// DefaultMaxPolicies is Stats.MaxPolicies's default: a TLS reporter takes
// the entries every minute, and a node delivering to more distinct
// MTA-STS or DANE domains than this in a minute keeps a few MB at most.
const DefaultMaxPolicies = 10000

// DisableReports stops keeping report entries: for a node without a TLS
// reporter, nothing would ever Take them, and one entry per distinct
// domain delivered to (MTA-STS is on by default) would grow without end.
// Counts and OnResult go on. Entries already kept are dropped.
func (s *Stats) DisableReports() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.noReports, s.domains = true, nil
	s.mu.Unlock()
}

// DroppedReports returns how many outcomes were left out of the reports
// because MaxPolicies (or the cap on one entry's failure details) was
// reached; not those left out by DisableReports.
func (s *Stats) DroppedReports() uint64 {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// CountKey labels a counter: a bounded set (sources × modes × result
// types), fit for metric labels.
type CountKey struct {
	Source Source
	Mode   Mode
	Result ResultType
}

// reportKey is one TLS-RPT "policy" entry: one policy of one domain.
type reportKey struct {
	domain, policyType, policy string
}

// DomainStats is one policy of one domain over a report period (RFC 8460
// §4.4): what a "policies" entry of the report holds.
type DomainStats struct {
	// Domain is the policy domain.
	Domain string
	// PolicyType is "sts", "tlsa" or "no-policy-found".
	PolicyType string
	// PolicyStrings are the policy's text (MTA-STS lines, or TLSA
	// records in presentation format).
	PolicyStrings []string
	// MXHosts are the MTA-STS mx patterns.
	MXHosts []string
	// Successes counts sessions that met the policy.
	Successes uint64
	// Failures counts failed sessions by result type and receiving MX.
	Failures map[FailureKey]uint64
}

// FailureKey groups failures in a report (RFC 8460 §4.4 failure-details):
// by result type, receiving MX host and, when the session got that far,
// the two ends' addresses (zero when unknown: a host skipped before
// dialling, a policy that could not be resolved).
type FailureKey struct {
	Result      ResultType
	ReceivingMX string
	ReceivingIP netip.Addr
	SendingIP   netip.Addr
}

// IPs are the two ends of one session: the receiving MX's address
// (receiving-ip) and the local one it was reached from (sending-mta-ip),
// RFC 8460 §4.4. Zero values are unknown.
type IPs struct {
	Receiving, Sending netip.Addr
}

// ConnIPs returns the IPs of a connection from its addresses (a
// net.Conn's RemoteAddr and LocalAddr); an address that is not IP gives
// a zero value.
func ConnIPs(remote, local net.Addr) IPs {
	return IPs{Receiving: addrIP(remote), Sending: addrIP(local)}
}

func addrIP(a net.Addr) netip.Addr {
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// Record adds the outcome of one session (or connection attempt) under p
// to host at ips: err is what mta/outbound returned (nil on success), or
// the policy failure a non-enforcing session kept (Client.TLSPolicyErr).
func (s *Stats) Record(p *Policy, host string, ips IPs, err error) {
	s.add(p, host, ips, Classify(err))
}

// resolveFailure records a failure met while resolving a policy
// (sts-policy-fetch-error, dnssec-invalid…), before any session.
func (s *Stats) resolveFailure(p *Policy, host string, t ResultType) { s.add(p, host, IPs{}, t) }

func (s *Stats) add(p *Policy, host string, ips IPs, t ResultType) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.counts == nil {
		s.counts = map[CountKey]uint64{}
	}
	s.counts[CountKey{Source: p.Source, Mode: p.Mode, Result: t}]++
	if !s.noReports {
		s.report(p, host, ips, t)
	}
	f := s.OnResult
	s.mu.Unlock()
	if f != nil {
		f(p, host, t)
	}
}

// report adds one outcome to the report entries, within MaxPolicies.
// s.mu is held.
func (s *Stats) report(p *Policy, host string, ips IPs, t ResultType) {
	typ, strs, mxs := reportPolicy(p)
	if typ == "" {
		return
	}
	if s.domains == nil {
		s.domains = map[reportKey]*DomainStats{}
	}
	k := reportKey{p.Domain, typ, strings.Join(strs, "\n")}
	d := s.domains[k]
	if d == nil {
		max := s.MaxPolicies
		if max <= 0 {
			max = DefaultMaxPolicies
		}
		if len(s.domains) >= max {
			s.dropped++
			return
		}
		d = &DomainStats{Domain: p.Domain, PolicyType: typ, PolicyStrings: strs, MXHosts: mxs, Failures: map[FailureKey]uint64{}}
		s.domains[k] = d
	}
	if t == ResultSuccess {
		d.Successes++
		return
	}
	fk := FailureKey{Result: t, ReceivingMX: host, ReceivingIP: ips.Receiving, SendingIP: ips.Sending}
	if _, ok := d.Failures[fk]; !ok && len(d.Failures) >= maxFailureKeys {
		s.dropped++ // a domain whose MX names or addresses never repeat
		return
	}
	d.Failures[fk]++
}

// maxFailureKeys caps the failure-details of one report entry (RFC 8460
// §4.4): result types × MX hosts × address pairs are few for a real
// receiver.
const maxFailureKeys = 256

// reportPolicy says how p appears in a TLS report: only MTA-STS and DANE
// policies are reported (a receiver without either has no rua to send to).
func reportPolicy(p *Policy) (typ string, strs, mxs []string) {
	switch p.Mode {
	case ModeMTASTS:
		if p.STS == nil {
			return "no-policy-found", nil, nil
		}
		return "sts", strings.Split(p.STS.String(), "\n"), p.STS.MX
	case ModeDANE:
		for _, t := range p.TLSA {
			strs = append(strs, t.String())
		}
		return "tlsa", strs, nil
	}
	return "", nil, nil
}

// Counts returns a copy of the counters.
func (s *Stats) Counts() map[CountKey]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// Take returns the per-domain report data gathered since the last Take,
// sorted by domain, and starts a new period.
func (s *Stats) Take() []DomainStats {
	s.mu.Lock()
	d := s.domains
	s.domains = nil // made again by the next outcome
	s.mu.Unlock()
	out := make([]DomainStats, 0, len(d))
	for _, v := range d {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Domain != out[j].Domain {
			return out[i].Domain < out[j].Domain
		}
		return out[i].PolicyType < out[j].PolicyType
	})
	return out
}
