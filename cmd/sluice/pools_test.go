package main

import (
	"fmt"
	"testing"
	"time"

	"sluice/configs"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

// TestEgressPools binds two loopback sources in one pool and checks that
// the sink sees connections from each, and that a tenant cannot pick a
// pool it was not given.
func TestEgressPools(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Sources = []configs.Source{{Name: "s2", Address: "127.0.0.2"}, {Name: "s3", Address: "127.0.0.3", HeloName: "out3.sluice.test"}}
		cfg.Pools = []configs.Pool{{Name: "bulk", Sources: []string{"s2", "s3"}}, {Name: "vip", Sources: []string{"s3"}}}
		cfg.Delivery.DefaultPool = "bulk"
		cfg.Delivery.MaxMessagesPerConnection = 1 // a new connection per message: both sources get used
		cfg.Tenants[0].Pools = []string{"bulk"}
	})
	const n = 10
	for i := 0; i < n; i++ {
		to := fmt.Sprintf("p%d@example.test", i)
		if _, err := tn.submit("news@acme.example", []string{to}, plainMessage(to)); err != nil {
			t.Fatal(err)
		}
	}
	got := tn.sink.WaitRcpts(n, 10*time.Second)
	if len(got) != n {
		t.Fatalf("sink got %d of %d", len(got), n)
	}
	peers := tn.sink.Peers()
	if peers["127.0.0.2"] == 0 || peers["127.0.0.3"] == 0 || peers["127.0.0.1"] != 0 {
		t.Fatalf("connections by source address: %v, want both 127.0.0.2 and 127.0.0.3 and nothing else", peers)
	}
	helos := map[string]bool{}
	for _, m := range got {
		helos[m.Helo] = true
	}
	if !helos["out3.sluice.test"] || !helos["mta.sluice.test"] {
		t.Errorf("EHLO names %v: want each source's own", helos)
	}
	msg := "X-Sluice-Pool: vip\r\n" + plainMessage("x@example.test")
	if _, err := tn.submit("news@acme.example", []string{"x@example.test"}, msg); mtatest.Code(err) != 550 {
		t.Fatalf("a pool the tenant was not given: %v, want 550", err)
	}
}
