package delivery

import "sluice/queue"

// Priorities in delivery (issue 16, "transactional first"). The spool
// claims due mail class by class (queue.Class: transactional before
// marketing, then high, normal, low within each stream); the engine keeps
// that order where claimed work waits:
//
//   - room: each class has its own share of a domain's ready queue
//     (MaxPendingPerDomain per class, ready.go), so a domain full of
//     marketing still takes a password reset at the next claim;
//   - dest.take: a destination's workers take the highest class first,
//     in arrival order within a class (jobQueue), so the reset leaves on
//     the next free connection slot, not after the marketing queued
//     ahead of it.
//
// No starvation: one take in queue.StarveEvery (8) per destination goes to
// the job that has waited longest there, whatever its class, and one
// claim in queue.StarveEvery visits the classes lowest first. Under a
// sustained higher-class load a lower class's mail therefore still gets at
// least one transaction in eight at each destination, and its own room
// keeps some of it claimed and waiting there.

// jobQueue is a destination's waiting jobs: one FIFO per class. Not safe
// for concurrent use (dest.mu guards it).
type jobQueue struct {
	fifo  [queue.NumClasses][]*job
	n     int
	seq   uint64 // the next arrival number
	takes uint64 // pops so far, for the anti-starvation turn
}

// classOf returns j's class, bounded (a corrupt stored class is the
// default).
func classOf(j *job) queue.Class {
	if c := j.w.Class; c < queue.NumClasses {
		return c
	}
	return queue.ClassMarketing
}

func (q *jobQueue) len() int { return q.n }

// push adds a newly claimed job at the end of its class.
func (q *jobQueue) push(j *job) {
	j.seq = q.seq
	q.seq++
	c := classOf(j)
	q.fifo[c] = append(q.fifo[c], j)
	q.n++
}

// pushFront puts a job taken but not sent back at the head of its class,
// with its arrival number (it keeps its place in the oldest-first turn).
func (q *jobQueue) pushFront(j *job) {
	c := classOf(j)
	q.fifo[c] = append([]*job{j}, q.fifo[c]...)
	q.n++
}

// pop takes the next job: the head of the highest non-empty class, except
// on every queue.StarveEvery-th pop, which takes the job that waited
// longest whatever its class. Nil when empty.
func (q *jobQueue) pop() *job {
	if q.n == 0 {
		return nil
	}
	q.takes++
	best := -1
	for c := range q.fifo {
		if len(q.fifo[c]) == 0 {
			continue
		}
		if best < 0 {
			best = c
			if q.takes%queue.StarveEvery != 0 {
				break
			}
			continue
		}
		if q.fifo[c][0].seq < q.fifo[best][0].seq {
			best = c
		}
	}
	j := q.fifo[best][0]
	q.fifo[best][0] = nil
	q.fifo[best] = q.fifo[best][1:]
	q.n--
	return j
}

// drain removes and returns every job, highest class first.
func (q *jobQueue) drain() []*job {
	out := make([]*job, 0, q.n)
	for c := range q.fifo {
		out = append(out, q.fifo[c]...)
		q.fifo[c] = nil
	}
	q.n = 0
	return out
}

// pendKey counts a domain's claimed, unsettled recipients per class.
type pendKey struct {
	domain string
	class  queue.Class
}
