package events

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"sluice/queue"
)

// v1Batch is a batch value written by the version 1 encoder (before the
// outcome part), frozen: a machine click with every v1 field, a
// suppressed failure and a bare deferral. It must decode forever.
const v1Batch = "01034b01f6f1eff3edeede9c31c0efe0f8d59f93030305636c69636b0461636d6506737072696e6707056561726c79000e3230332e302e3131332e302f3234077363616e6e6572066375726c2f3836008098c6adf5eede9c31c0efe0f8d59f930304066661696c65640461636d6506737072696e67000a737570707265737365640000000028008ac09ce7fceede9c31c1efe0f8d59f9303000864656665727265640461636d6500000000000000"

// v1Events are the events of v1Batch.
func v1Events() []Event {
	return []Event{
		{Time: time.Unix(1773500966, 123), Kind: KindClick, Tenant: "acme", Campaign: "spring", Message: 1773500966123456, Rcpt: 3,
			Link: 7, Machine: true, Reason: "early", IP: "203.0.113.0/24", UAClass: "scanner", UA: "curl/8"},
		{Time: time.Unix(1773500967, 0), Kind: KindFailed, Tenant: "acme", Campaign: "spring", Message: 1773500966123456, Rcpt: 4,
			Reason: "suppressed"},
		{Time: time.Unix(1773500968, 5), Kind: KindDeferred, Tenant: "acme", Message: 1773500966123457},
	}
}

// TestV1BatchDecodes: a batch of the old encoder decodes to the same
// events, by the decoder and through a store that holds it.
func TestV1BatchDecodes(t *testing.T) {
	t.Parallel()
	v, err := hex.DecodeString(v1Batch)
	if err != nil {
		t.Fatal(err)
	}
	want := v1Events()
	if n, ok := batchCount(v); !ok || n != len(want) {
		t.Fatalf("batchCount = %d, %v", n, ok)
	}
	var got []Event
	if err := eachRecord(v, func(rec []byte) error {
		ev, err := decodeRecord(rec)
		got = append(got, ev)
		return err
	}); err != nil {
		t.Fatalf("v1 batch: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) {
			t.Errorf("event %d: time %v, want %v", i, got[i].Time, want[i].Time)
		}
		got[i].Time, want[i].Time = time.Time{}, time.Time{}
		if got[i] != want[i] {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}

	// In a store, next to a version 2 batch with an outcome.
	s, _ := openStore(t, Options{Retention: -1})
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return bucket(tx, bucketEv).Put(batchKey(t0.Add(-time.Hour), 1), v)
	}); err != nil {
		t.Fatal(err)
	}
	failed := Event{Time: time.Unix(1773500970, 0), Kind: KindFailed, Tenant: "acme", Message: 1773500966123458}
	failed.SetOutcome(Outcome{Code: 550, Enhanced: "5.1.1", Reply: "no such user", MX: "mx.example.net", Attempt: 2}, fixedClass)
	s.Record(failed)
	flush(t, s)
	var kinds []string
	var last Event
	err = s.Range(context.Background(), "acme", t0.Add(-24*time.Hour), t0.Add(24*time.Hour), func(ev Event) bool {
		kinds = append(kinds, string(ev.Kind))
		last = ev
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(kinds, ",") != "click,failed,deferred,failed" {
		t.Fatalf("stored kinds %v", kinds)
	}
	if last.Code != 550 || last.Enhanced != "5.1.1" || last.Reply != "no such user" || last.Class != "hard_invalid_recipient" ||
		last.Reason != "user_unknown" || last.MX != "mx.example.net" || last.Attempt != 2 {
		t.Fatalf("outcome not kept: %+v", last)
	}
}

// fixedClass stands for the bounce classifier (mta/bounce's own tests
// cover it; tracking/webhook's use the real one).
func fixedClass(site string, code int, enhanced, reply string) (string, string) {
	if code >= 500 {
		return "hard_invalid_recipient", "user_unknown"
	}
	return "rate_limited", "rate_limited"
}

// TestOutcomeRecordRoundTrip: the outcome part survives encoding, and an
// event without one costs no byte more than in version 1.
func TestOutcomeRecordRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ev   Event
	}{
		{"none", Event{Time: time.Unix(5, 0), Kind: KindOpen, Tenant: "acme"}},
		{"failed", Event{Time: time.Unix(5, 0), Kind: KindFailed, Tenant: "acme", Code: 550, Enhanced: "5.1.1",
			Reply: "5.1.1 <a@b> user unknown", Class: "hard_invalid_recipient", Reason: "user_unknown", MX: "mx1.b", Attempt: 1}},
		{"attempt only", Event{Time: time.Unix(5, 0), Kind: KindDeferred, Tenant: "acme", Attempt: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := appendRecord([]byte{batchVersion, 1}, nil, &tt.ev)
			var back Event
			if err := eachRecord(v, func(rec []byte) error {
				var err error
				back, err = decodeRecord(rec)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if back != tt.ev {
				t.Fatalf("round trip:\n got %+v\nwant %+v", back, tt.ev)
			}
			if !tt.ev.hasOutcome() && v[3]&flagOutcome != 0 {
				t.Fatal("outcome flag set without an outcome")
			}
		})
	}
}

// TestSetOutcome: the receiver's answer is recorded with the classifier's
// verdict; a local decision keeps its reason and gets no class.
func TestSetOutcome(t *testing.T) {
	t.Parallel()
	o := Outcome{Code: 421, Enhanced: "4.7.0", Reply: "try again later", MX: "mx.b", Attempt: 4}
	tests := []struct {
		name              string
		reason            string
		classify          Classify
		o                 Outcome
		wantClass, wantRs string
	}{
		{"classified", "", fixedClass, o, "rate_limited", "rate_limited"},
		{"local reason kept", ReasonOperatorBounce, fixedClass, o, "", ReasonOperatorBounce},
		{"no classifier", "", nil, o, "", ""},
		{"nothing to classify", "", fixedClass, Outcome{Attempt: 1}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := Event{Kind: KindDeferred, Reason: tt.reason}
			ev.SetOutcome(tt.o, tt.classify)
			if ev.Code != tt.o.Code || ev.Enhanced != tt.o.Enhanced || ev.Reply != tt.o.Reply || ev.MX != tt.o.MX || ev.Attempt != tt.o.Attempt {
				t.Errorf("outcome %+v, want %+v", ev, tt.o)
			}
			if ev.Class != tt.wantClass || ev.Reason != tt.wantRs {
				t.Errorf("class, reason = %q, %q; want %q, %q", ev.Class, ev.Reason, tt.wantClass, tt.wantRs)
			}
		})
	}
}

// TestNormalizeOutcome: a hostile reply becomes bounded, valid UTF-8
// without control characters; a malformed enhanced code is dropped.
func TestNormalizeOutcome(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 400) // 800 bytes
	ev := Event{Kind: KindFailed, Tenant: "acme", Code: 1234, Enhanced: "5.1.1\r\nX", MX: "mx\x00.b",
		Reply: "550 no\r\nInjected: yes\x00\x1b[31m\xff\xfe \u0085end  " + long, Class: "policy\nblocked"}
	ev.normalize()
	if ev.Code != 0 || ev.Enhanced != "" || ev.MX != "mx .b" || ev.Class != "policy blocked" {
		t.Errorf("normalized %+v", ev)
	}
	if len(ev.Reply) > MaxReply || !utf8.ValidString(ev.Reply) {
		t.Fatalf("reply %d bytes, valid UTF-8 %v", len(ev.Reply), utf8.ValidString(ev.Reply))
	}
	for _, r := range ev.Reply {
		if r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			t.Fatalf("control character %U left in %q", r, ev.Reply)
		}
	}
	if !strings.HasPrefix(ev.Reply, "550 no Injected: yes [31m end éé") {
		t.Errorf("reply %q", ev.Reply[:40])
	}
}

func TestCleanEnhanced(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"5.1.1": "5.1.1", "4.7.650": "4.7.650", "2.0.0": "2.0.0", "5.999.999": "5.999.999",
		"": "", "5.1": "", "3.1.1": "", "5.1.1.1": "", "5.1.": "", "5..1": "", "5.1111.1": "", "5.1.x": "", " 5.1.1": "",
	} {
		if got := CleanEnhanced(in); got != want {
			t.Errorf("CleanEnhanced(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain reply", "plain reply"},
		{" padded  twice ", "padded twice"},
		{"a\r\nb\tc", "a b c"},
		{"bad \xff byte", "bad byte"},
		{"c1 \u0085 next", "c1 next"},
		{"cut héllo", "cut h"}, // at 6 bytes, not inside é
	}
	for _, tt := range tests {
		n := 64
		if strings.HasPrefix(tt.in, "cut") {
			n = 6
		}
		if got := CleanText(tt.in, n); got != tt.want {
			t.Errorf("CleanText(%q, %d) = %q, want %q", tt.in, n, got, tt.want)
		}
	}
}

// TestOutcomeOf: a journal entry's answer maps field for field.
func TestOutcomeOf(t *testing.T) {
	t.Parallel()
	e := queue.JournalEntry{Kind: queue.JournalFailed, Code: 550, Enhanced: "5.7.1", Reply: "blocked", MX: "mx.b", Attempt: 5}
	want := Outcome{Code: 550, Enhanced: "5.7.1", Reply: "blocked", MX: "mx.b", Attempt: 5}
	if got := OutcomeOf(&e); got != want {
		t.Fatalf("OutcomeOf = %+v, want %+v", got, want)
	}
}
