package mtatest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
)

// FreeAddr returns a loopback TCP address that was free a moment ago, for a
// child process that must be told its listen address in a config file.
//
// The port is drawn below Linux's default ephemeral range (32768–60999):
// a port picked with Listen(":0") lies inside that range, where any
// outgoing connection made meanwhile by a parallel test package may take
// it before the child binds it ("address already in use" on a loaded CI
// machine). Ports below the range are handed out only by explicit binds.
func FreeAddr(t testing.TB) string {
	t.Helper()
	for range 200 {
		port := 20000 + rand.IntN(12000)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
