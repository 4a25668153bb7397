package reputation

import (
	"context"
	"path/filepath"
	"testing"

	"sluice/tracking/events"
)

// Started as serve starts it (its events store behind an events.Ref, set
// once the store whose hook it is has opened), the guard counts what the
// store's writer hands it, and Stop returns once it has saved its
// windows: a guard loaded afterwards sees them.
func TestStartStop(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{}, domains("yahoo.com"))
	ref := &events.Ref{}
	f.g.d.Saver = ref
	ev, err := events.Open(filepath.Join(t.TempDir(), "events.db"), events.Options{Now: f.clk.Now, Retention: -1, NoSync: true,
		InTx: f.g.Hook(nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close(context.Background()) })
	ref.Set(ev)
	b := f.g.Start()
	for m := uint64(1); m <= 50; m++ {
		if !ev.Record(events.Event{Kind: events.KindDelivered, Tenant: "acme", Campaign: "c1", Message: m}) {
			t.Fatal("Record refused")
		}
	}
	if err := ev.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	g2, err := New(Config{}, Deps{Holds: f.spool, Receiver: domains("yahoo.com"), Saver: ref, Now: f.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.Load(); err != nil {
		t.Fatal(err)
	}
	st := g2.Status("acme")
	if len(st.Windows) == 0 || st.Windows[0].Delivered != 50 {
		t.Fatalf("windows after Stop and Load: %+v", st.Windows)
	}
	var none *Background
	if err := none.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}
