package delivery

import (
	"fmt"
	"maps"
	"net/netip"
	"strings"
	"testing"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
	"sluice/queue"
)

// TestPoolsPickSourcesInTurn: two loopback sources, s2 and s3 (with its
// own EHLO name), a pool "bulk" of both and a pool "solo" of s3, which is
// the default. A bulk message leaves from each source in turn (exactly
// half each, one connection per message); a message without a pool, or
// with a pool that no longer exists, leaves from the default pool. The
// receiver sees each source's address and EHLO name, the events name the
// source, and shaping keeps its state per (source, site).
func TestPoolsPickSourcesInTurn(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	var pol *shaping.Policy
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		cfg.Dial = nil // bind each source's address
		cfg.Sources = []Source{
			{Name: "s2", Addr: netip.MustParseAddr("127.0.0.2")},
			{Name: "s3", Addr: netip.MustParseAddr("127.0.0.3"), HeloName: "out3.sluice.test"},
		}
		cfg.Pools = map[string][]string{"bulk": {"s2", "s3"}, "solo": {"s3"}}
		cfg.DefaultPool = "solo"
		// A connection per message, each showing its source. With shaping
		// the rule's limit governs, not MaxMsgsPerConn.
		pol = newPolicy(t, h, []shaping.Rule{{Name: shaping.DefaultRuleName, MaxMessagesPerConn: 1}})
		cfg.Shaping = pol
	})
	want := map[string]string{} // rcpt → source, "" for either bulk source
	for i := range 10 {
		rcpt := fmt.Sprintf("b%d@example.test", i)
		h.enqueue([]string{rcpt}, func(m *queue.Message) { m.Pool = "bulk" })
		want[rcpt] = ""
	}
	for i, pool := range []string{"", "", "gone", "gone"} {
		rcpt := fmt.Sprintf("d%d@example.test", i)
		h.enqueue([]string{rcpt}, func(m *queue.Message) { m.Pool = pool })
		want[rcpt] = "s3"
	}
	h.start()
	bySource := map[string]int{}
	source := map[string]string{}
	for rcpt, src := range want {
		ev := h.events.wait(t, rcpt, 1, "delivered")
		if src != "" && ev.Source != src {
			t.Errorf("%s left from %q, want the default pool's %q", rcpt, ev.Source, src)
		}
		if src == "" {
			bySource[ev.Source]++
		}
		source[rcpt] = ev.Source
	}
	if bySource["s2"] != 5 || bySource["s3"] != 5 {
		t.Errorf("bulk messages by source %v, want 5 from each in turn", bySource)
	}
	if got, want := sink.Peers(), map[string]int{"127.0.0.2": 5, "127.0.0.3": 9}; !maps.Equal(got, want) {
		t.Errorf("connections by address %v, want %v", got, want)
	}
	helo := map[string]string{"s2": "mta.sluice.test", "s3": "out3.sluice.test"}
	for _, m := range sink.Messages() {
		if src := source[m.To[0]]; m.Helo != helo[src] {
			t.Errorf("%s from %s said EHLO %s, want %s", m.To[0], src, m.Helo, helo[src])
		}
	}
	delivered := map[string]uint64{}
	for _, st := range pol.Status() {
		if !strings.Contains(st.Key.Site.Name(), "mx1.example.test") {
			t.Errorf("shaping site %q, want the MX's", st.Key.Site.Name())
		}
		delivered[st.Key.Source] += st.Counts.Delivered
	}
	if delivered["s2"] != 5 || delivered["s3"] != 9 {
		t.Errorf("shaping saw deliveries by source %v, want s2:5 s3:9", delivered)
	}
}
