package inbound

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"sluice/queue"
)

// TestInboxFullRefusesReturns: while more than MaxInboxBytes of returns
// wait in the spool's inbox, MAIL gets 452 4.3.1 (a sender retries
// later); once the worker has taken them, returns are accepted again.
func TestInboxFullRefusesReturns(t *testing.T) {
	t.Parallel()
	spool, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer spool.Close()
	b := NewBackend(ServerConfig{Hostname: "mx.test", Domains: []string{bounceDomain}, FBLLocalParts: []string{"fbl"},
		Inbox: spool, Logger: slog.New(slog.DiscardHandler), MaxInboxBytes: 20_000})
	_, reply := dialMX(t, b)
	send := func() string {
		t.Helper()
		if r := reply("MAIL FROM:<>"); !strings.HasPrefix(r, "250") {
			return r
		}
		reply("RCPT TO:<fbl@" + bounceDomain + ">")
		reply("DATA")
		return reply("Subject: report\r\n\r\n" + strings.Repeat(strings.Repeat("x", 98)+"\r\n", 150) + ".")
	}
	reply("")
	reply("EHLO mta.test")
	for i := 0; i < 2; i++ { // 15 KB, then 30 KB waiting: over 20,000
		if r := send(); !strings.HasPrefix(r, "250") {
			t.Fatalf("return %d: %q, want 250", i+1, r)
		}
	}
	if r := send(); !strings.HasPrefix(r, "452 4.3.1") {
		t.Fatalf("with 30 KB waiting: %q, want 452 4.3.1", r)
	}
	rets, err := spool.PendingReturns(10)
	if err != nil || len(rets) != 2 {
		t.Fatalf("pending returns %d, %v", len(rets), err)
	}
	for _, r := range rets {
		if err := spool.DoneReturn(t.Context(), r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if r := send(); !strings.HasPrefix(r, "250") {
		t.Fatalf("after the inbox emptied: %q, want 250", r)
	}
}
