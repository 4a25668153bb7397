package proxyproto

import (
	"bufio"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	t.Parallel()
	v4 := Header{Version: 2, Command: Proxy, Known: true,
		Source: netip.MustParseAddrPort("192.0.2.7:40000"), Destination: netip.MustParseAddrPort("198.51.100.1:587")}
	v6 := Header{Version: 2, Command: Proxy, Known: true,
		Source: netip.MustParseAddrPort("[2001:db8::7]:40000"), Destination: netip.MustParseAddrPort("[2001:db8::1]:587")}
	withTLV := AppendV2(nil, v4)
	withTLV[15] += 7 // one TLV: type, length 4, value
	withTLV = append(withTLV, 0x04, 0x00, 0x04, 'a', 'b', 'c', 'd')
	tests := []struct {
		name string
		in   string
		want Header
		err  error // nil: success
	}{
		{"v1 tcp4", "PROXY TCP4 192.0.2.7 198.51.100.1 40000 587\r\n", Header{Version: 1, Command: Proxy, Known: true, Source: v4.Source, Destination: v4.Destination}, nil},
		{"v1 tcp6", "PROXY TCP6 2001:db8::7 2001:db8::1 40000 587\r\n", Header{Version: 1, Command: Proxy, Known: true, Source: v6.Source, Destination: v6.Destination}, nil},
		{"v1 unknown", "PROXY UNKNOWN\r\n", Header{Version: 1, Command: Proxy}, nil},
		{"v1 unknown with junk", "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", Header{Version: 1, Command: Proxy}, nil},
		{"v2 tcp4", string(AppendV2(nil, v4)), v4, nil},
		{"v2 tcp6", string(AppendV2(nil, v6)), v6, nil},
		{"v2 tlv skipped", string(withTLV), v4, nil},
		{"v2 local", string(AppendV2(nil, Header{Command: Local})), Header{Version: 2, Command: Local}, nil},
		{"v2 unspec", string(AppendV2(nil, Header{})), Header{Version: 2, Command: Proxy}, nil},
		{"smtp instead", "EHLO client.example\r\n", Header{}, ErrNoHeader},
		{"short non-header", "QUIT", Header{}, ErrNoHeader},
		{"v1 truncated", "PROXY TCP4 192.0.2.7", Header{}, io.ErrUnexpectedEOF},
		{"v1 bare LF", "PROXY TCP4 192.0.2.7 198.51.100.1 40000 587\n", Header{}, ErrMalformed},
		{"v1 too long", "PROXY UNKNOWN " + strings.Repeat("x", 200) + "\r\n", Header{}, ErrMalformed},
		{"v1 family mismatch", "PROXY TCP4 2001:db8::7 198.51.100.1 40000 587\r\n", Header{}, ErrMalformed},
		{"v1 port too big", "PROXY TCP4 192.0.2.7 198.51.100.1 65536 587\r\n", Header{}, ErrMalformed},
		{"v1 port leading zero", "PROXY TCP4 192.0.2.7 198.51.100.1 0587 587\r\n", Header{}, ErrMalformed},
		{"v1 port sign", "PROXY TCP4 192.0.2.7 198.51.100.1 +587 587\r\n", Header{}, ErrMalformed},
		{"v1 zone", "PROXY TCP6 fe80::1%eth0 2001:db8::1 1 2\r\n", Header{}, ErrMalformed},
		{"v1 extra field", "PROXY TCP4 192.0.2.7 198.51.100.1 1 2 3\r\n", Header{}, ErrMalformed},
		{"v1 udp", "PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n", Header{}, ErrMalformed},
		{"v2 bad version", string(append(append([]byte{}, v2Sig...), 0x11, 0x11, 0, 0)), Header{}, ErrMalformed},
		{"v2 bad command", string(append(append([]byte{}, v2Sig...), 0x22, 0x11, 0, 12)), Header{}, ErrMalformed},
		{"v2 short length", string(append(append([]byte{}, v2Sig...), 0x21, 0x11, 0, 4, 1, 2, 3, 4)), Header{}, ErrMalformed},
		{"v2 truncated", string(AppendV2(nil, v6)[:30]), Header{}, io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := bufio.NewReader(strings.NewReader(tc.in + "EHLO x\r\n"))
			if tc.err != nil {
				// Truncated cases must not see the trailing EHLO.
				if tc.err == io.ErrUnexpectedEOF {
					r = bufio.NewReader(strings.NewReader(tc.in))
				}
				_, err := Read(r)
				if !errors.Is(err, tc.err) {
					t.Fatalf("Read(%q) error = %v, want %v", tc.in, err, tc.err)
				}
				return
			}
			h, err := Read(r)
			if err != nil {
				t.Fatalf("Read(%q): %v", tc.in, err)
			}
			if h != tc.want {
				t.Fatalf("Read(%q) = %+v, want %+v", tc.in, h, tc.want)
			}
			rest, _ := io.ReadAll(r)
			if string(rest) != "EHLO x\r\n" {
				t.Fatalf("after the header the reader holds %q, want the client's EHLO", rest)
			}
		})
	}
}

func TestAppendV1RoundTrip(t *testing.T) {
	t.Parallel()
	h := Header{Version: 1, Command: Proxy, Known: true,
		Source: netip.MustParseAddrPort("[2001:db8::7]:1"), Destination: netip.MustParseAddrPort("[2001:db8::1]:25")}
	got, err := Read(bufio.NewReader(strings.NewReader(string(AppendV1(nil, h)))))
	if err != nil || got != h {
		t.Fatalf("round trip = %+v, %v; want %+v", got, err, h)
	}
}
