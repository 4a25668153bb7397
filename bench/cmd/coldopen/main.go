// Command coldopen measures how long the spool takes to open after a
// crash, from the page cache or from disk (issue 19: "restart → a
// submission accepted within 1 s"). A crash leaves bbolt's file saying
// "no freelist" (the spool commits with NoFreelistSync), and opening it
// then walks every page to rebuild the freelist.
//
//	coldopen -spool DIR/spool.db -stale   leave the file as a crash would
//	                                      (one commit, no Close)
//	coldopen -spool DIR/spool.db [-drop]  time queue.Open (and Close);
//	                                      -drop empties the page cache
//	                                      first (root only)
//
// Fill DIR first with bench/cmd/deepspool.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"sluice/queue"
)

func main() {
	spool := flag.String("spool", "", "the spool file (DIR/spool.db)")
	stale := flag.Bool("stale", false, "make one commit without writing the freelist and exit without closing")
	drop := flag.Bool("drop", false, "drop the page cache before opening (needs root)")
	flag.Parse()
	if *spool == "" {
		log.Fatal("coldopen: -spool is required")
	}
	if *stale {
		db, err := bolt.Open(*spool, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
		if err != nil {
			log.Fatal(err)
		}
		if err := db.Update(func(*bolt.Tx) error { return nil }); err != nil {
			log.Fatal(err)
		}
		os.Exit(0) // no Close: the file says "no freelist", as after kill -9
	}
	if *drop {
		if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0); err != nil {
			log.Fatalf("coldopen: drop caches: %v", err)
		}
	}
	start := time.Now()
	s, err := queue.Open(*spool, queue.Options{})
	if err != nil {
		log.Fatal(err)
	}
	opened := time.Since(start)
	if err := s.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("open %.3f s, close %.3f s\n", opened.Seconds(), (time.Since(start) - opened).Seconds())
}
