// Package admin is sluice's operator API: JSON over HTTP (snake_case keys
// throughout, named by this package's types), behind a bearer token, on a
// loopback address by default. It serves the queue views and actions
// (suspend and resume, with an optional end and reason, which [Lifter]
// enforces; hold and release of one message; retry, bounce, delete; the
// stored headers and bytes of a message, bounded and audited), a node
// snapshot for `sluice ctl top`, the running log level, the suppression list
// (add, remove, CSV import and export), per-tenant statistics, data
// subject requests (GDPR Art. 15 access, Art. 17 erasure), and, openly,
// /metrics and /healthz; pprof profiles sit behind the token too.
//
// The package owns no data. It takes narrow interfaces of the packages
// that do (the spool, the events store, the webhook outbox, the shaping
// policy), defined here by what the API needs, so that its handlers stay
// thin and each workflow can be tested over real stores without a whole
// node. The one workflow that orders several stores, the erasure of a
// data subject ([Erase]), is a function of its own: which store is
// erased first is what keeps a failed erasure repeatable.
//
// Every operator action is logged (the audit line "admin: <operation>")
// with the actor the client names in X-Sluice-Actor (`sluice ctl` sets it
// to the operator's user name) and the remote address. Privacy lines name
// an address only by its keyed hash.
//
// The client, `sluice ctl`, is package [sluice/admin/ctl]; it shares this
// package's JSON types so the two cannot drift apart.
package admin
