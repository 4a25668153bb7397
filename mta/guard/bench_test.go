package guard

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"
)

// BenchmarkAccept: one loopback connection through the Listener (dial,
// admit, hand to Accept, close and release), against a bare listener.
func BenchmarkAccept(b *testing.B) {
	for _, guarded := range []bool{false, true} {
		name := "bare"
		if guarded {
			name = "guard"
		}
		b.Run(name, func(b *testing.B) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			var l net.Listener = inner
			if guarded {
				if l, err = Listen(inner, ListenerConfig{MaxConns: 1000, MaxPreAuth: 900, MaxConnsPerAddr: 100, MaxPreAuthPerAddr: 100}); err != nil {
					b.Fatal(err)
				}
			}
			defer l.Close()
			b.ReportAllocs()
			for b.Loop() {
				c, err := net.Dial("tcp", l.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				s, err := l.Accept()
				if err != nil {
					b.Fatal(err)
				}
				s.Close()
				c.Close()
			}
		})
	}
}

// BenchmarkAdmit: the accounting alone (take and release), in parallel
// from many addresses.
func BenchmarkAdmit(b *testing.B) {
	l := &Listener{cfg: ListenerConfig{MaxConns: 1 << 20, MaxPreAuth: 1 << 20, MaxConnsPerAddr: 100}, addrs: map[netip.Prefix]*addrCount{}}
	l.group, _ = newGrouper(0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var i uint32
		for pb.Next() {
			i++
			c := &Conn{l: l, addr: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})}
			c.key = l.group.key(c.addr)
			if l.take(c) != "" {
				b.Fatal("refused")
			}
			l.release(c)
		}
	})
}

// BenchmarkThrottle: Begin and Succeeded for a client with a clean record
// (every successful AUTH pays this), and Begin and Failed for a guesser.
func BenchmarkThrottle(b *testing.B) {
	th, err := NewThrottle(ThrottleConfig{Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("clean", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			s := th.Session(netip.MustParseAddr("192.0.2.1"))
			for pb.Next() {
				a, err := s.Begin(context.Background(), "tenant")
				if err != nil {
					b.Fatal(err)
				}
				a.Succeeded()
			}
		})
	})
	b.Run("failing", func(b *testing.B) {
		b.ReportAllocs()
		var i uint32
		for b.Loop() {
			i++
			s := th.Session(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
			a, err := s.Begin(context.Background(), "tenant")
			if err != nil {
				continue
			}
			a.Failed()
		}
	})
}
