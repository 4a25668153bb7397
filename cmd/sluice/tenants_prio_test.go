package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/configs"
	"sluice/internal/clock"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/queue"
)

// TestPriorityConfig: a [[tenant]]'s priority classes its mail unless
// X-Sluice-Priority says otherwise, and delivery.priorities = false books
// everything in the default class. The receiver defers, so the node books
// the recipient's retry in its class's part of the schedule, which a claim
// of the stopped node's spool then reveals.
func TestPriorityConfig(t *testing.T) {
	t.Parallel()
	off := false
	cases := []struct {
		name, tenant, header string
		priorities           *bool
		want                 queue.Class
	}{
		{"tenant default", "high", "", nil, queue.ClassMarketingHigh},
		{"header overrides", "high", "low", nil, queue.ClassMarketingLow},
		{"unset is normal", "", "", nil, queue.ClassMarketing},
		{"priorities off", "high", "high", &off, queue.ClassMarketing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			defer451 := func(string) error {
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
			}
			tn := startTestNode(t, mtatest.SinkOptions{Rcpt: defer451}, func(cfg *configs.Config, _ *dnstest.Server) {
				cfg.Tenants[0].Priority = tc.tenant
				cfg.Delivery.Priorities = tc.priorities
				cfg.Queue.RetryFirst = configs.Duration{Duration: time.Hour}
				cfg.Queue.RetryMax = configs.Duration{Duration: 2 * time.Hour}
			})
			msg := "From: a@acme.example\r\nTo: r@example.test\r\nSubject: s\r\n"
			if tc.header != "" {
				msg += "X-Sluice-Priority: " + tc.header + "\r\n"
			}
			if _, err := tn.submit("a@acme.example", []string{"r@example.test"}, msg+"\r\nbody\r\n"); err != nil {
				t.Fatal(err)
			}
			tn.events.wait(t, "r@example.test", "deferred", 10*time.Second)
			tn.stop()
			st, err := queue.Open(filepath.Join(tn.cfg.DataDir, "spool.db"), queue.Options{
				Now: func() time.Time { return clock.Now().Add(3 * time.Hour) }, // past the retry
			})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			// The part of the schedule the node booked the retry in: a
			// claim asks for room in the class it scans.
			booked := queue.Class(255)
			work, err := st.ClaimWith(context.Background(), queue.ClaimOptions{Limit: 10, MaxRcpts: 10,
				RoomClass: func(_ string, c queue.Class) int { booked = c; return 10 }})
			if err != nil || len(work) != 1 {
				t.Fatalf("claim: %v, %d works", err, len(work))
			}
			if booked != tc.want {
				t.Fatalf("booked in %v, want %v", booked, tc.want)
			}
		})
	}
}
