package shaping

import (
	"log/slog"

	"sluice/mta/bounce"
)

// Hooks a node hangs on the policy and the blocklist: the log lines of
// their changes, and what a policy return does to the source that
// delivered the message.

// LoggedTransitions is an Options.OnTransition that logs every transition
// (site, rule, states, reason, limits after) and tells count, when not
// nil, its rule and the state it went to (a metric).
func LoggedTransitions(log *slog.Logger, count func(rule, to string)) func(Transition) {
	return func(t Transition) {
		if count != nil {
			count(t.Limits.Rule, t.To.String())
		}
		log.Info("shaping transition", "site", t.Key.Site.Name(), "rule", t.Limits.Rule, "from", t.From.String(),
			"to", t.To.String(), "reason", t.Reason, "rate", t.Limits.Rate, "max_connections", t.Limits.MaxConnections)
	}
}

// LoggedBlocklistChanges is a BlocklistOptions.OnChange that logs each
// mark (a warning) and each clearing.
func LoggedBlocklistChanges(log *slog.Logger) func(b Block, cleared bool) {
	return func(b Block, cleared bool) {
		if cleared {
			log.Info("source blocklist cleared", "source", b.Source, "site", b.Site, "count", b.Count)
			return
		}
		log.Warn("source blocklisted", "source", b.Source, "site", b.Site, "until", b.Until,
			"count", b.Count, "reason", b.Reason)
	}
}

// PolicyReturns is what an accepted message bounced later for reputation
// or content (inbound's OnPolicyReturn) does to the (source, site) that
// delivered it: it slows down like a synchronous throttle
// (Policy.ObserveReturn), and a return naming a DNS blocklist
// (bounce.ReasonBlockedIP) marks the pair in b as a synchronous blocklist
// reply does, so the site's mail moves to the pool's other sources. count,
// when not nil, hears the rule, the source and the class (a metric). A nil
// b marks nothing.
func PolicyReturns(p *Policy, b *Blocklist, count func(rule, source, class string)) func(source, site string, class bounce.Class, reason string) {
	return func(source, site string, class bounce.Class, reason string) {
		l := p.ObserveReturn(source, site, string(class)+" "+reason)
		if count != nil {
			count(l.Rule, source, string(class))
		}
		if reason == bounce.ReasonBlockedIP && b != nil {
			b.Mark(source, site, "return: "+reason)
		}
	}
}
