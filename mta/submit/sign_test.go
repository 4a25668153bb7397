package submit

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"log/slog"
	"testing"
	"time"

	"sluice/dkim"
	"sluice/queue"
)

// Signing into the headroom prepare leaves (sized by the signer's
// FieldsLen) gives the same bytes as prepending to a copy, and a message
// whose signatures do not fit the room is signed into a copy.
func TestSignIntoRoom(t *testing.T) {
	var keys []dkim.Key
	for i, bits := range []int{2048, 3072, 3072} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, dkim.Key{Domain: "acme.example", Selector: string(rune('a' + i)), Signer: k})
	}
	now := time.Unix(1795000000, 0)
	raw := []byte("From: a@acme.example\r\nTo: b@x.example\r\nSubject: hi\r\n\r\nbody\r\n")
	ri := receivedInfo{helo: "h", remoteIP: "127.0.0.1", hostname: "mx", id: "1", protocol: "ESMTP", date: now}
	for _, tc := range []struct {
		name   string
		keys   []dkim.Key
		inRoom bool
	}{
		{"one key", keys[:1], true},
		{"three keys, 2.3 KB of fields", keys, true},
		{"a repeated signed field: more than the room", keys, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signer, err := dkim.NewSigner(dkim.Options{Keys: tc.keys, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			s := &Session{b: &Backend{log: slog.New(slog.DiscardHandler)}, tenant: &Tenant{Name: "acme", Signer: signer}}
			raw := raw
			if !tc.inRoom {
				// Each To is listed in h=: more than FieldsLen allows for.
				raw = append(bytes.Repeat([]byte("To: c@x.example\r\n"), 200), raw...)
			}
			p := prepare(raw, ri, s.signRoom())
			if p.room == nil {
				t.Fatal("prepare left no room")
			}
			msg := append([]byte(nil), p.msg...)
			inPlace, err := s.sign(queue.ID(1), p.msg, p.room)
			if err != nil {
				t.Fatal(err)
			}
			copied, err := s.sign(queue.ID(1), msg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(inPlace, copied) || !bytes.HasSuffix(inPlace, msg) {
				t.Fatal("signing into the room gave other bytes than signing a copy")
			}
			// Written into the room: the result ends where the room's
			// message does, in the same backing array.
			sameArray := &inPlace[len(inPlace)-1] == &p.room[len(p.room)-1]
			if sameArray != tc.inRoom {
				t.Fatalf("signed in place = %v, want %v (%d bytes of fields, %d of room)",
					sameArray, tc.inRoom, len(inPlace)-len(msg), len(p.room)-len(p.msg))
			}
		})
	}
}
