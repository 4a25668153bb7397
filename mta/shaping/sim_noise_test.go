package shaping

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The simulation against a receiver that answers a share of connections
// and transactions with 421 whatever the rate (a node restarting, an
// overloaded front end): the chaos MX of the soak, at 1 in 100 of each.

// noiseRun runs workers at one site of rule against recv for d and
// returns the simulation.
func noiseRun(t *testing.T, rule Rule, recv *simReceiver, workers int, d time.Duration) (*sim, *Policy, Key) {
	t.Helper()
	clock := newFakeClock()
	p, err := New([]Rule{rule}, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	s := newSim(t, p, clock)
	recv.refilled = clock.Now()
	recv.tokens = recv.burst
	k := Key{Site: p.Site("example.net", []string{"mx1.example.net"})}
	for range workers {
		s.add(&simWorker{key: k, recv: recv})
	}
	s.run(s.start.Add(d))
	return s, p, k
}

// rates returns the delivered rate of each span of the run, in messages
// per second, as text for the log.
func (s *sim) rates(d, span time.Duration) string {
	var b strings.Builder
	for from := time.Duration(0); from < d; from += span {
		fmt.Fprintf(&b, " %.1f", float64(s.window(from, from+span).delivered)/span.Seconds())
	}
	return b.String()
}

// TestSimulationRateIndependentNoise: 1 in 100 transactions and 1 in 100
// connections answered 421 independently of the rate must not starve a
// site. Over 30 simulated minutes its rate stays at least half what it is
// without the noise (before the share gate and the positive feedback,
// both fell to under one message a second within ten minutes).
func TestSimulationRateIndependentNoise(t *testing.T) {
	t.Parallel()
	const d, judge = 30 * time.Minute, 5 * time.Minute
	for _, tc := range []struct {
		name string
		rule Rule
	}{
		// 10 connections, no rate: 200 messages/s at 50 ms a transaction.
		{"unbounded", Rule{Name: DefaultRuleName, MaxConnections: 10}},
		// A site that takes 10 messages/s, as each of the soak's 50.
		{"10/s", Rule{Name: DefaultRuleName, MaxConnections: 10, Rate: 10}},
		// The same with a short quiet period (more cuts and steps).
		{"10/s quiet 30s", Rule{Name: DefaultRuleName, MaxConnections: 10, Rate: 10, QuietPeriod: 30 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clean, _, _ := noiseRun(t, tc.rule, &simReceiver{}, 10, d)
			noisy, p, k := noiseRun(t, tc.rule, &simReceiver{noiseConn: 0.01, noiseTxn: 0.01, rng: rand.New(rand.NewPCG(1, 2))}, 10, d)
			c, n := clean.window(judge, d), noisy.window(judge, d)
			cr, nr := float64(c.delivered)/(d-judge).Seconds(), float64(n.delivered)/(d-judge).Seconds()
			t.Logf("without noise, msgs/s per 5 min:%s", clean.rates(d, 5*time.Minute))
			t.Logf("with noise,    msgs/s per 5 min:%s (%d of %d transactions and connections were noise 421s); end: %+v",
				noisy.rates(d, 5*time.Minute), n.noise, n.delivered+n.throttled+n.connThrottled, p.Limits(k))
			if nr < 0.5*cr {
				t.Errorf("with 1%% noise: %.1f msgs/s over minutes 5-30, want at least half the %.1f without", nr, cr)
			}
		})
	}
}

// TestSimulationNoiseOverARealLimit: the noise must not hide a real
// limit. The receiver of TestSimulationConvergesAndRecovers (4
// connections, 40 messages/s) with 1 in 100 of each answered 421 as
// well: after convergence, the refusals its limits cause stay under 5%
// and the rate near the limit.
func TestSimulationNoiseOverARealLimit(t *testing.T) {
	t.Parallel()
	const d, judge = 30 * time.Minute, 10 * time.Minute
	recv := &simReceiver{maxConns: 4, rate: 40, burst: 40, noiseConn: 0.01, noiseTxn: 0.01, rng: rand.New(rand.NewPCG(3, 4))}
	s, p, k := noiseRun(t, Rule{Name: DefaultRuleName, MaxConnections: 10, QuietPeriod: 30 * time.Second}, recv, 10, d)
	c := s.window(judge, d)
	sent := c.delivered + c.throttled
	limited := c.throttled + c.connThrottled - c.noise
	ratio := float64(limited) / float64(sent)
	rate := float64(c.delivered) / (d - judge).Seconds()
	t.Logf("msgs/s per 5 min:%s; minutes 10-30: %.1f/s of 40 allowed, %d refused by the limits of %d sent (%.2f%%), %d noise, peak %d connections; end: %+v",
		s.rates(d, 5*time.Minute), rate, limited, sent, 100*ratio, c.noise, recv.peakOpen, p.Limits(k))
	if ratio >= 0.05 {
		t.Errorf("refused by the limits after convergence: %.2f%%, want < 5%%", 100*ratio)
	}
	if rate < 0.7*40 || rate > 40 {
		t.Errorf("delivered %.1f/s after convergence, want 70-100%% of the 40/s allowed", rate)
	}
}
