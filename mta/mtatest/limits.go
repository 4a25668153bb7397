package mtatest

import (
	"sync"
	"time"
)

// Limits make a sink behave like a receiver that throttles: at most
// MaxConns concurrent sessions (more get 421 4.7.0 at EHLO) and at most
// Rate recipients per second (more get 451 4.7.1 "Rate limited"), a token
// bucket holding two seconds' worth (receivers average over a window; a
// one-second bucket would also punish the scheduling jitter of a loaded
// test machine). Set changes them while the
// sink runs; zero means unlimited. It counts every RCPT attempt and every
// refusal, by second, for convergence checks.
type Limits struct {
	mu       sync.Mutex
	maxConns int
	rate     float64
	tokens   float64
	last     time.Time
	open     int
	peak     int
	start    time.Time
	attempts map[int]int // second since start → RCPT attempts
	refused  map[int]int // second since start → 451/421 refusals
}

// NewLimits returns limits of maxConns sessions and rate recipients/s.
func NewLimits(maxConns int, rate float64) *Limits {
	return &Limits{maxConns: maxConns, rate: rate, tokens: rate, start: time.Now(),
		attempts: map[int]int{}, refused: map[int]int{}}
}

// Set changes the limits.
func (l *Limits) Set(maxConns int, rate float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maxConns, l.rate = maxConns, rate
}

func (l *Limits) sec() int { return int(time.Since(l.start) / time.Second) }

func (l *Limits) openConn() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.maxConns > 0 && l.open >= l.maxConns {
		l.refused[l.sec()]++
		return false
	}
	l.open++
	l.peak = max(l.peak, l.open)
	return true
}

// Peak is the most sessions that were open at once.
func (l *Limits) Peak() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.peak
}

func (l *Limits) closeConn() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open > 0 {
		l.open--
	}
}

func (l *Limits) take() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	sec := l.sec()
	l.attempts[sec]++
	if l.rate <= 0 {
		return true
	}
	now := time.Now()
	if !l.last.IsZero() {
		l.tokens += now.Sub(l.last).Seconds() * l.rate
		if l.tokens > 2*l.rate {
			l.tokens = 2 * l.rate
		}
	}
	l.last = now
	if l.tokens < 1 {
		l.refused[sec]++
		return false
	}
	l.tokens--
	return true
}

// Window returns the RCPT attempts and refusals (421 and 451) counted in
// seconds [from, to) since the limits were made.
func (l *Limits) Window(from, to int) (attempts, refused int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for s := from; s < to; s++ {
		attempts += l.attempts[s]
		refused += l.refused[s]
	}
	return attempts, refused
}

// Elapsed is the whole seconds since the limits were made.
func (l *Limits) Elapsed() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sec()
}
