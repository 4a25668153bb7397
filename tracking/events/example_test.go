package events_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"sluice/tracking/events"
)

func Example() {
	dir, _ := os.MkdirTemp("", "events")
	defer os.RemoveAll(dir)
	s, err := events.Open(filepath.Join(dir, "events.db"), events.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(context.Background())

	msg := uint64(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC).UnixMicro()) // a spool id
	// At submission: the campaign comes from X-Sluice-Campaign.
	s.Record(events.Event{Kind: events.KindSent, Tenant: "acme", Campaign: "spring", Message: msg, Rcpt: 0})
	s.Record(events.Event{Kind: events.KindSent, Tenant: "acme", Campaign: "spring", Message: msg, Rcpt: 1})
	// At the edge: tokens carry only tenant and ids.
	s.Record(events.Event{Kind: events.KindOpen, Tenant: "acme", Message: msg, Rcpt: 0})
	s.Record(events.Event{Kind: events.KindOpen, Tenant: "acme", Message: msg, Rcpt: 0})
	s.Record(events.Event{Kind: events.KindOpen, Tenant: "acme", Message: msg, Rcpt: 1, Machine: true, Reason: "apple_mpp"})
	s.Record(events.Event{Kind: events.KindClick, Tenant: "acme", Message: msg, Rcpt: 0, Link: 2})

	if err := s.Flush(context.Background()); err != nil {
		log.Fatal(err)
	}
	st, _ := s.Stats("acme", "spring")
	fmt.Printf("sent %d, opens %d (unique %d, machine %d), clicks %d, link 2: %d\n",
		st.Sent, st.Opens, st.UniqueOpens, st.MachineOpens, st.Clicks, st.Links[0].Clicks)
	// Output:
	// sent 2, opens 2 (unique 1, machine 1), clicks 1, link 2: 1
}
