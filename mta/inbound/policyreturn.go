package inbound

import (
	"strings"
	"time"

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
//
// A VERP token proves which recipient a return is about, not who wrote
// it: every recipient reads its own in the Return-Path of its copy, so a
// stranger who got one message could forge "blocked using
// zen.spamhaus.org" about it and mark a shared source blocklisted at the
// site, holding every tenant's mail to that site for an hour and longer
// (redteam2). One mailbox's word is enough for that mailbox's own state
// (suppression), never for a shared one: a return feeds shaping only
// once proven policy returns about the same (source, site) have come for
// at least WorkerConfig.PolicyQuorum distinct mailboxes within
// PolicyWindow. A real blocklisting returns many recipients' mail; a
// forger needs that many mailboxes at the site that got our mail.

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
	if res.BeforeData {
		// "(in reply to RCPT TO command)": a host that accepted our
		// message was refused onward, and the refusal judged that host's
		// connection, not our source (review8: a forwarder's bounces
		// would otherwise mark our source blocklisted at its site).
		w.cfg.Logger.Info("inbound: policy return quotes another hop's refusal before DATA: not fed to shaping",
			"msgid", rec.ID.String(), "tenant", rec.Tenant, "source", rec.Source, "site", rec.Site, "class", string(res.Class))
		return
	}
	if !w.policyQuorum(rec) {
		w.cfg.Logger.Info("inbound: policy return not fed to shaping: too few distinct mailboxes yet", "msgid", rec.ID.String(),
			"tenant", rec.Tenant, "source", rec.Source, "site", rec.Site, "class", string(res.Class), "quorum", w.cfg.PolicyQuorum)
		return
	}
	w.policy = append(w.policy, policyReturn{source: rec.Source, site: rec.Site, class: res.Class, reason: string(res.Reason)})
}

// Defaults of WorkerConfig.PolicyQuorum and PolicyWindow.
const (
	DefaultPolicyQuorum = 3
	DefaultPolicyWindow = time.Hour
)

// maxPolicyKeys bounds the (source, site) pairs whose mailboxes are
// remembered; past it the pair seen longest ago is forgotten.
const maxPolicyKeys = 4096

// policyKey is a (source, site) pair of the quorum.
type policyKey struct{ source, site string }

// policyQuorum records that rec's mailbox returned a proven policy return
// now and reports whether distinct mailboxes with one within the window
// now reach the quorum for rec's (source, site).
func (w *Worker) policyQuorum(rec queue.Recipient) bool {
	if w.cfg.PolicyQuorum <= 1 {
		return true
	}
	now := w.cfg.Now()
	if w.policySeen == nil {
		w.policySeen = map[policyKey]map[string]time.Time{}
	}
	k := policyKey{rec.Source, rec.Site}
	boxes := w.policySeen[k]
	if boxes == nil {
		if len(w.policySeen) >= maxPolicyKeys {
			w.forgetOldestPolicyKey()
		}
		boxes = map[string]time.Time{}
		w.policySeen[k] = boxes
	}
	for a, at := range boxes {
		if now.Sub(at) >= w.cfg.PolicyWindow {
			delete(boxes, a)
		}
	}
	addr := quorumMailbox(rec.Addr)
	if _, ok := boxes[addr]; !ok && len(boxes) >= w.cfg.PolicyQuorum {
		// Enough already: forget the oldest so the map stays bounded.
		var oldest string
		for a, at := range boxes {
			if oldest == "" || at.Before(boxes[oldest]) {
				oldest = a
			}
		}
		delete(boxes, oldest)
	}
	boxes[addr] = now
	return len(boxes) >= w.cfg.PolicyQuorum
}

// quorumMailbox is the mailbox an address reaches, as the quorum counts
// them: queue.NormalizeAddr, then the local part cut at its first "+"
// (RFC 5233 subaddress: x+1@ and x+2@ are x@'s) and without dots (Gmail
// ignores them: p.q@ is pq@), googlemail.com read as gmail.com. One
// stranger's one mailbox, subscribed as pq@, pq+1@ and p.q+2@, was three
// mailboxes and marked the shared source blocklisted at the site
// (redteam3). Two people at a provider that honours dots may count as
// one here: the quorum only gets harder to reach.
func quorumMailbox(addr string) string {
	a := queue.NormalizeAddr(addr)
	at := strings.LastIndexByte(a, '@')
	if at <= 0 {
		return a
	}
	local, domain := a[:at], a[at+1:]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	local = strings.ReplaceAll(local, ".", "")
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	return local + "@" + domain
}

// forgetOldestPolicyKey drops the (source, site) pair whose latest return
// is the oldest.
func (w *Worker) forgetOldestPolicyKey() {
	var oldest policyKey
	var oldestAt time.Time
	first := true
	for k, boxes := range w.policySeen {
		var latest time.Time
		for _, at := range boxes {
			if at.After(latest) {
				latest = at
			}
		}
		if first || latest.Before(oldestAt) {
			oldest, oldestAt, first = k, latest, false
		}
	}
	delete(w.policySeen, oldest)
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
