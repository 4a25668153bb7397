package tracking_test

import (
	"context"
	"log"
	"net"
	"time"

	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// Example wires an edge as `sluice serve` does: the spool's queue.Store
// takes unsubscribes, an events.Store takes opens and clicks.
func Example() {
	var spool *queue.Store // opened elsewhere: queue.Open(...)
	keys, err := token.NewKeyring(token.Key{ID: 1, Secret: []byte("32 random bytes from the config!")})
	if err != nil {
		log.Fatal(err)
	}
	store, err := events.Open("/var/lib/sluice/events.db", events.Options{})
	if err != nil {
		log.Fatal(err)
	}
	edge, err := tracking.New(tracking.Config{
		Keyring:    keys,
		Events:     store,
		Suppressor: spool,
		TenantName: func(id string) string { return map[string]string{"acme": "ACME Shop"}[id] },
		OnCount:    func(name string) { /* metrics: sluice_tracking_requests_total{result=name} */ },
	})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", ":8080")
	if err != nil {
		log.Fatal(err)
	}
	go edge.Serve(ln)

	// On SIGTERM: stop the edge, then write the last events, then close
	// the spool.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	edge.Shutdown(ctx)
	store.Close(ctx)
}
