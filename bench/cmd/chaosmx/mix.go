package main

import (
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// mix is the chaos: the probability of each failure. Connection-level
// faults are drawn once per connection, transaction-level ones once per
// MAIL (per RCPT for the recipient ones), from a generator seeded with
// (seed, connection number): the same seed gives the same fates to the
// same connections. Greylisting is a pure function of (seed, triplet).
type mix struct {
	seed uint64

	// Per connection.
	greet4xx    float64 // 421 4.3.2 greeting, then close (RFC 5321 §3.1)
	greet5xx    float64 // 554 5.3.2 greeting, then close
	greetHangup float64 // close at once, no greeting
	tarpit      float64 // every reply delayed by tarpitDelay
	tls         float64 // share of connections offered STARTTLS (RFC 3207)

	// Per transaction (MAIL) or per recipient (RCPT).
	mail4xx, mail5xx float64 // reply to MAIL
	rcpt4xx, rcpt5xx float64 // reply to each RCPT
	data4xx, data5xx float64 // reply to the end of data
	mid421           float64 // 421 4.3.0 at MAIL, RCPT or end of data, then close
	hangup           float64 // close without a reply at MAIL, RCPT or after the data was taken
	dropData         float64 // close halfway through reading the data
	reset            float64 // TCP RST (SO_LINGER 0) at MAIL, RCPT or end of data
	slow             float64 // one reply of the transaction delayed up to slowDelay

	greylist      float64       // share of (client, sender, recipient) triplets greylisted
	greylistDelay time.Duration // a greylisted triplet is accepted once seen again this long after its first time
	tarpitDelay   time.Duration
	slowDelay     time.Duration
}

// register declares the mix's flags with their defaults: about 80 % of
// first attempts accepted (see README).
func (m *mix) register(fs *flag.FlagSet) {
	fs.Uint64Var(&m.seed, "seed", 1, "seed of every random choice")
	fs.Float64Var(&m.greet4xx, "greet-4xx", 0.01, "share of connections greeted with 421 and closed")
	fs.Float64Var(&m.greet5xx, "greet-5xx", 0.001, "share of connections greeted with 554 and closed")
	fs.Float64Var(&m.greetHangup, "greet-hangup", 0.005, "share of connections closed before the greeting")
	fs.Float64Var(&m.tarpit, "tarpit", 0.01, "share of connections whose every reply waits -tarpit-delay")
	fs.DurationVar(&m.tarpitDelay, "tarpit-delay", 3*time.Second, "a tarpit's delay per reply")
	fs.Float64Var(&m.tls, "tls", 0.5, "share of connections offered STARTTLS (self-signed)")
	fs.Float64Var(&m.mail4xx, "mail-4xx", 0.01, "share of MAIL answered 451")
	fs.Float64Var(&m.mail5xx, "mail-5xx", 0.002, "share of MAIL answered 550")
	fs.Float64Var(&m.rcpt4xx, "rcpt-4xx", 0.02, "share of RCPT answered 450 (per recipient)")
	fs.Float64Var(&m.rcpt5xx, "rcpt-5xx", 0.005, "share of RCPT answered 550 (per recipient)")
	fs.Float64Var(&m.data4xx, "data-4xx", 0.02, "share of messages answered 451 at the end of data")
	fs.Float64Var(&m.data5xx, "data-5xx", 0.005, "share of messages answered 554 at the end of data")
	fs.Float64Var(&m.mid421, "421", 0.01, "share of transactions answered 421 at MAIL, RCPT or end of data, then closed")
	fs.Float64Var(&m.hangup, "hangup", 0.01, "share of transactions closed without a reply (MAIL, RCPT, or after the data was taken: a duplicate)")
	fs.Float64Var(&m.dropData, "drop-data", 0.01, "share of transactions closed halfway through the data")
	fs.Float64Var(&m.reset, "reset", 0.005, "share of transactions ended by a TCP RST")
	fs.Float64Var(&m.slow, "slow", 0.05, "share of transactions with one reply delayed up to -slow-delay")
	fs.DurationVar(&m.slowDelay, "slow-delay", time.Second, "longest delay of a slow reply")
	fs.Float64Var(&m.greylist, "greylist", 0.05, "share of triplets greylisted (451 4.7.1 until seen again after -greylist-delay)")
	fs.DurationVar(&m.greylistDelay, "greylist-delay", 3*time.Second, "greylisting delay")
}

// check refuses shares outside [0, 1] and transaction shares adding up
// to more than 1.
func (m *mix) check() error {
	shares := map[string]float64{
		"greet-4xx": m.greet4xx, "greet-5xx": m.greet5xx, "greet-hangup": m.greetHangup, "tarpit": m.tarpit,
		"tls": m.tls, "mail-4xx": m.mail4xx, "mail-5xx": m.mail5xx, "rcpt-4xx": m.rcpt4xx, "rcpt-5xx": m.rcpt5xx,
		"data-4xx": m.data4xx, "data-5xx": m.data5xx, "421": m.mid421, "hangup": m.hangup,
		"drop-data": m.dropData, "reset": m.reset, "slow": m.slow, "greylist": m.greylist,
	}
	for name, p := range shares {
		if p < 0 || p > 1 {
			return fmt.Errorf("-%s: want a share in [0, 1], got %v", name, p)
		}
	}
	if m.greet4xx+m.greet5xx+m.greetHangup > 1 {
		return errors.New("-greet-4xx + -greet-5xx + -greet-hangup exceed 1")
	}
	if m.rcpt4xx+m.rcpt5xx > 1 {
		return errors.New("-rcpt-4xx + -rcpt-5xx exceed 1")
	}
	if m.txTotal() > 1 {
		return errors.New("the transaction shares (-mail-*, -data-*, -421, -hangup, -drop-data, -reset) exceed 1")
	}
	for name, d := range map[string]time.Duration{"tarpit-delay": m.tarpitDelay, "slow-delay": m.slowDelay, "greylist-delay": m.greylistDelay} {
		if d < 0 || d > time.Hour {
			return fmt.Errorf("-%s: want 0..1h, got %s", name, d)
		}
	}
	return nil
}

func (m *mix) txTotal() float64 {
	return m.mail4xx + m.mail5xx + m.data4xx + m.data5xx + m.mid421 + m.hangup + m.dropData + m.reset
}

// connFate is what happens to a whole connection.
type connFate int

const (
	connOK connFate = iota
	connGreet4xx
	connGreet5xx
	connGreetHangup
)

// stage is where in a transaction a fault strikes.
type stage int

const (
	atMail stage = iota
	atRcpt
	atData // the end of data
)

// txFate is what happens to one transaction.
type txFate int

const (
	txOK txFate = iota
	txMail4xx
	txMail5xx
	txData4xx
	txData5xx
	tx421
	txHangup
	txDropData
	txReset
)

// connChoice is a connection's draw.
type connChoice struct {
	fate   connFate
	tarpit bool
	tls    bool
	rng    *rand.Rand // the connection's own generator, for its transactions
}

// forConn draws connection n's fate; the returned generator then draws
// its transactions. Only the connection's goroutine uses it.
func (m *mix) forConn(n uint64) connChoice {
	rng := rand.New(rand.NewPCG(m.seed, n))
	c := connChoice{rng: rng}
	switch p := rng.Float64(); {
	case p < m.greet4xx:
		c.fate = connGreet4xx
	case p < m.greet4xx+m.greet5xx:
		c.fate = connGreet5xx
	case p < m.greet4xx+m.greet5xx+m.greetHangup:
		c.fate = connGreetHangup
	}
	c.tarpit = rng.Float64() < m.tarpit
	c.tls = rng.Float64() < m.tls
	return c
}

// tx is one transaction's draw: its fate, the stage of a 421, hang-up or
// reset, and the stage (and length) of a slow reply.
type tx struct {
	fate      txFate
	at        stage
	slowAt    stage
	slowFor   time.Duration
	isSlow    bool
	rcptDraws *rand.Rand
}

func (m *mix) forTx(rng *rand.Rand) tx {
	t := tx{rcptDraws: rng}
	p := rng.Float64()
	for _, c := range []struct {
		share float64
		fate  txFate
	}{
		{m.mail4xx, txMail4xx}, {m.mail5xx, txMail5xx}, {m.data4xx, txData4xx}, {m.data5xx, txData5xx},
		{m.mid421, tx421}, {m.hangup, txHangup}, {m.dropData, txDropData}, {m.reset, txReset},
	} {
		if p < c.share {
			t.fate = c.fate
			break
		}
		p -= c.share
	}
	t.at = stage(rng.IntN(3))
	if rng.Float64() < m.slow {
		t.isSlow = true
		t.slowAt = stage(rng.IntN(3))
		t.slowFor = time.Duration(rng.Int64N(int64(m.slowDelay) + 1))
	}
	return t
}

// rcptReply draws one recipient's fate: 0 (accepted), 450 or 550.
func (m *mix) rcptReply(t *tx) int {
	switch p := t.rcptDraws.Float64(); {
	case p < m.rcpt4xx:
		return 450
	case p < m.rcpt4xx+m.rcpt5xx:
		return 550
	}
	return 0
}

// greylisted says whether the triplet is one of those greylisted: a hash
// of (seed, triplet), so the same triplet is always chosen alike.
func (m *mix) greylisted(key uint64) bool {
	if m.greylist <= 0 {
		return false
	}
	x := key ^ m.seed*0x9e3779b97f4a7c15
	x ^= x >> 33 // splitmix64's finaliser: the low bits of FNV alone are poor
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return float64(x>>11)/(1<<53) < m.greylist
}

// tripletKey hashes (client IP, sender, recipient) (FNV-1a, 64-bit).
func tripletKey(ip, from, rcpt string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(ip))
	h.Write([]byte{0})
	h.Write([]byte(from))
	h.Write([]byte{0})
	h.Write([]byte(rcpt))
	return h.Sum64()
}
