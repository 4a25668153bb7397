// Package webhook pushes a tenant's events (sent, delivered, deferred,
// failed, deleted, bounce, complaint, open, click, unsubscribe) to the tenant's
// HTTPS endpoint as signed JSON batches, from a durable outbox.
//
// # Durability
//
// The outbox lives in the events database, reached only through the
// events store's own transaction type (events.Tx: buckets of the
// outbox's own, never the store's, and no bbolt handle). [Outbox.Append]
// is the events store's subscriber (tracking/events Options.InTx): it adds one
// outbox entry per stored event of a tenant that has a webhook, in the
// very transaction that stores the event, so an event is committed with
// its delivery or not at all. Anonymous (DNT/GPC) events are not stored
// and never queued. A [Dispatcher] reads each endpoint's queue from its
// head in bounded batches, POSTs them, and deletes them only after a 2xx
// answer: delivery is at least once, across restarts, and a receiver must
// deduplicate by event id.
//
// # Requests
//
// One POST per batch (at most Config.BatchSize events, default 100), one
// request in flight per endpoint so that events arrive in the order they
// were stored (ordering holds per sluice process: a node and a standalone
// edge each have their own outbox):
//
//	POST /hooks/sluice HTTP/1.1
//	Content-Type: application/json
//	User-Agent: sluice-webhook/1
//	Sluice-Signature: t=1763928000,v1=<64 hex digits>
//
//	{"events":[{"id":"8f3b2c1d0a9e7f6b0000000000000001","kind":"open",
//	  "time":"2026-11-23T20:00:00.123456789Z","tenant":"acme","campaign":"nov-2026",
//	  "message_id":"0006448a3c1e2f00","rcpt":0,"recipient":"ann@example.com",
//	  "machine":true,"reason":"apple_mpp","proxy":"apple","ip":"17.58.0.0/24",
//	  "ua_class":"apple_proxy"}]}
//
// The fields are those of [Event]. The id is stable across retries and
// restarts and unique across tenants and sluice processes. Opens and
// clicks made by software (security scanners, prefetching proxies) have
// machine true and say why in reason; proxy names the image proxy of an
// open. message_id is the spool's id, as in "250 2.0.0 queued as …".
//
// A deferred or failed event the receiving MX answered says what it
// answered, so that a CRM can tell a dead address from a block:
// smtp_code, enhanced_status (RFC 3463), reply (at most 512 bytes of
// UTF-8 without control characters), class and reason (the bounce
// classifier's, mta/bounce: "hard_invalid_recipient"/"user_unknown" for a
// 550 5.1.1), mx (the host that answered) and attempt (1 for the first).
// Each is absent when unknown (no reply: a DNS or network failure), and
// all are absent on other kinds:
//
//	{"id":"…","kind":"failed",…,"reason":"user_unknown",
//	  "smtp_code":550,"enhanced_status":"5.1.1",
//	  "reply":"5.1.1 <bob@example.net>: Recipient address rejected: User unknown",
//	  "class":"hard_invalid_recipient","mx":"mx1.example.net","attempt":1}
//
// # Signature
//
// Sluice-Signature is "t=<unix seconds>,v1=<hex HMAC-SHA256>", the HMAC
// keyed with the tenant's secret (its bytes as configured) over the
// timestamp, a dot and the raw request body: "<t>.<body>" (the scheme
// Stripe uses). A receiver verifies it before parsing the body:
//
//  1. take t and every v1 from the header (split on "," then "=");
//  2. compute HMAC-SHA256(secret, t + "." + body) over the body bytes as
//     received, hex-encode it and compare it with each v1 in constant time
//     (hmac.Equal, crypto.timingSafeEqual, hash_equals…);
//  3. reject the request unless a v1 matches and t is within a tolerance
//     of its clock (5 minutes is usual): an old timestamp is a replay.
//
// Every attempt is signed afresh, so retries carry a current timestamp.
// [Verify] does all this for Go receivers.
//
// # Retries
//
// A batch is delivered when the endpoint answers 2xx. Anything else is
// retried, in order, with exponential backoff and jitter (Config.RetryFirst,
// default 1s, doubling to Config.RetryMax, default 10m; each wait is drawn
// between half and all of that): network errors, timeouts (Config.Timeout,
// default 10s per request), 3xx (redirects are never followed), 408, 429,
// 5xx, and also the other 4xx. A 4xx is usually a receiver's mistake
// (a rotated secret, a route lost in a deploy) that its owner fixes within
// hours; since batches are ordered, treating it as final would discard
// every event until then. Retry-After (seconds or an HTTP date) sets the
// wait instead when present, bounded by RetryFirst and RetryMax. A 413 to
// a batch of several events halves it, resent at once; a single event
// refused with 413 is retried like any failure (a proxy answering 413 to
// everything must not discard the queue), unless its body is over 64 KiB:
// then it is dropped, counted as rejected. Entries older than
// Config.MaxAge (default 72h) are dropped, counted as expired, when they
// reach the head of the queue. A receiver that wants to refuse an event
// for good answers 2xx and ignores it; one that refuses a batch for ever
// holds its endpoint's queue until MaxAge, which the oldest-age metric
// shows. A retried batch starts with the same events as the failed
// attempt but may hold more.
//
// HTTP semantics follow RFC 9110 (Retry-After §10.2.3, 413 §15.5.14);
// the signature is an HMAC (RFC 2104) with SHA-256.
//
// # Layout (buckets in the events file, through events.Tx)
//
//	wh_out    tenant (sub-bucket): seq (8 bytes BE) → the entries one events transaction queued
//	wh_state  tenant → id prefix, head (seq, index), entries appended, entries done
//
// Like the events store, the outbox stores a batch per value, so queueing
// costs one Put per tenant and events transaction, not one per event. The
// head says how far the dispatcher got; a value is deleted once every
// entry in it is delivered or dropped. The queue depth is appended − done,
// known without a scan. An event id is the tenant's random prefix, the
// value's sequence number and the entry's index in it.
//
// # Data subject requests
//
// [Outbox.ExportRecipients] and [Outbox.EraseRecipients] serve access and
// erasure requests (GDPR Art. 15 and 17) for the entries still to be
// sent, given the (message, recipient) ids the spool's directory maps an
// address to, as events.Store.ExportRecipient and EraseRecipient do for
// the stored events. An erased entry stays in its value as an empty
// record, so that the ids of the others do not change, and counts as
// done at once.
package webhook
