package main

import (
	"bufio"
	"flag"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"sluice/internal/clock"
)

// defaults returns the mix with its flag defaults.
func defaults(t *testing.T) mix {
	t.Helper()
	var m mix
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	m.register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := m.check(); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	return m
}

// TestMixDeterministic: the same seed and connection number give the
// same fates; another seed gives others.
func TestMixDeterministic(t *testing.T) {
	t.Parallel()
	m := defaults(t)
	draw := func(m mix) []int {
		var out []int
		for n := range uint64(200) {
			c := m.forConn(n)
			out = append(out, int(c.fate), b2i(c.tarpit), b2i(c.tls))
			for range 5 {
				tx := m.forTx(c.rng)
				out = append(out, int(tx.fate), int(tx.at), m.rcptReply(&tx))
			}
		}
		return out
	}
	a, b := draw(m), draw(m)
	if !equal(a, b) {
		t.Fatal("same seed, different fates")
	}
	m.seed = 2
	if equal(a, draw(m)) {
		t.Fatal("another seed, the same fates")
	}
}

// TestMixShares: over many draws each fate comes up about as often as its
// flag says, and about 80 % of transactions pass everything.
func TestMixShares(t *testing.T) {
	t.Parallel()
	m := defaults(t)
	const n = 200_000
	got := map[txFate]int{}
	rcpt := map[int]int{}
	c := m.forConn(7)
	for range n {
		tx := m.forTx(c.rng)
		got[tx.fate]++
		rcpt[m.rcptReply(&tx)]++
	}
	for fate, want := range map[txFate]float64{
		txMail4xx: m.mail4xx, txMail5xx: m.mail5xx, txData4xx: m.data4xx, txData5xx: m.data5xx,
		tx421: m.mid421, txHangup: m.hangup, txDropData: m.dropData, txReset: m.reset,
	} {
		share := float64(got[fate]) / n
		if math.Abs(share-want) > 4*math.Sqrt(want*(1-want)/n)+1e-4 {
			t.Errorf("fate %d: share %.4f, want %.4f", fate, share, want)
		}
	}
	if share := float64(rcpt[450]) / n; math.Abs(share-m.rcpt4xx) > 0.003 {
		t.Errorf("RCPT 450 share %.4f, want %.4f", share, m.rcpt4xx)
	}
	ok := float64(got[txOK]) / n * float64(rcpt[0]) / n * (1 - m.greylist)
	if ok < 0.75 || ok > 0.9 {
		t.Errorf("first-attempt acceptance %.3f, want about 0.8", ok)
	}
	grey := 0
	for k := range uint64(n) {
		if m.greylisted(k * 0x9e3779b97f4a7c15) {
			grey++
		}
	}
	if share := float64(grey) / n; math.Abs(share-m.greylist) > 0.003 {
		t.Errorf("greylisted share %.4f, want %.4f", share, m.greylist)
	}
}

// TestMixCheck refuses shares out of range and sums over 1.
func TestMixCheck(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-greylist", "1.5"}, {"-rcpt-4xx", "-0.1"}, {"-hangup", "0.6", "-reset", "0.6"},
		{"-rcpt-4xx", "0.7", "-rcpt-5xx", "0.7"}, {"-tarpit-delay", "-1s"},
	} {
		_, err := parseFlags(args, io.Discard)
		if err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// TestGreylist: refused the first time and until the delay passed, then
// passing for good.
func TestGreylist(t *testing.T) {
	t.Parallel()
	now := clock.Now()
	g := newGreylist(3*time.Second, func() time.Time { return now })
	steps := []struct {
		advance time.Duration
		want    bool
	}{{0, false}, {time.Second, false}, {2 * time.Second, true}, {time.Hour, true}}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := g.pass(42); got != s.want {
			t.Fatalf("step %d: pass = %v, want %v", i, got, s.want)
		}
	}
	if g.pass(43) {
		t.Fatal("a new triplet passed at once")
	}
}

// TestLedger counts duplicates and writes every acceptance.
func TestLedger(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	l := newLedger(&b)
	l.accept("id1", []string{"a@x", "b@x"})
	l.accept("id1", []string{"a@x"}) // a retry after a lost reply
	l.accept("", []string{"c@x"})
	if err := l.flush(); err != nil {
		t.Fatal(err)
	}
	if u, tot, m, no := l.unique.Load(), l.total.Load(), l.msgs.Load(), l.noID.Load(); u != 3 || tot != 4 || m != 3 || no != 1 {
		t.Fatalf("unique %d total %d msgs %d noID %d, want 3 4 3 1", u, tot, m, no)
	}
	if want := "id1 a@x\nid1 b@x\nid1 a@x\n c@x\n"; b.String() != want {
		t.Fatalf("ledger file %q, want %q", b.String(), want)
	}
}

func TestSluiceID(t *testing.T) {
	t.Parallel()
	long := "X-Long: " + strings.Repeat("a", 5000) + "X-Sluice-ID: fake\r\n"
	for _, c := range []struct{ name, msg, want string }{
		{"present", "From: a\r\nX-Sluice-ID: 00066205\r\nSubject: s\r\n\r\nX-Sluice-ID: body\r\n", "00066205"},
		{"case", "x-sluice-id:  abc \r\n\r\n", "abc"},
		{"absent", "From: a\r\n\r\nX-Sluice-ID: body\r\n", ""},
		{"in a long line", long + "\r\n", ""},
		{"headers only", "X-Sluice-ID: z\r\n", "z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := bufio.NewReaderSize(strings.NewReader(c.msg), 4096)
			got, err := sluiceID(r)
			if err != nil || got != c.want {
				t.Fatalf("sluiceID = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
