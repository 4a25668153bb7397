package delivery

import (
	"testing"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
)

// A delivered recipient's directory entry names the source and the
// shaping site of the accepted attempt (queue.Result.Source, Site), so a
// return that comes later can be charged to them; unshaped delivery
// records no site.
func TestDeliveredRecordsSourceAndSite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		shaped   bool
		wantSite string
	}{
		{"shaped", true, "gmail"},
		{"unshaped", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sink := mtatest.NewSink(t, mtatest.SinkOptions{})
			h := newHarness(t, func(h *harness, cfg *Config) {
				cfg.Port = sink.Port()
				if tc.shaped {
					cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: "gmail", MXPatterns: []string{"mx1.example.test"}}})
				}
			})
			id := h.enqueue([]string{"a@example.test", "b@example.test"}, nil)
			h.start()
			for i, rcpt := range []string{"a@example.test", "b@example.test"} {
				ev := h.events.wait(t, rcpt, 1, "delivered")
				rec, ok := h.store.LookupRecipient(id, uint32(i))
				wantSource := ev.Source // nothing is recorded without a site
				if !tc.shaped {
					wantSource = ""
				}
				if !ok || rec.Addr != rcpt || rec.Site != tc.wantSite || rec.Source != wantSource || tc.shaped && ev.Source == "" {
					t.Errorf("directory entry of %s = %+v, %v; want site %q, source %q", rcpt, rec, ok, tc.wantSite, wantSource)
				}
			}
		})
	}
}
