package webhook

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"sluice/tracking/events"
)

func TestNewOutboxRejectsBadEndpoints(t *testing.T) {
	t.Parallel()
	good := Endpoint{Tenant: "acme", URL: "https://hooks.example/sluice", Secret: []byte(secret)}
	cases := []struct {
		name string
		eps  []Endpoint
	}{
		{"no tenant", []Endpoint{{URL: good.URL, Secret: good.Secret}}},
		{"relative url", []Endpoint{{Tenant: "acme", URL: "/hooks", Secret: good.Secret}}},
		{"ftp", []Endpoint{{Tenant: "acme", URL: "ftp://hooks.example/", Secret: good.Secret}}},
		{"unparsable", []Endpoint{{Tenant: "acme", URL: "https://[::1", Secret: good.Secret}}},
		{"short secret", []Endpoint{{Tenant: "acme", URL: good.URL, Secret: []byte("short")}}},
		{"empty kind", []Endpoint{{Tenant: "acme", URL: good.URL, Secret: good.Secret, Kinds: []events.Kind{""}}}},
		{"duplicate", []Endpoint{good, good}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewOutbox(tc.eps, nil); !errors.Is(err, ErrEndpoint) {
				t.Fatalf("NewOutbox: %v, want ErrEndpoint", err)
			}
		})
	}
	if _, err := NewOutbox([]Endpoint{good}, nil); err != nil {
		t.Fatalf("good endpoint refused: %v", err)
	}
}

// TestRecordRoundTripAndTruncation: a record decodes to what was
// encoded, and every truncation of it or of its value is refused without
// a panic.
func TestRecordRoundTripAndTruncation(t *testing.T) {
	t.Parallel()
	ev := events.Event{Time: t0, Kind: events.KindClick, Campaign: "nov", Message: msgID(5), Rcpt: 7, Link: 300,
		Machine: true, Reason: "scanner", Proxy: "", IP: "2001:db8::/48", UAClass: "scanner", UA: "not sent"}
	v := newValue(t0.Add(time.Second).UnixNano(), 1)
	v, _ = appendRecord(v, nil, &ev)
	setCount(v, 1)
	count, queued, recs, err := header(v)
	if err != nil || count != 1 || !queued.Equal(t0.Add(time.Second)) {
		t.Fatalf("header: %d %v %v", count, queued, err)
	}
	rec, rest, ok := nextRecord(recs)
	if !ok || len(rest) != 0 {
		t.Fatalf("nextRecord: %v, %d left", ok, len(rest))
	}
	got, err := decodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := ev
	want.UA = ""
	if !got.Time.Equal(want.Time) {
		t.Fatalf("time %v", got.Time)
	}
	got.Time = want.Time
	if got != want {
		t.Fatalf("decoded %+v, want %+v", got, want)
	}
	for i := range rec {
		if _, err := decodeRecord(rec[:i]); err == nil {
			t.Fatalf("record truncated to %d bytes: accepted", i)
		}
	}
	if _, err := decodeRecord(append(bytes.Clone(rec), 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
	for i := range headerLen {
		if _, _, _, err := header(v[:i]); err == nil {
			t.Fatalf("value truncated to %d bytes: accepted", i)
		}
	}
	for i := range len(recs) {
		if _, _, ok := nextRecord(recs[:i]); ok {
			t.Fatalf("records truncated to %d bytes: framing accepted", i)
		}
	}
}

// TestAppendSplitsHugeBatches: more than maxPerValue entries of one tenant
// in one transaction make several values, read back in order with
// distinct ids.
func TestAppendSplitsHugeBatches(t *testing.T) {
	t.Parallel()
	db, err := events.Open(filepath.Join(t.TempDir(), "events.db"), events.Options{NoSync: true, Retention: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	out, err := NewOutbox([]Endpoint{endpoint("https://hooks.example/")}, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]events.Event, maxPerValue+5)
	for i := range batch {
		batch[i] = events.Event{Time: t0, Kind: events.KindOpen, Tenant: "acme", Message: uint64(i)}
	}
	if err := db.Update(func(tx *events.Tx) error { return out.Append(tx, batch) }); err != nil {
		t.Fatal(err)
	}
	r := out.routes["acme"]
	if n, _, err := out.depth(db, r); err != nil || n != uint64(len(batch)) {
		t.Fatalf("depth %d %v", n, err)
	}
	h, err := out.readHead(db, r, len(batch), t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.live) != len(batch) || h.span != uint64(len(batch)) || h.to != (position{3, 0}) {
		t.Fatalf("read %d live, span %d, to %+v", len(h.live), h.span, h.to)
	}
	ids := map[string]bool{}
	for i, e := range h.live {
		if e.ev.Message != uint64(i) {
			t.Fatalf("entry %d is message %d", i, e.ev.Message)
		}
		ids[eventID(h.prefix, e.pos)] = true
	}
	if len(ids) != len(batch) {
		t.Fatalf("%d distinct ids for %d entries", len(ids), len(batch))
	}
	if err := out.advance(db, r, h.from, h.to); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := out.depth(db, r); n != 0 {
		t.Fatalf("depth %d after consuming everything", n)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n      int
		lo, hi time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{4, 4 * time.Second, 8 * time.Second},
		{10, 256 * time.Second, 512 * time.Second},
		{11, 5 * time.Minute, 10 * time.Minute}, // 1024s capped at 600s
		{1000, 5 * time.Minute, 10 * time.Minute},
	}
	for _, tc := range cases {
		for _, r := range []float64{0, 0.5, 0.999999} {
			got := backoff(tc.n, time.Second, 10*time.Minute, func() float64 { return r })
			if got < tc.lo || got > tc.hi {
				t.Errorf("backoff(%d) with jitter %v = %v, want in [%v, %v]", tc.n, r, got, tc.lo, tc.hi)
			}
		}
	}
}
