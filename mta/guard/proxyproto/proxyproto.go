// Package proxyproto parses the PROXY protocol header (HAProxy's "The
// PROXY protocol", versions 1 and 2) that a TCP proxy or load balancer
// puts before the client's bytes to say who the client is.
//
// It holds no state and does no I/O policy: it reads one header from a
// bufio.Reader and stops at its last byte, so what follows (the client's
// SMTP commands) stays in the reader. Whether to expect a header at all
// (only from configured proxies: a header from anyone else is a forgery)
// and how long to wait for it are the caller's decisions (mta/guard).
package proxyproto

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// Errors. Every malformed header wraps ErrMalformed.
var (
	// ErrNoHeader reports bytes that start neither a v1 nor a v2 header.
	ErrNoHeader = errors.New("proxyproto: no PROXY header")
	// ErrMalformed reports a header that starts like one but breaks the spec.
	ErrMalformed = errors.New("proxyproto: malformed PROXY header")
)

// Command says whether the header describes a proxied client.
type Command uint8

const (
	// Proxy: the connection carries a client's traffic; Source is the
	// client when Known.
	Proxy Command = iota
	// Local: the proxy's own connection (a health check); use the real
	// peer address (spec §2.2, command 0x0).
	Local
)

// Header is one parsed PROXY header.
type Header struct {
	Version int // 1 or 2
	Command Command
	// Known is true when Source and Destination hold TCP-over-IP
	// addresses; false for v1 UNKNOWN, v2 LOCAL, and v2 AF_UNSPEC/AF_UNIX,
	// whose connections keep their real peer address (spec §2.1, §2.2).
	Known       bool
	Source      netip.AddrPort
	Destination netip.AddrPort
}

// v2Sig is the 12-byte v2 signature (spec §2.2).
var v2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

// maxV1 is the longest v1 line, CRLF included (spec §2.1: 107 bytes).
const maxV1 = 107

// Read reads one header (v1 or v2) from r. On success r is positioned on
// the first byte after the header. It reads at most 16+65535 bytes (a v2
// header's largest size); TLVs are skipped unread into memory.
func Read(r *bufio.Reader) (Header, error) {
	// 12 bytes are enough to tell the versions apart, and shorter than
	// the shortest valid header of either ("PROXY UNKNOWN\r\n" is 15).
	sig, err := r.Peek(len(v2Sig))
	if err != nil {
		if len(sig) > 0 && !bytes.HasPrefix([]byte("PROXY "), sig) && !bytes.HasPrefix(v2Sig, sig) {
			return Header{}, ErrNoHeader
		}
		return Header{}, fmt.Errorf("proxyproto: reading header: %w", eofUnexpected(err))
	}
	switch {
	case bytes.Equal(sig, v2Sig):
		return readV2(r)
	case bytes.HasPrefix(sig, []byte("PROXY ")):
		return readV1(r)
	}
	return Header{}, ErrNoHeader
}

func eofUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readV1 parses "PROXY TCP4|TCP6|UNKNOWN ... \r\n" (spec §2.1).
func readV1(r *bufio.Reader) (Header, error) {
	var line []byte
	for {
		b, err := r.ReadByte()
		if err != nil {
			return Header{}, fmt.Errorf("proxyproto: reading v1 header: %w", eofUnexpected(err))
		}
		line = append(line, b)
		if b == '\n' {
			break
		}
		if len(line) >= maxV1 {
			return Header{}, fmt.Errorf("%w: v1 line longer than %d bytes", ErrMalformed, maxV1)
		}
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return Header{}, fmt.Errorf("%w: v1 line not ended by CRLF", ErrMalformed)
	}
	f := strings.Split(string(line[:len(line)-2]), " ")
	h := Header{Version: 1, Command: Proxy}
	if len(f) >= 2 && f[1] == "UNKNOWN" {
		// Anything may follow UNKNOWN; the receiver ignores it (§2.1).
		return h, nil
	}
	if len(f) != 6 {
		return Header{}, fmt.Errorf("%w: v1 needs 6 fields, got %d", ErrMalformed, len(f))
	}
	var want4 bool
	switch f[1] {
	case "TCP4":
		want4 = true
	case "TCP6":
	default:
		return Header{}, fmt.Errorf("%w: v1 protocol %q", ErrMalformed, f[1])
	}
	src, err1 := v1Addr(f[2], f[4], want4)
	dst, err2 := v1Addr(f[3], f[5], want4)
	if err := errors.Join(err1, err2); err != nil {
		return Header{}, err
	}
	h.Known, h.Source, h.Destination = true, src, dst
	return h, nil
}

func v1Addr(ip, port string, want4 bool) (netip.AddrPort, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Zone() != "" || a.Is4() != want4 {
		return netip.AddrPort{}, fmt.Errorf("%w: v1 address %q", ErrMalformed, ip)
	}
	// Ports are 0..65535 in decimal with no leading zero (§2.1).
	if port == "" || len(port) > 5 || (len(port) > 1 && port[0] == '0') {
		return netip.AddrPort{}, fmt.Errorf("%w: v1 port %q", ErrMalformed, port)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || strings.ContainsAny(port, "+-") {
		return netip.AddrPort{}, fmt.Errorf("%w: v1 port %q", ErrMalformed, port)
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}

// readV2 parses the binary header (spec §2.2): signature, version and
// command, family and protocol, length, addresses, then TLVs (skipped).
func readV2(r *bufio.Reader) (Header, error) {
	var fixed [16]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return Header{}, fmt.Errorf("proxyproto: reading v2 header: %w", eofUnexpected(err))
	}
	if fixed[12]>>4 != 2 {
		return Header{}, fmt.Errorf("%w: v2 version %d", ErrMalformed, fixed[12]>>4)
	}
	h := Header{Version: 2}
	switch fixed[12] & 0xf {
	case 0:
		h.Command = Local
	case 1:
		h.Command = Proxy
	default:
		return Header{}, fmt.Errorf("%w: v2 command %d", ErrMalformed, fixed[12]&0xf)
	}
	family, proto := fixed[13]>>4, fixed[13]&0xf
	n := int(binary.BigEndian.Uint16(fixed[14:16]))
	var addrLen int
	switch family {
	case 0x1: // AF_INET
		addrLen = 12
	case 0x2: // AF_INET6
		addrLen = 36
	case 0x0, 0x3: // AF_UNSPEC, AF_UNIX: no usable address
	default:
		return Header{}, fmt.Errorf("%w: v2 family %d", ErrMalformed, family)
	}
	if proto > 2 {
		return Header{}, fmt.Errorf("%w: v2 protocol %d", ErrMalformed, proto)
	}
	if n < addrLen {
		return Header{}, fmt.Errorf("%w: v2 length %d shorter than its addresses", ErrMalformed, n)
	}
	var ab [36]byte
	if _, err := io.ReadFull(r, ab[:addrLen]); err != nil {
		return Header{}, fmt.Errorf("proxyproto: reading v2 addresses: %w", eofUnexpected(err))
	}
	// TLVs (§2.2.7) carry nothing sluice uses: skip them.
	if _, err := r.Discard(n - addrLen); err != nil {
		return Header{}, fmt.Errorf("proxyproto: skipping v2 TLVs: %w", eofUnexpected(err))
	}
	// LOCAL ignores the address block; only TCP (STREAM) over IP names a
	// client this server can use (UDP is not a mail client).
	if h.Command == Local || addrLen == 0 || proto != 1 {
		return h, nil
	}
	h.Known = true
	if family == 0x1 {
		h.Source = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ab[0:4])), binary.BigEndian.Uint16(ab[8:10]))
		h.Destination = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ab[4:8])), binary.BigEndian.Uint16(ab[10:12]))
	} else {
		h.Source = netip.AddrPortFrom(netip.AddrFrom16([16]byte(ab[0:16])), binary.BigEndian.Uint16(ab[32:34]))
		h.Destination = netip.AddrPortFrom(netip.AddrFrom16([16]byte(ab[16:32])), binary.BigEndian.Uint16(ab[34:36]))
	}
	return h, nil
}

// AppendV1 appends h as a v1 line; AppendV2 as a v2 header. Proxies in
// tests (and sluice's own, should it ever forward) build headers with them.
func AppendV1(b []byte, h Header) []byte {
	if !h.Known {
		return append(b, "PROXY UNKNOWN\r\n"...)
	}
	proto := "TCP6"
	if h.Source.Addr().Is4() {
		proto = "TCP4"
	}
	return fmt.Appendf(b, "PROXY %s %s %s %d %d\r\n", proto, h.Source.Addr(), h.Destination.Addr(), h.Source.Port(), h.Destination.Port())
}

// AppendV2 appends h as a v2 header with no TLVs.
func AppendV2(b []byte, h Header) []byte {
	b = append(b, v2Sig...)
	if h.Command == Local || !h.Known {
		cmd := byte(0x21)
		if h.Command == Local {
			cmd = 0x20
		}
		return append(b, cmd, 0x00, 0, 0)
	}
	s, d := h.Source.Addr(), h.Destination.Addr()
	if s.Is4() {
		b = append(b, 0x21, 0x11, 0, 12)
		b = append(b, s.AsSlice()...)
		b = append(b, d.AsSlice()...)
	} else {
		b = append(b, 0x21, 0x21, 0, 36)
		s16, d16 := s.As16(), d.As16()
		b = append(b, s16[:]...)
		b = append(b, d16[:]...)
	}
	b = binary.BigEndian.AppendUint16(b, h.Source.Port())
	return binary.BigEndian.AppendUint16(b, h.Destination.Port())
}
