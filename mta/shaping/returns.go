package shaping

// Asynchronous returns. A receiver may accept a message (250 to DATA) and
// bounce it later: a DSN that comes back to the inbound MX saying the
// sender's IP or domain is blocked for its reputation, or the content for
// spam (the policy_blocked and spam_blocked classes of mta/bounce). Large
// receivers do so instead of, or as well as, a synchronous "451 4.7.650
// rate limited due to IP reputation": either way it is the receiver
// telling that source to slow down at that site, and sending on at the
// same pace only digs the reputation hole deeper. The synchronous reply
// reaches Observe as Throttled; the asynchronous one comes through
// ObserveReturn, which charges it to the (source, site) of the accepted
// attempt, as the recipient directory recorded them, the same way.

// ObserveReturn records an asynchronous policy or spam return for the
// attempt that source made at the site named site (a [Site.Name] recorded
// when the receiver accepted the message) and returns the site's limits
// after it. It applies exactly what a synchronous slow-down reply to a
// transaction does (Observe with Throttled): the return counts as a
// throttle in the site's share gate, and when throttles are a meaningful
// share of the recent transactions it starts backoff and cuts the rate (or
// the connections), within the rule's hold like any other echo. Two
// things differ, both because the return is old news about a transaction
// rather than an answer now: it counts one more outcome (the transaction
// itself was counted as delivered when it was accepted), and it does not
// show the site reachable, so a suspension stays and connection failures
// keep counting. It is counted in [Counts.Throttled]. reason (the
// return's class or reason) goes only into the transition it may cause.
//
// A site forgotten meanwhile (idle, or across a restart) is recreated
// under its rule (see [Policy.SiteNamed]), so the cut applies to the
// next connections.
func (p *Policy) ObserveReturn(source, site, reason string) Limits {
	k := Key{Source: source, Site: p.SiteNamed(site)}
	now := p.now()
	var pd pending
	p.mu.Lock()
	s := p.state(k, now, &pd)
	from := s.state
	s.counts.Throttled++
	var report func()
	if s.throttle(now, false) {
		p.note(&pd, k, s, now, from, "returned later: "+reason)
		report = p.reportCut(s, now)
	}
	l := s.limits(now)
	p.mu.Unlock()
	p.emit(&pd)
	if report != nil {
		report()
	}
	return l
}

// SiteNamed returns the Site whose [Site.Name] is name: a site matched by
// a rule is named after the rule, any other is governed by the default
// rule. It turns a name recorded earlier (in the spool's recipient
// directory) back into the Site that [Policy.Site] gave then, so the
// [Key] is the same one the delivery engine uses, as long as the rules
// have not changed.
func (p *Policy) SiteNamed(name string) Site {
	if r, ok := p.rules.Load().byName[name]; ok && r.name != DefaultRuleName {
		return Site{name: name, rule: name}
	}
	return Site{name: name, rule: DefaultRuleName}
}
