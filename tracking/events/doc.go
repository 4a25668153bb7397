// Package events is sluice's event store: what happened to each message
// (sent, delivered, deferred, failed, bounced, complained about) and what its
// recipients did with it (opened, clicked, unsubscribed), with per-tenant and
// per-campaign statistics kept up to date as events arrive.
//
// It has its own bbolt file, apart from the spool, so that event writes never
// contend with the queue's group commits. Writes are asynchronous and
// batched: [Store.Record] puts an event on a bounded channel and returns at
// once (an HTTP response never waits on a disk), and one writer goroutine
// commits what has accumulated in one transaction per batch. When the channel
// is full the event is dropped and counted ([Metrics.Dropped]): losing a
// statistic is better than slowing the edge. [Store.Flush] and [Store.Close]
// drain what was recorded before them.
//
// # Events that cannot be lost
//
// Record is for the edge's own hits (opens, clicks, unsubscribes) and
// returns. Receptions and delivery outcomes come from the spool instead: it
// writes them into its event journal in the same transaction as the state
// change (queue's journal.go), and a [Follower] applies journal batches here
// in order, each in one fsync'd transaction (of at most
// [FollowOptions.MaxEvents] events) that also stores the batch's last
// journal sequence, under the journal's id (a new spool starts its
// sequences again, under a new id), and only then acknowledges them to the
// spool. A full or failing disk delays these events (the journal keeps
// them; the Follower backs off and retries); a crash between the commit
// and the acknowledgement replays the batch, whose events are then
// skipped. Every one is stored exactly once.
//
// # Statistics
//
// Counters per tenant and per campaign are updated in the same transaction
// as the events they count, so [Store.Stats] reads a handful of keys, never
// the events. Opens and clicks are counted apart for humans and machines
// (security scanners, prefetching proxies; the tracking edge classifies);
// unique opens and clicks count recipients, not requests. Campaigns are
// learnt from KindSent events, which carry the message's campaign (the
// X-Sluice-Campaign header at submission): later events of that message,
// whose tokens carry only tenant and ids, are counted in it.
//
// Requests made with Do Not Track (DNT: 1) or Global Privacy Control
// (Sec-GPC: 1) reach the store as anonymous events: they only increment
// tenant-wide aggregate counters and are never stored.
//
// # Retention and privacy
//
// Events are stored by batch, under the time the batch was written, so
// retention is a delete of a key prefix, done in the background in bounded
// transactions ([Options.Retention], default 90 days). Counters are
// aggregates without personal data and are kept. Events hold no address,
// only the spool's (message, recipient) ids, a truncated IP and a
// user-agent class; [Store.ExportRecipient] and [Store.EraseRecipient]
// serve access and erasure requests (GDPR Art. 15 and 17) given the ids the
// spool's recipient directory maps an address to. They read every retained
// event: there is no per-recipient index, so that recording costs one bbolt
// write per batch instead of several per event. An erasure leaves a
// tombstone of ids per recipient, so that the journal's entries still on
// their way (committed in the spool before its own erasure, or a later
// return) cannot bring the recipient back.
//
// # Layout (bbolt buckets)
//
//	ev    write time (ns, 8 bytes BE) | seq (8 bytes BE) → batch: version, count, records
//	msg   message (8)                                    → tenant, campaign
//	uniq  message (8) | rcpt (4) | tag (1) | link (2) | tenant → 1 (first human open/click/unsubscribe seen)
//	cnt   tenant 0x00 [= campaign] 0x00 name            → count (8 bytes BE)
//	camp  tenant 0x00 campaign                           → 1
//	journal "applied/" journal id                        → last sequence of that spool journal stored (8 bytes BE)
//	        "applied"                                    → the same, before journal ids (taken over by the first id)
//	erased message (8) | rcpt (4) | tenant               → 1 (an erased recipient: its journal events are dropped)
//
// Message ids are the spool's, allocated from the clock in microseconds, so
// msg, uniq and erased entries are purged by message age with the same retention;
// after that a late open of an old message counts as unique again and in no
// campaign.
package events
