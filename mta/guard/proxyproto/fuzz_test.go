package proxyproto

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"testing"
)

// FuzzRead: no input panics, a header never consumes more than its own
// bytes, and every header Read accepts is re-encoded to one Read accepts
// the same way (the addresses a cap is keyed on survive a round trip).
func FuzzRead(f *testing.F) {
	v4 := Header{Command: Proxy, Known: true, Source: netip.MustParseAddrPort("192.0.2.7:40000"), Destination: netip.MustParseAddrPort("198.51.100.1:587")}
	v6 := Header{Command: Proxy, Known: true, Source: netip.MustParseAddrPort("[2001:db8::7]:1"), Destination: netip.MustParseAddrPort("[2001:db8::1]:25")}
	for _, s := range [][]byte{
		AppendV1(nil, v4), AppendV1(nil, v6), AppendV1(nil, Header{}),
		AppendV2(nil, v4), AppendV2(nil, v6), AppendV2(nil, Header{Command: Local}),
		[]byte("EHLO x\r\n"), []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nEHLO"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		h, err := Read(r)
		if err != nil {
			return
		}
		rest, _ := io.ReadAll(r)
		if !bytes.HasSuffix(in, rest) || len(rest) >= len(in) {
			t.Fatalf("Read consumed %d of %d bytes", len(in)-len(rest), len(in))
		}
		if !h.Known {
			return
		}
		enc := AppendV2(nil, h)
		if h.Version == 1 {
			enc = AppendV1(nil, h)
		}
		h2, err := Read(bufio.NewReader(bytes.NewReader(enc)))
		if err != nil || h2.Source != h.Source || h2.Destination != h.Destination {
			t.Fatalf("re-encoding %+v: got %+v, %v", h, h2, err)
		}
	})
}
