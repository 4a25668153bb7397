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
// limits are reached and the site is [Normal] again; deliveries step them
// up sooner (see Noise). Greylisting
// ([IsGreylist]: "451 4.7.1 … Greylisted", Postgrey, Mimecast…) is not
// "slow down": it defers one new (client, sender, recipient) triplet
// whatever the rate, so it is its own outcome, [Greylisted], and cuts
// nothing; the queue's retry delivers it. A site whose connections fail
// repeatedly is [Suspended] for a while, longer each time, instead of
// being hammered. Every state change is reported to
// [Options.OnTransition].
//
// # Noise
//
// Receivers also answer 421 for reasons that have nothing to do with the
// sender's rate: a node restarting, an overloaded front end, a load
// balancer dropping a session. If every such reply cut the limits, and
// only a throttle-free quiet period stepped them back up, a site sending
// ten messages a second with 1 in 100 answered so would be cut every hold
// and never step up: it would fall to MinRate (in the soak through a chaos
// MX, 500 messages/s offered, sluice delivered 310). Two rules keep such
// noise from starving a site, after the feedback designs of Postfix and
// TCP:
//
//   - Negative feedback needs evidence: a throttle cuts, and restarts the
//     quiet period, only when throttles are at least 1 in 20 of the site's
//     recent outcomes (transactions for a reply to a transaction,
//     connection attempts for a reply to the connection; each weighed
//     over about the last 200). A site's first throttle is all its
//     history and cuts at once; one among a thousand deliveries is counted
//     and does nothing else. 1 in 20 is five times the noise of the soak
//     and the refusal ratio sluice settles under at a real limit, and a
//     receiver that refuses half of what it is sent crosses it within
//     about twenty transactions. Noise above about 1 in 40 begins to
//     cross it by chance and is answered as a limit would be.
//   - Positive feedback per delivery: in Backoff, every hold's worth of
//     deliveries at the current limit (at least 20) takes a step back up,
//     one more connection, the rate half way, without waiting for a quiet
//     period, as Postfix raises a destination's concurrency by 1/N for
//     each delivery at concurrency N and lowers it on failure
//     (SCHEDULER_README, "destination concurrency feedback"), and as TCP
//     grows its window per acknowledgement: additive increase,
//     multiplicative decrease (AIMD, Jacobson's "Congestion Avoidance and
//     Control", 1988; Chiu and Jain, 1989). Feedback goes only as far as
//     the receiver had accepted when it throttled: the connections open at
//     the cut, and the rate sent if nearly all of it was delivered, else
//     the rate delivered. Going past that probes a limit the receiver has
//     shown, so it still takes a quiet period, and the noise does not
//     restart it. Unlike TCP's unbounded additive increase, this keeps a
//     site at a real limit from sawing into it after every cut.
//
// In the package's simulation (30 minutes, 1 in 100 transactions and 1 in
// 100 connections answered 421) a site of 200 messages/s keeps 196 and
// one of 10 messages/s keeps 9.9; before, they fell to under one. With a
// real limit of 4 connections and 40 messages/s under the same noise, the
// site still settles at 38/s with about 1% refused by the limit.
//
// 421 replies whose RFC 3463 code is 4.3.x (mail system: full, not
// accepting, shutting down) or 4.4.x (network and routing: no answer,
// connection lost) describe the receiver's own state, so they are
// temporary failures, not throttles, unless their words name the sender's
// volume or connections ("too many connections", "rate limit", Microsoft's
// "concurrent server connections"): see [IsThrottle].
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
