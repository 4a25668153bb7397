// Package reputation is the reputation guard: per tenant, and per
// campaign where one is set, it keeps rolling windows of what receivers
// said about the tenant's mail (hard bounces, feedback-loop complaints,
// unsubscribes, policy and spam blocks) and pauses the tenant's marketing
// stream at once when a rate crosses its pause threshold, so that one
// tenant's bad list cannot burn the shared sending addresses.
// Transactional mail keeps flowing.
//
// # Measured as receivers measure
//
// Complaints come only from feedback loops (ARF, RFC 5965), and only some
// receivers run one (Yahoo and AOL, Microsoft's JMRP for Outlook.com,
// Comcast, …; Gmail does not). The complaint rate is therefore complaints
// ÷ messages delivered to the receivers a loop covers
// ([Config.FBLDomains]): mail to a receiver that never reports counts on
// neither side, as a receiver's own rate would. A hard bounce is a
// delivery failure or a returned message classified
// hard_invalid_recipient by mta/bounce (unknown user, no such domain),
// never a policy or blocklist refusal: one blocklisting of a shared
// address must not pause every tenant. Hard bounces and blocks are
// divided by the messages that reached a final outcome (delivered or
// failed, suppressed and operator bounces left out); unsubscribes by
// those delivered. The numerators count mailboxes, not copies: a hard
// bounce, complaint or unsubscribe counts once per recipient of a
// message, and, with [Deps.Addresses], once per (tenant, mailbox in its
// canonical form) per [Config.WindowTime], however many copies reached
// that mailbox; blocks count per message.
//
// # Windows
//
// Each scope (tenant, or tenant and campaign) has two windows, and a rate
// crosses a threshold when it does in either: the last
// [Config.WindowMessages] messages (20 blocks, each closed after 1/20 of
// them reached a final outcome: the window holds between 95 % and 100 %
// of that many) and the last [Config.WindowTime] (24 hourly buckets by
// default). A return or complaint counts in the block or hour when it
// arrives, not in that of the message it is about: that is the rate a
// receiver sees. A rate is judged only over at least
// [Thresholds.MinVolume] messages of its denominator, so ten messages
// cannot trip it.
//
// # Feed and durability
//
// The guard consumes the event store's stream ([Guard.Hook], the
// store's InTx subscriber): every reception, delivery outcome and return
// exactly once, in commit order, with campaigns filled in and failures
// classified. It copies what it needs in the writer's transaction and
// counts after the commit, in its own goroutine, where it looks up the
// receiving domain of delivered messages in the spool's recipient
// directory (delivered events carry no address). Its windows are saved
// compactly (a few hundred bytes per scope) in a bucket of its own in the
// event file every [Config.SaveInterval] and at Close, and loaded at
// start: rebuilding them from the stored events instead would read a
// whole day of events and look up every delivered one's domain at each
// start. A crash loses at most the counts of the last interval (the
// windows undercount for a while); a pause is a durable spool hold and is
// never lost.
//
// # In a fleet
//
// Deliveries happen at every node, and returns and complaints arrive at
// whichever node's MX the receiver picks, so one node's windows hold
// only its slice. With [Deps.Shared] or [Guard.SetShared]
// (fleet.ReputationCounts over the fleet's Redis) the guard hands every
// count to the Shared as well, which sends them once a
// [Config.SyncInterval] (one round trip, none on the
// delivery path) and reads the fleet's sums back; the guard then judges
// on those, right after each [Guard.Sync], on sums of one moment (between
// two Syncs this node's own counts would run ahead of the others'). While
// Redis is down, or before a scope's sums were first read, it judges on
// its own windows as a node alone does. A pause decided at any node is a
// spool hold replicated to every node; two nodes crossing at once emit
// one "paused" event ([Shared.ClaimPause]); [Guard.Resume] starts the
// tenant's windows afresh at every node ([Shared.Reset]).
//
// A pause is a queue "stream" hold of (tenant, marketing) with the
// guard's reason, so Claim sets the tenant's marketing recipients aside
// while its transactional ones are claimed; it emits a "paused" event
// (stored, and POSTed to the tenant's webhook) and counts in metrics.
// [Guard.Resume] lifts it and starts the tenant's windows afresh: the
// operator has judged the list, and the counts that tripped the guard
// would trip it again at the next event.
package reputation
