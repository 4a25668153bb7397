package queue

import (
	"context"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJournalV1StillDecodes: an entry written by a version 1 binary (the
// bytes are frozen here, not made by today's encoder) and still waiting
// in the journal at the upgrade decodes, with no TLS and no Rerouted.
func TestJournalV1StillDecodes(t *testing.T) {
	t.Parallel()
	// version 1 | deferred | time | id 42 | index 7 | rcpts 0 | attempt 3 | code 451 |
	// "acme" | "" | "4.2.2" | "mailbox full" | "mx.example"
	v1, err := hex.DecodeString("0103aab4aed8c7bfce972f2a070003c3030461636d650005342e322e32" +
		"0c6d61696c626f782066756c6c0a6d782e6578616d706c65")
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeJournal(v1)
	if err != nil {
		t.Fatalf("version 1 entry refused: %v", err)
	}
	want := JournalEntry{Kind: JournalDeferred, Time: time.Unix(0, 1700000000123456789), Tenant: "acme", ID: 42, Index: 7,
		Attempt: 3, Code: 451, Enhanced: "4.2.2", Reply: "mailbox full", MX: "mx.example"}
	if !got.Time.Equal(want.Time) {
		t.Fatalf("time %v, want %v", got.Time, want.Time)
	}
	got.Time = want.Time
	if got != want {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// Re-encoded, it is a version 2 entry that says the same.
	b := encodeJournal(&got)
	if b[0] != journalVersion {
		t.Fatalf("written as version %d", b[0])
	}
	again, err := decodeJournal(b)
	if err != nil {
		t.Fatal(err)
	}
	again.Time = want.Time
	if again != want {
		t.Fatalf("re-encoded: %+v", again)
	}
	// A version 1 entry carrying version 2's part is damaged.
	if _, err := decodeJournal(append([]byte{journalVersionV1}, b[1:]...)); err == nil {
		t.Fatal("version 1 entry with a TLS part decoded")
	}
}

// TestJournalTLSRoundTrip: version 2 keeps the TLS part and Rerouted,
// bounds their strings, and refuses unknown bits and numbers over 16 bits.
func TestJournalTLSRoundTrip(t *testing.T) {
	t.Parallel()
	e := JournalEntry{Kind: JournalDelivered, Time: newClock().Now(), Tenant: "acme", ID: 9, Index: 1, Attempt: 1, Code: 250,
		MX: "mx.example", TLS: TLSInfo{Used: true, Verified: true, Version: 0x0304, Cipher: 0x1301, Policy: "mta-sts enforce",
			Result: "success"}, Rerouted: "source a warming up"}
	got, err := decodeJournal(encodeJournal(&e))
	if err != nil {
		t.Fatal(err)
	}
	got.Time = e.Time
	if got != e {
		t.Fatalf("round trip %+v, want %+v", got, e)
	}
	long := e
	long.TLS.Policy, long.TLS.Result, long.Rerouted = strings.Repeat("p", 100), strings.Repeat("r", 100), strings.Repeat("w", 1000)
	got, err = decodeJournal(encodeJournal(&long))
	if err != nil || len(got.TLS.Policy) != maxJournalTLSName || len(got.TLS.Result) != maxJournalTLSName ||
		len(got.Rerouted) != maxJournalRerouted {
		t.Fatalf("bounds: %+v %v", got.TLS, err)
	}
	b := encodeJournal(&e)
	bitsAt := len(b) - (1 + 2 + 2 + 1 + len(e.TLS.Policy) + 1 + len(e.TLS.Result) + 1 + len(e.Rerouted))
	if b[bitsAt] != journalTLSUsed|journalTLSVerified {
		t.Fatalf("bits byte not where expected: %x", b)
	}
	bad := append([]byte(nil), b...)
	bad[bitsAt] |= 1 << 5
	if _, err := decodeJournal(bad); err == nil {
		t.Fatal("unknown TLS bits decoded")
	}
	big := e
	big.TLS = TLSInfo{}
	bb := encodeJournal(&big)
	// The tail is bits | version | cipher | policy | result | rerouted,
	// each zero but rerouted: replace the version by a uvarint over 16 bits.
	at := len(bb) - (6 + len(big.Rerouted)) + 1
	over := append(append(append([]byte(nil), bb[:at]...), 0x80, 0x80, 0x04), bb[at+1:]...)
	if _, err := decodeJournal(over); err == nil {
		t.Fatal("TLS version over 16 bits decoded")
	}
}

// TestCompleteJournalsTLS: the TLS outcome and Rerouted of a Result reach
// its journal entry through Complete.
func TestCompleteJournalsTLS(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	id := enqueue(t, s, clk, "a@x.example", "b@x.example")
	mustClaim(t, s)
	tlsOK := TLSInfo{Used: true, Version: 0x0304, Cipher: 0x1302, Policy: "opportunistic", Result: "success"}
	results := []Result{
		{ID: id, Index: 0, Outcome: OutcomeDelivered, Code: 250, MX: "mx.x.example", TLS: tlsOK, Rerouted: "blocklisted"},
		{ID: id, Index: 1, Outcome: OutcomeDeferred, Code: 0, Reply: "no STARTTLS", TLS: TLSInfo{Policy: "require",
			Result: "starttls-not-supported"}},
	}
	if err := s.Complete(context.Background(), results); err != nil {
		t.Fatal(err)
	}
	es, _ := journalKinds(t, s)
	if len(es) != 3 {
		t.Fatalf("entries %+v", es)
	}
	if e := es[1]; e.Kind != JournalDelivered || e.TLS != tlsOK || e.Rerouted != "blocklisted" {
		t.Fatalf("delivered entry %+v", e)
	}
	if e := es[2]; e.Kind != JournalDeferred || e.TLS.Used || e.TLS.Result != "starttls-not-supported" {
		t.Fatalf("deferred entry %+v", e)
	}
}
