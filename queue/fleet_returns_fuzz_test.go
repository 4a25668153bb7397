package queue

import (
	"bytes"
	"testing"
	"time"
)

// FuzzDecodeReturn: a return handed between nodes comes back from Redis;
// whatever is there decodes or fails, never panics, and what EncodeReturn
// wrote decodes to itself.
func FuzzDecodeReturn(f *testing.F) {
	f.Add(EncodeReturn(&Return{From: "", Rcpt: "b.tok@bounces.example", Received: time.Unix(1, 2), Data: []byte("Subject: x\r\n\r\nx\r\n")}))
	f.Add([]byte{recVersion})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ret, err := DecodeReturn(b)
		if err != nil {
			return
		}
		again, err := DecodeReturn(EncodeReturn(&ret))
		if err != nil || again.From != ret.From || again.Rcpt != ret.Rcpt || !again.Received.Equal(ret.Received) || !bytes.Equal(again.Data, ret.Data) {
			t.Fatalf("round trip: %+v → %+v (%v)", ret, again, err)
		}
	})
}
