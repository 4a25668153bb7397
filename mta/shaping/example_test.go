package shaping_test

import (
	"fmt"
	"time"

	"sluice/mta/outbound"
	"sluice/mta/shaping"
)

// The engine's side of the contract, one destination at a time: find the
// site once per resolution, take a connection slot before dialling, a
// rate reservation before each transaction, and report every outcome.
func Example() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p, err := shaping.New(shaping.DefaultRules(), shaping.Options{
		Now: func() time.Time { return now },
		OnTransition: func(t shaping.Transition) {
			fmt.Printf("%s: %v -> %v, max connections %d (%s)\n", t.Key.Site, t.From, t.To, t.Limits.MaxConnections, t.Reason)
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// After MX resolution: the site and the shaping key.
	site := p.Site("gmail.com", []string{"gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com"})
	k := shaping.Key{Source: "192.0.2.10", Site: site}

	// Before dialling.
	if !p.AcquireConn(k) {
		return // wait for a connection to close, or for Limits(k).SuspendedUntil
	}
	lim := p.Limits(k)
	fmt.Printf("%s: %d connections, %d messages each, %d recipients per transaction\n",
		site, lim.MaxConnections, lim.MaxMessagesPerConn, lim.MaxRcptsPerTxn)

	// Before each transaction on the connection.
	if p.ShedConn(k) {
		return // close the connection; its slot is already released
	}
	if wait := p.Reserve(k, 1); wait > 0 {
		time.Sleep(wait) // the engine uses its own timer
	}

	// After the transaction: here the receiver asked to slow down. No
	// rate is set or measured yet, so the connections are cut, from the
	// one open.
	err = outbound.ReplyError("RCPT", 421, "4.7.28 Our system has detected an unusual rate of unsolicited mail")
	p.Observe(k, shaping.Classify(err), err.Error())

	// When the connection closes.
	p.ReleaseConn(k)
	// Output:
	// gmail: 10 connections, 100 messages each, 100 recipients per transaction
	// gmail: normal -> backoff, max connections 1 (throttled: smtp RCPT: 421 4.7.28 Our system has detected an unusual rate of unsolicited mail)
}
