package delivery

import (
	"fmt"
	"testing"
	"time"

	"sluice/mta/tlspolicy"
)

// BenchmarkTLSPolicyCached measures delivery under an enforced MTA-STS
// policy (cached: fetched once before the clock starts, then every
// session verifies the certificate's chain and name) against
// opportunistic TLS (a policy resolver that finds none published,
// STARTTLS without verification), in the same run: N one-recipient
// messages to one loopback receiver offering STARTTLS, each way. It
// reports both rates and their ratio (issue 15 asks for under 5 % cost).
// Run it once:
//
//	go test -run '^$' -bench TLSPolicyCached -benchtime 1x ./mta/delivery
func BenchmarkTLSPolicyCached(b *testing.B) {
	const n = 5000
	for b.Loop() {
		opp := tlsPolicyRate(b, n, false)
		sts := tlsPolicyRate(b, n, true)
		b.ReportMetric(opp, "opportunistic-msgs/s")
		b.ReportMetric(sts, "mta-sts-msgs/s")
		b.ReportMetric(sts/opp, "mta-sts/opportunistic")
		b.Logf("%d messages: opportunistic %.0f msgs/s, MTA-STS enforce (cached) %.0f msgs/s (%.1f%%)", n, opp, sts, 100*sts/opp)
	}
}

// tlsPolicyRate delivers one warm-up message (which fetches the policy)
// and then n, and returns the rate of the n.
func tlsPolicyRate(b *testing.B, n int, enforce bool) float64 {
	b.Helper()
	now := newTestClock().Now()
	env := newTLSEnv(b, now)
	sink := tlsSink(b, env.issue(b, now, "mx1.example.test"))
	h := policyHarness(b, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
		if enforce {
			return env.resolver(b, h, env.publishSTS(b, h, "enforce", "mx1.example.test"))
		}
		return env.resolver(b, h, "")
	})
	h.start()
	count := func() int { return len(sink.received()) }
	h.enqueueMany(1, func(int) string { return "warm@example.test" })
	waitFor(b, "the warm-up message", func() bool { return count() == 1 })
	start := time.Now()
	h.enqueueMany(n, func(i int) string { return fmt.Sprintf("r%d@example.test", i) })
	waitFor(b, fmt.Sprintf("%d messages", n), func() bool { return count() == n+1 })
	rate := float64(n) / time.Since(start).Seconds()
	for _, tlsOn := range sink.received() {
		if !tlsOn {
			b.Fatal("a message went in clear")
		}
	}
	if enforce {
		if c := counted(env.stats, tlspolicy.ModeMTASTS, tlspolicy.ResultSuccess); c == 0 {
			b.Fatal("no session under MTA-STS")
		}
	}
	return rate
}
