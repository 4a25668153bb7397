package queue

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Directory entries as they sit on disk, frozen: entries written before
// the delivery extension (and after it, by a recipient not delivered yet)
// must read forever, and the base part must stay what older readers
// (matchDir, a rolled-back binary) understand.
const (
	frozenDirBase     = "\x01\x01\x04acme\x0fbob@example.net"              // recVersion, Transactional, tenant, address
	frozenDirDelivery = frozenDirBase + "\x01\x06src-a1\x05gmail"          // + dirDeliveryVersion, source, site
	frozenDirFuture   = frozenDirBase + "\x07whatever a later version has" // an extension this reader does not know
)

func TestDirectoryFrozenBytes(t *testing.T) {
	t.Parallel()
	if got := string(encodeDir("acme", "bob@example.net", Transactional)); got != frozenDirBase {
		t.Fatalf("encodeDir = %q, want the frozen %q", got, frozenDirBase)
	}
	base := Recipient{Tenant: "acme", Addr: "bob@example.net", Stream: Transactional}
	withDelivery := base
	withDelivery.Source, withDelivery.Site = "src-a1", "gmail"
	for _, tc := range []struct {
		name string
		v    string
		want Recipient
		ok   bool
	}{
		{"base entry", frozenDirBase, base, true},
		{"delivered entry", frozenDirDelivery, withDelivery, true},
		{"unknown extension", frozenDirFuture, base, true},
		{"truncated extension", frozenDirBase + "\x01\x06src", base, true},
		{"other base version", "\x02" + frozenDirBase[1:], Recipient{}, false},
		{"truncated base", frozenDirBase[:8], Recipient{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got Recipient
			ok := decodeDir([]byte(tc.v), &got)
			if ok != tc.ok || ok && got != tc.want {
				t.Fatalf("decodeDir = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
			if !tc.ok {
				return
			}
			// The erasure scan reads the base part only.
			if st, a, ok := matchDir([]byte(tc.v), "acme", "bob@example.net"); !ok || st != Transactional || a != "bob@example.net" {
				t.Fatalf("matchDir = %v, %q, %v", st, a, ok)
			}
		})
	}
}

// Complete records the (source, site) of a delivered recipient in its
// directory entry, next to what enqueue wrote; failed and deferred
// recipients, results without a site and names past the bound record
// nothing; an entry written before the extension existed gains it.
func TestCompleteRecordsDeliverySource(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	rcpts := []string{"a@example.net", "b@example.net", "c@example.net", "d@example.net", "e@example.net", "f@example.net"}
	id := enqueue(t, s, clk, rcpts...)
	// f's entry is the frozen one of an older binary (same tenant and
	// stream as enqueue wrote; its own address).
	old := "\x01\x00\x04acme\x0df@example.net"
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketDir).Put(rcptKey(id, 5), []byte(old)) }); err != nil {
		t.Fatal(err)
	}
	if w := mustClaim(t, s); len(w) != 1 || len(w[0].Rcpts) != len(rcpts) {
		t.Fatalf("claimed %+v", w)
	}
	long := strings.Repeat("mx.example.net,", 20)
	err := s.Complete(ctx, []Result{
		{ID: id, Index: 0, Outcome: OutcomeDelivered, Code: 250, Source: "src-a1", Site: "gmail"},
		{ID: id, Index: 1, Outcome: OutcomeFailed, Code: 550, Source: "src-a1", Site: "gmail"},
		{ID: id, Index: 2, Outcome: OutcomeDeferred, Code: 451, Source: "src-a1", Site: "gmail"},
		{ID: id, Index: 3, Outcome: OutcomeDelivered, Code: 250},
		{ID: id, Index: 4, Outcome: OutcomeDelivered, Code: 250, Source: "src-a1", Site: long},
		{ID: id, Index: 5, Outcome: OutcomeDelivered, Code: 250, Source: "src-b2", Site: "mx1.example.org"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ source, site string }{{"src-a1", "gmail"}, {}, {}, {}, {}, {"src-b2", "mx1.example.org"}}
	for i, w := range want {
		rec, ok := s.LookupRecipient(id, uint32(i))
		if !ok || rec.Addr != rcpts[i] || rec.Tenant != "acme" || rec.Source != w.source || rec.Site != w.site {
			t.Errorf("LookupRecipient(%d) = %+v, %v; want %s with source %q site %q", i, rec, ok, rcpts[i], w.source, w.site)
		}
		if rec, ok := s.FindRecipient(id, strings.ToUpper(rcpts[i])); !ok || rec.Index != uint32(i) || rec.Source != w.source || rec.Site != w.site {
			t.Errorf("FindRecipient(%s) = %+v, %v", rcpts[i], rec, ok)
		}
	}
	// A replayed completion (the recipient is no longer in flight) changes
	// nothing.
	if err := s.Complete(ctx, []Result{{ID: id, Index: 0, Outcome: OutcomeDelivered, Source: "src-zz", Site: "yahoo"}}); err != nil {
		t.Fatal(err)
	}
	if rec, _ := s.LookupRecipient(id, 0); rec.Source != "src-a1" || rec.Site != "gmail" {
		t.Fatalf("after a replay: %+v", rec)
	}
}

// FuzzDecodeDir: any stored bytes decode without a panic, and a delivered
// entry rebuilt by recordDelivery reads back its names and base fields.
func FuzzDecodeDir(f *testing.F) {
	for _, s := range []string{frozenDirBase, frozenDirDelivery, frozenDirFuture, "", "\x01"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var rec Recipient
		ok := decodeDir(v, &rec)
		base, bok := dirBase(v)
		if ok != bok {
			t.Fatalf("decodeDir ok=%v, dirBase ok=%v", ok, bok)
		}
		if !ok {
			return
		}
		b := append(append([]byte{}, base...), dirDeliveryVersion)
		b = putString(putString(b, "src"), "site")
		var again Recipient
		if !decodeDir(b, &again) || again.Source != "src" || again.Site != "site" ||
			again.Tenant != rec.Tenant || again.Addr != rec.Addr || again.Stream != rec.Stream {
			t.Fatalf("rebuilt %+v from %+v", again, rec)
		}
	})
}
