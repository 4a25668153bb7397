package mx_test

import (
	"context"
	"fmt"

	"sluice/mta/mx"
	"sluice/mta/mx/dnstest"
)

func ExampleResolver_LookupMX() {
	// A DNS server on loopback stands in for the recursive resolver.
	srv, err := dnstest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	srv.AddMX("example.com", 20, "mx2.example.com")
	srv.AddMX("example.com", 10, "mx1.example.com")
	srv.AddA("example.net", "192.0.2.1") // no MX: implicit MX
	srv.SetNullMX("example.org")         // accepts no mail

	r, err := mx.New(mx.Config{Servers: []string{srv.Addr()}})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, domain := range []string{"Example.COM", "example.net", "example.org", "nosuch.example"} {
		hosts, err := r.LookupMX(ctx, domain)
		if err != nil {
			// Permanent errors bounce the message; others defer it.
			fmt.Printf("%s: permanent=%v: %v\n", domain, mx.IsPermanent(err), err)
			continue
		}
		for _, h := range hosts {
			fmt.Printf("%s: %d %s implicit=%v\n", domain, h.Preference, h.Name, h.Implicit)
		}
	}
	// Output:
	// Example.COM: 10 mx1.example.com implicit=false
	// Example.COM: 20 mx2.example.com implicit=false
	// example.net: 0 example.net implicit=true
	// example.org: permanent=true: mx: lookup MX example.org: mx: domain accepts no mail (null MX)
	// nosuch.example: permanent=true: mx: lookup MX nosuch.example: mx: no such domain
}
