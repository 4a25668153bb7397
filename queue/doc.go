// Package queue is sluice's durable spool: the only package that touches
// bbolt.
//
// A message is stored once (its metadata and its body in separate buckets,
// so state changes never rewrite the body); each recipient is its own record
// with its own state. A schedule index keyed by next-attempt time
// (big-endian nanoseconds, then message id and recipient index) makes the
// due scan an ordered cursor walk that touches only what is due, so the work
// of one scan scales with the messages due, not with the depth of the queue.
//
// Every write goes through one writer goroutine that group-commits: all
// requests waiting when a transaction starts share it and its fsync. A
// caller is answered only after the commit (and so the fsync) that holds its
// write has returned, which is what lets the submission server answer 250
// only for durable mail.
//
// A delivery attempt is booked before it starts (Claim moves the recipient's
// schedule entry to the time of its next retry and marks it in flight), so a
// crash can never cause a retry storm; on Open, recipients left in flight by
// a crash are made due again.
//
// The event journal (journal.go) makes the spool the source of the event
// store's receptions and delivery outcomes: Enqueue, Complete, Bounce and
// Delete each write one compact entry per message or recipient outcome in
// the transaction of the change they describe (no fsync of their own), and
// the event store's follower reads them in order ([Store.ReadJournal]) and
// deletes them once stored ([Store.AckJournal]), remembering how far it got
// per journal ([Store.JournalID]: sequences of a new spool start again).
// EraseSubject journals a JournalDeleted entry, with ids only, for each
// recipient it removes before an outcome.
//
// # Bodies in segment files
//
// Small bodies are values of the body bucket. A body of
// Options.SegmentThreshold bytes or more (16 KiB by default; a negative
// threshold keeps every new body in bbolt) is appended instead to the
// active segment file, <spool file>.segments/seg-NNNNNNNN beside the spool
// (it moves with the data directory), and the body bucket's sibling
// bodyref holds (segment, offset, length, CRC-32C). In bbolt a leaf holds
// only 2–4 bodies of 100 KB, so appending or deleting one rewrites its
// neighbours: 443 KB written per 100 KB message's life, against 112 KB in
// segments (bench/cmd/segbench).
//
// Durability is the group commit's: the submitter copies the body into
// the page cache (pwrite at an offset reserved under a lock); a syncer
// goroutine takes every such write waiting, fdatasyncs each segment file
// they touched once, and hands them to the committer, which commits bbolt
// and then answers. So a 250 means the body is on disk, bbolt never
// points at bytes that are not, and the segment sync of one group runs
// while the committer commits the previous one (bench/segio.sh at 100 KB
// on a busy machine: 0.84× the throughput of bodies in bbolt with the
// segment sync inside the commit, 1.08× paired with the syncer). Segment
// files are
// allocated whole (fallocate) when created, so their fdatasync writes
// data without a journal commit for the file's growth. A crash between the two
// leaves bytes no record names: Open cuts each segment back to the end of
// its last committed body (segs bucket: live count, live bytes, end) and
// removes segment files no record names; appends then start a new file.
// A new file's name is made durable (directory fsync) before any record
// can point into it. Reads are a pread outside any bbolt transaction,
// checked against the CRC-32C: a mismatch is an error wrapping
// ErrCorruptBody, logged, never the bytes. BodyTo reads into the caller's
// buffer (no allocation per read with a pooled one).
//
// A finished message (delivered, failed, expired, bounced, deleted,
// erased) counts its segment down in the transaction that removes it; a
// sealed segment (rolled at Options.SegmentSize, 64 MiB) with nothing
// live is removed once that commit is durable, and the active one is
// retired when the queue empties it (past a quarter of its size). The
// compactor (compact.go: a goroutine of the Store, every 30 s, stopped by
// Close, paced at 16 MiB/s) rewrites a sealed segment under 25 % live —
// one deferred message can pin a file — into the active one: it copies
// the live bodies, fdatasyncs, and moves their references in one
// transaction, skipping any message that went meanwhile. An erasure
// (EraseSubject) records the removed bodies (bucket tozero) in the
// transaction that removes them, and only once it has committed
// overwrites their bytes with zeros, fdatasyncing each segment once,
// before it returns; Open finishes a zeroing a crash cut short. It never
// runs during a compaction (which could otherwise copy the bytes). A
// segment whose fdatasync failed is never appended to again, and no
// write with a body in it commits afterwards. BodyTo looks a reference
// up again when its read fails, so a compaction moving the body, or its
// message finishing, meanwhile is not a read error.
package queue
