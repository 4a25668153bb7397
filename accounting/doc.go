// Package accounting writes sluice's accounting log: one JSON line per
// event (reception, delivery, deferral, failure, return, complaint,
// unsubscribe, operator deletion; opens and clicks when configured),
// complete enough to bill from and for support to answer "what happened
// to my mail", in files an operator ships elsewhere (like PowerMTA's
// accounting files).
//
// # Exactly once, from the durable events
//
// The lines come from the events store (tracking/events), not from the
// code that delivers: Writer.Append is the store's InTx hook, so the
// events a transaction commits and the lines they owe are committed
// together, in an outbox inside the events file (outbox.go). Receptions
// and outcomes reach the store through the spool's journal, so a line is
// never lost to a crash anywhere upstream either.
//
// The writer goroutine reads the outbox in order, appends the lines to
// the current file with one write, fsyncs it and only then deletes what it
// wrote from the outbox, recording the last sequence written. A crash
// between the fsync and that acknowledgement leaves the lines in both
// places: at start the writer reads the file's last line back and skips
// every line up to its sequence. Sequences are the outbox's, so the log
// directory names the outbox its file came from (Name.outbox): after the
// events file was replaced (deleted, restored) the old file's last
// sequence is not taken for one of the new outbox's, whose lines would
// otherwise be skipped up to it. A crash in the middle of a write leaves
// a partial last line, which is cut at start (and its line written again).
// Rotation happens only when everything in the file is acknowledged, so
// the lines still owed are always in the current file.
//
// A failed write (a full disk) is cut back out of the file, logged,
// counted (Stats.WriteErrors), and retried with a doubling backoff; the
// lines wait in the outbox, and nothing upstream waits for the log:
// delivery goes on. Lines older than the events store's retention are
// still written: the outbox is not purged.
//
// # Files
//
// Dir/accounting.jsonl is the current file. It is rotated past MaxSize
// bytes and, with Daily, at the first write of each UTC day, to
// accounting-<UTC time>.jsonl, gzipped to accounting-<time>.jsonl.gz
// (through a temporary file, fsync'd, renamed; a file a crash left
// uncompressed is compressed at the next start); the Keep newest rotated
// files are kept.
//
// # Schema
//
// One JSON object per line; fields without a value are left out. seq
// orders the lines and identifies each (unique per node); time is when
// the event happened (RFC 3339, UTC); type the event kind; msgid the
// spool's message id ("queued as" in the submission's 250); rcpt_index
// the recipient's RCPT TO position. The recipient is rcpt_hash (the
// spool's keyed hash, which `ctl privacy export` prints), rcpt_domain or
// rcpt, as log.recipients says. Failures and deferrals carry the MX that
// answered, the SMTP code (RFC 5321 §4.2), the enhanced status (RFC
// 3463), the reply (bounded, cleaned of control characters), the
// classifier's class and reason, and the attempt number. One example per
// type:
//
//	{"seq":4096,"time":"2025-03-01T10:00:00.1Z","type":"sent","tenant":"acme","campaign":"march","msgid":"00062f3a1b2c3d4e","rcpt_index":0,"rcpt_hash":"hmac-sha256:9f…"}
//	{"seq":4097,"time":"2025-03-01T10:00:01.2Z","type":"delivered","tenant":"acme","campaign":"march","msgid":"00062f3a1b2c3d4e","rcpt_index":0,"rcpt_hash":"hmac-sha256:9f…","mx":"mx1.example.net","code":250,"attempt":1}
//	{"seq":4098,"time":"2025-03-01T10:00:01.3Z","type":"deferred","tenant":"acme","msgid":"00062f3a1b2c3d4f","rcpt_index":0,"rcpt_hash":"hmac-sha256:1c…","mx":"mx.example.org","code":451,"enhanced":"4.7.1","reply":"try again later","class":"throttled","attempt":1,"reason":"rate_limited"}
//	{"seq":4099,"time":"2025-03-01T10:05:00Z","type":"failed","tenant":"acme","msgid":"00062f3a1b2c3d50","rcpt_index":2,"rcpt_hash":"hmac-sha256:7a…","mx":"mx.example.com","code":550,"enhanced":"5.1.1","reply":"no such user","class":"hard_invalid_recipient","attempt":1,"reason":"user_unknown"}
//	{"seq":4100,"time":"2025-03-01T10:05:01Z","type":"failed","tenant":"acme","msgid":"00062f3a1b2c3d51","rcpt_index":0,"rcpt_hash":"hmac-sha256:2b…","reason":"suppressed"}
//	{"seq":4101,"time":"2025-03-01T11:00:00Z","type":"bounce","tenant":"acme","msgid":"00062f3a1b2c3d4e","rcpt_index":0,"rcpt_hash":"hmac-sha256:9f…","reason":"hard_invalid_recipient"}
//	{"seq":4102,"time":"2025-03-01T12:00:00Z","type":"complaint","tenant":"acme","msgid":"00062f3a1b2c3d4e","rcpt_index":0,"rcpt_hash":"hmac-sha256:9f…"}
//	{"seq":4103,"time":"2025-03-01T12:30:00Z","type":"unsubscribe","tenant":"acme","msgid":"00062f3a1b2c3d4e","rcpt_index":0,"rcpt_hash":"hmac-sha256:9f…","reason":"one_click"}
//	{"seq":4104,"time":"2025-03-01T13:00:00Z","type":"deleted","tenant":"acme","msgid":"00062f3a1b2c3d52","rcpt_index":0,"rcpt_hash":"hmac-sha256:3d…"}
//	{"seq":4105,"time":"2025-03-01T13:01:00Z","type":"click","tenant":"acme","msgid":"00062f3a1b2c3d4e","rcpt_index":0,"rcpt_hash":"hmac-sha256:9f…","machine":true,"reason":"scanner_agent","link":3}
//
// Not yet in the lines: the receiving site's shaping rule, the source
// address and the message size (the events do not carry them).
package accounting
