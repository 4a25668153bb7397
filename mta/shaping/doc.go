// Package shaping is sluice's outbound traffic policy: how many
// connections, how many messages per connection and per second each
// destination site may take, and how that changes when the receiver asks
// sluice to slow down. It holds policy and state only and does no I/O: the
// delivery engine asks it before connecting and before each transaction,
// and tells it how each attempt went.
//
// # Sites
//
// Receivers limit senders per source IP across their whole infrastructure,
// not per recipient domain: gmail.com, googlemail.com and every Google
// Workspace domain land on the same servers. So limits and state are kept
// per destination site (see [Policy.Site]): the rule a domain's MX hosts
// match ("gmail" for any *.google.com MX), or else the set of its MX hosts,
// which makes thousands of domains hosted by one provider one site. The
// state is further keyed by egress source ([Key]), since receivers count
// per IP.
//
// # Rules
//
// A [Rule] matches recipient domains exactly, MX host names by pattern
// ("*.google.com"), or is the default; a domain rule beats an MX pattern,
// which beats the default. It sets the connection, per-connection and rate
// limits, the timeouts, and the backoff parameters. [DefaultRules] has
// built-ins for the large mailbox providers.
//
// # Rate
//
// Each (source, site) has a token bucket ([Policy.Reserve]): reservations
// are handed out in order, and a caller told to wait keeps its place, so
// concurrent workers share the rate exactly.
//
// # Adaptive backoff
//
// A reply that means "slow down" ([IsThrottle]: 421, 4.7.x, "rate
// limited", Gmail's 4.7.28, Yahoo's TSS04, Outlook's 4.7.650…) puts the
// site into [Backoff]: the rate (for a reply to a transaction) or the
// connections (for a reply to the connection itself) are multiplied by the
// rule's factor, starting from what was really used. After each quiet
// period without another such reply, the limits step back up: half way
// back to where the throttling started, then past it, until the rule's own
// limits are reached and the site is [Normal] again. Greylisting
// ([IsGreylist]: "451 4.7.1 … Greylisted", Postgrey, Mimecast…) is not
// "slow down": it defers one new (client, sender, recipient) triplet
// whatever the rate, so it is its own outcome, [Greylisted], and cuts
// nothing; the queue's retry delivers it. A site whose connections fail
// repeatedly is [Suspended] for a while, longer each time, instead of
// being hammered. Every state change is reported to
// [Options.OnTransition].
//
// # Use by the delivery engine
//
//  1. After resolving a destination: site := p.Site(domain, mxNames) and
//     k := Key{Source: source, Site: site}. Pool connections per k (or
//     keep per-domain pools: the slots below are counted per k anyway).
//  2. Before dialling: p.AcquireConn(k); if false, wait for a connection
//     of k to close, or until Limits(k).SuspendedUntil. Read p.Limits(k)
//     for the timeouts and the messages per connection.
//  3. If the connection fails: p.ReleaseConn(k), then
//     p.Observe(k, Classify(err), err.Error()) once (not once per message
//     queued behind it). A refused connection must not fail the queued
//     mail while other connections of k are open.
//  4. Before each transaction: if p.ShedConn(k), close the connection
//     (its slot is already released); else wait p.Reserve(k, 1) on a timer
//     and send, with at most Limits.MaxRcptsPerTxn recipients.
//  5. After each transaction: p.Observe(k, Classify(err), reply), where
//     err is the first recipient error that is a throttle, else nil when
//     any recipient was accepted, else the first recipient error.
//  6. When the connection closes: p.ReleaseConn(k).
//  7. Retry deferred mail no sooner than Limits(k).RetryAfter.
//
// The package does not import Prometheus: the wiring counts transitions
// from OnTransition and reads gauges from [Policy.Status].
package shaping
