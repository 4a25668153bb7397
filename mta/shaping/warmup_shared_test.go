package shaping

import (
	"testing"
	"time"
)

// fakeWarmShared records what a Warmup asks of the fleet and grants
// whatever is left of one count per (source, site, day).
type fakeWarmShared struct {
	calls []string
	sent  map[string]int
}

func (f *fakeWarmShared) key(source, site string, day time.Time) string {
	return source + "|" + site + "|" + day.Format(dateLayout)
}

func (f *fakeWarmShared) Take(source, site string, day time.Time, n, allowance int) int {
	k := f.key(source, site, day)
	f.calls = append(f.calls, "take "+k)
	g := min(n, max(allowance-f.sent[k], 0))
	f.sent[k] += g
	return g
}

func (f *fakeWarmShared) Give(source, site string, day time.Time, n int) {
	k := f.key(source, site, day)
	f.calls = append(f.calls, "give "+k)
	f.sent[k] -= n
}

func (f *fakeWarmShared) Left(source, site string, day time.Time, allowance int) int {
	return allowance - f.sent[f.key(source, site, day)]
}

// TestWarmupConsultsSharedCounts: with SetShared, the fleet's count
// decides Take and Left (another node's messages count), for today's UTC
// day and the curve's allowance; a source warm or on no schedule, or a
// day with no allowance, never asks the fleet; a Give of yesterday's
// messages does not reach today's count.
func TestWarmupConsultsSharedCounts(t *testing.T) {
	t.Parallel()
	clk := newDayClock()
	w, err := NewWarmup(WarmupOptions{Now: clk.Now, Sources: []WarmupSource{
		{Name: "new", Curve: []int{5, 7}},
		{Name: "later", Start: clk.Now().Add(48 * time.Hour)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeWarmShared{sent: map[string]int{}}
	w.SetShared(f)
	today := utcDay(clk.Now())
	f.sent[f.key("new", "gmail", today)] = 3 // another node's messages
	if got := w.Take("new", "gmail", 4); got != 2 {
		t.Fatalf("Take = %d with 3 of 5 taken elsewhere, want 2", got)
	}
	if got := w.Left("new", "gmail"); got != 0 {
		t.Fatalf("Left = %d, want the fleet's 0", got)
	}
	calls := len(f.calls)
	if got := w.Take("old", "gmail", 9); got != 9 {
		t.Fatalf("a source on no schedule got %d of 9", got)
	}
	if got := w.Take("later", "gmail", 9); got != 0 {
		t.Fatalf("a source before its start got %d", got)
	}
	if len(f.calls) != calls {
		t.Fatalf("asked the fleet for a source it does not count: %v", f.calls[calls:])
	}
	clk.Set(clk.Now().Add(24 * time.Hour))
	w.Give("new", "gmail", 2) // taken yesterday
	if got := w.Take("new", "gmail", 9); got != 7 {
		t.Fatalf("day 2: Take = %d, want day 2's 7", got)
	}
	want := []string{"take new|gmail|" + today.Format(dateLayout), "take new|gmail|" + today.Add(24*time.Hour).Format(dateLayout)}
	if len(f.calls) != len(want) || f.calls[0] != want[0] || f.calls[1] != want[1] {
		t.Fatalf("fleet calls = %v, want %v", f.calls, want)
	}
	w.Give("new", "gmail", 3)
	if got := w.Left("new", "gmail"); got != 3 {
		t.Fatalf("Left after giving 3 back = %d, want 3", got)
	}
	if st := w.Status(); st[0].Source != "later" || st[1].Sites[0].Sent != 4 {
		t.Fatalf("Status = %+v, want this node's own 7 − 3 = 4 sent at gmail", st)
	}
}
