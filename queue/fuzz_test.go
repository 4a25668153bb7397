package queue

import (
	"testing"
	"time"
)

// The spool's record decoders read bytes from disk that a crash, a bad
// disk or an older version may have damaged: they must refuse them, never
// panic, and agree with their encoders on what they accept.

func FuzzDecodeMeta(f *testing.F) {
	m := meta{Created: time.Unix(1700000000, 5), Tenant: "acme", From: "a@b.example", Stream: Transactional,
		Flags: FlagSMTPUTF8, Rcpts: 3, Pending: 2, Size: 5120, Pool: "bulk"}
	f.Add(m.encode())
	m.Pool = ""
	f.Add(m.encode())
	f.Add([]byte{recVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := decodeMeta(b)
		if err != nil {
			return
		}
		again, err := decodeMeta(md.encode())
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !again.Created.Equal(md.Created) {
			t.Fatalf("created %v != %v", again.Created, md.Created)
		}
		again.Created = md.Created
		if again != md {
			t.Fatalf("round trip %+v != %+v", again, md)
		}
	})
}

func FuzzDecodeRcpt(f *testing.F) {
	r := rcpt{Addr: "a@b.example", State: Deferred, Attempts: 2, Next: 1700000000, LastCode: 451, LastReply: "try later", Updated: 17}
	f.Add(r.encode())
	f.Add([]byte{recVersion, byte(Queued)})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeRcpt(b)
		if err != nil {
			return
		}
		again, err := decodeRcpt(c.encode())
		if err != nil || again != c {
			t.Fatalf("round trip %+v != %+v (%v)", again, c, err)
		}
	})
}

func FuzzDecodeJournal(f *testing.F) {
	for _, e := range []JournalEntry{
		{Kind: JournalSent, Time: time.Unix(1700000000, 0), Tenant: "acme", ID: 99, Rcpts: 3, Campaign: "nov"},
		{Kind: JournalFailed, Time: time.Unix(1700000001, 0), Tenant: "acme", ID: 99, Index: 2, Attempt: 4,
			Code: 550, Enhanced: "5.1.1", Reply: "no such user", MX: "mx.example"},
		{Kind: JournalDelivered, Time: time.Unix(1700000002, 0), Tenant: "acme", ID: 99, Attempt: 1, Code: 250, MX: "mx.example",
			TLS: TLSInfo{Used: true, Version: 0x0304, Cipher: 0x1301, Policy: "dane", Result: "success"}, Rerouted: "warm-up"},
	} {
		f.Add(encodeJournal(&e))
	}
	f.Add([]byte{journalVersion, byte(JournalDeleted)})
	f.Add([]byte("\x01\x03\xaa\xb4\xae\xd8\xc7\xbf\xce\x97\x2f\x2a\x07\x00\x03\xc3\x03\x04acme\x00\x054.2.2\x0cmailbox full\x0amx.example")) // version 1
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeJournal(b)
		if err != nil {
			return
		}
		again, err := decodeJournal(encodeJournal(&e))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !again.Time.Equal(e.Time) {
			t.Fatalf("time %v != %v", again.Time, e.Time)
		}
		again.Time = e.Time
		if again != e {
			t.Fatalf("round trip %+v != %+v", again, e)
		}
	})
}
