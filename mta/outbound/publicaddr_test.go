package outbound

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestPublicAddr(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"8.8.8.8":                true,
		"142.250.1.27":           true,
		"2a00:1450:4001:81c::1b": true,
		"::ffff:8.8.8.8":         true,
		"127.0.0.1":              false,
		"127.1.2.3":              false,
		"10.0.0.5":               false,
		"172.16.0.1":             false,
		"192.168.1.1":            false,
		"169.254.169.254":        false,
		"100.64.0.1":             false,
		"0.0.0.0":                false,
		"0.1.2.3":                false,
		"255.255.255.255":        false,
		"224.0.0.1":              false,
		"192.0.2.10":             false,
		"198.18.0.1":             false,
		"::1":                    false,
		"::":                     false,
		"::ffff:127.0.0.1":       false,
		"::ffff:10.1.1.1":        false,
		"fe80::1":                false,
		"fc00::1":                false,
		"fd12:3456::1":           false,
		"64:ff9b::a00:1":         false,
		"2002:a00:1::1":          false,
		"2001:db8::1":            false,
		"2001:0:4136:e378::1":    false, // Teredo
		"ff02::1":                false,
		"fec0::1":                false,
	} {
		if got := PublicAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("PublicAddr(%s) = %v, want %v", s, got, want)
		}
	}
	if PublicAddr(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
}

// PublicDialer refuses, after resolution, a connection to a loopback or
// private address, and says why.
func TestPublicDialerRefusesNonPublic(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	for _, host := range []string{"127.0.0.1", "localhost"} {
		c, err := PublicDialer(5*time.Second).DialContext(context.Background(), "tcp", net.JoinHostPort(host, port))
		if err == nil {
			c.Close()
			t.Fatalf("dialled %s", host)
		}
		if !errors.Is(err, ErrNonPublicAddr) {
			t.Fatalf("dial %s: %v, want ErrNonPublicAddr", host, err)
		}
	}
	select {
	case <-accepted:
		t.Fatal("a connection reached the loopback listener")
	default:
	}
}
