package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

// world is what sluice delivers into: the DNS server, the sink, and the
// per-domain counters the sink's Data hook keeps (atomics only).
type world struct {
	o         options
	dns       *dnstest.Server
	sink      *mtatest.Sink
	start     time.Time // submission start; set before any message is sent
	slowMsgs  int       // messages for the slow domains (the first ones)
	count     []atomic.Int64
	last      []atomic.Int64 // unix ns of each domain's latest arrival
	fastCount atomic.Int64
	slowCount atomic.Int64
	fastLastN atomic.Int64 // unix ns of the latest fast-domain arrival
}

// domain names domain i; domains 0..slow-1 are the slow ones.
func domain(i int) string { return fmt.Sprintf("d%03d.hol.test", i) }

// domainIndex parses the index out of "…@dNNN.hol.test"; -1 if it is not
// one of ours.
func domainIndex(addr string) int {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return -1
	}
	d := strings.ToLower(addr[at+1:])
	if !strings.HasPrefix(d, "d") || !strings.HasSuffix(d, ".hol.test") {
		return -1
	}
	i, err := strconv.Atoi(strings.TrimSuffix(d[1:], ".hol.test"))
	if err != nil {
		return -1
	}
	return i
}

func startWorld(o options) (*world, error) {
	w := &world{o: o, count: make([]atomic.Int64, o.domains), last: make([]atomic.Int64, o.domains)}
	if o.slow > 0 {
		w.slowMsgs = int(float64(o.n) * o.slowShare)
	}
	dns, err := dnstest.Start()
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	for i := range o.domains {
		d := domain(i)
		dns.AddMX(d, 10, "mx."+d)
		dns.AddA("mx."+d, "127.0.0.1")
	}
	w.dns = dns
	sink, err := mtatest.StartSink(mtatest.SinkOptions{Data: w.data})
	if err != nil {
		dns.Close()
		return nil, fmt.Errorf("sink: %w", err)
	}
	w.sink = sink
	return w, nil
}

// data is the sink's Data hook: slow domains take o.slowDelay per message
// (the session is held that long, as a slow receiver's would be); every
// recipient is counted against its domain.
func (w *world) data(r mtatest.Received) error {
	slow := false
	for _, to := range r.To {
		if i := domainIndex(to); i >= 0 && i < w.o.slow {
			slow = true
		}
	}
	if slow && w.o.slowDelay > 0 {
		time.Sleep(w.o.slowDelay)
	}
	now := time.Now().UnixNano()
	for _, to := range r.To {
		i := domainIndex(to)
		if i < 0 || i >= w.o.domains {
			continue
		}
		w.count[i].Add(1)
		storeMax(&w.last[i], now)
		if i < w.o.slow {
			w.slowCount.Add(1)
		} else {
			w.fastCount.Add(1)
			storeMax(&w.fastLastN, now)
		}
	}
	return nil
}

// storeMax sets a to max(a, v).
func storeMax(a *atomic.Int64, v int64) {
	for { // bounded: each retry means a grew
		old := a.Load()
		if old >= v || a.CompareAndSwap(old, v) {
			return
		}
	}
}

func (w *world) fastLast() time.Time { return time.Unix(0, w.fastLastN.Load()) }

// fastDomainDone returns the median and the maximum, over fast domains that
// got mail, of the time (s since submission start) their last message
// arrived.
func (w *world) fastDomainDone() (p50, maxS float64) {
	var ts []float64
	for i := w.o.slow; i < w.o.domains; i++ {
		if n := w.last[i].Load(); n > 0 {
			ts = append(ts, time.Unix(0, n).Sub(w.start).Seconds())
		}
	}
	if len(ts) == 0 {
		return 0, 0
	}
	slices.Sort(ts)
	return ts[len(ts)/2], ts[len(ts)-1]
}

// rcpt is message i's recipient: the first slowMsgs messages go round-robin
// to the slow domains, the others round-robin to the fast ones.
func (w *world) rcpt(i int) (addr string, slow bool) {
	if i < w.slowMsgs {
		return fmt.Sprintf("r%d@%s", i, domain(i%w.o.slow)), true
	}
	fast := w.o.domains - w.o.slow
	return fmt.Sprintf("r%d@%s", i, domain(w.o.slow+i%fast)), false
}

func (w *world) close() {
	w.sink.Close()
	w.dns.Close()
}
