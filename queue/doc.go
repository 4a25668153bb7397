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
package queue
