package inbound

import (
	"sluice/mta/bounce"
	"sluice/queue"
)

// Asynchronous policy and spam returns. A receiver that accepted a
// message and bounces it later for the sender's reputation or the content
// (policy_blocked, spam_blocked) is telling the source that sent it to
// slow down at its site, as a synchronous "451 4.7.650 … IP reputation"
// does. The spool's recipient directory keeps the egress source and the
// shaping site of the accepted attempt (queue.Recipient.Source, Site); the
// worker hands them to WorkerConfig.OnPolicyReturn, which the wiring turns
// into the shaping policy's ObserveReturn and a metric. Such returns never
// suppress (the one policy: see Policy.Apply); this is their only effect
// besides the event.

// PolicyReturnFunc receives an asynchronous policy or spam return charged
// to the (source, site) of the attempt the receiver accepted: the names
// recorded at delivery (site is a shaping site name, source an egress
// source name), the class (bounce.PolicyBlocked or bounce.SpamBlocked)
// and its reason from mta/bounce's taxonomy. It runs on the worker's
// goroutine after the return was durably processed, so it must not block
// for long.
type PolicyReturnFunc func(source, site string, class bounce.Class, reason string)

// policyReturn is one call of OnPolicyReturn waiting for its return to be
// done.
type policyReturn struct {
	source, site string
	class        bounce.Class
	reason       string
}

// notePolicyReturn holds res for OnPolicyReturn when it is a policy or
// spam return attributed to rec with proof a stranger cannot forge (the
// same proof suppression needs: otherwise anyone who can mail the inbound
// MX could slow our sending to a site down). A directory entry without a
// site (written before sites were recorded, or for mail delivered without
// shaping) still attributes the return; it only feeds nothing here.
func (w *Worker) notePolicyReturn(res bounce.Result, rec queue.Recipient, trusted bool) {
	if w.cfg.OnPolicyReturn == nil || res.Class != bounce.PolicyBlocked && res.Class != bounce.SpamBlocked {
		return
	}
	if !trusted {
		return
	}
	if rec.Site == "" {
		w.cfg.Logger.Debug("inbound: policy return without a recorded site: not fed to shaping", "msgid", rec.ID.String(),
			"tenant", rec.Tenant, "class", string(res.Class))
		return
	}
	w.policy = append(w.policy, policyReturn{source: rec.Source, site: rec.Site, class: res.Class, reason: string(res.Reason)})
}

// flushPolicyReturns calls OnPolicyReturn for the returns noted while the
// return now done was processed. A crash before its DoneReturn processes
// it again and calls again then, never twice for one processing.
func (w *Worker) flushPolicyReturns() {
	for _, p := range w.policy {
		w.cfg.OnPolicyReturn(p.source, p.site, p.class, p.reason)
	}
	w.policy = w.policy[:0]
}
