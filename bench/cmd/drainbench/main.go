// Command drainbench starts a real `sluice serve` on a spool that is
// already deep (see bench/cmd/deepspool) and measures what happens from
// the first instant: how long until the submission port accepts and a
// submission gets its 250, how long until the first delivery, deliveries
// per second at a fast counting sink, and the process's memory
// (/proc/PID/status: VmHWM, RssAnon, RssFile) while it drains.
//
// The backlog is released by one of:
//
//	restart (default)  all of it is due when sluice starts
//	-resume kind:name  it is held; drainbench runs `sluice ctl queue resume`
//	                   once the first submission was accepted
//	-due-at UNIXNS     it was deferred to that instant (a wave of retries)
//
// With -slow N, the domains d0…d(N-1).deep.test are slow sites: the sink
// answers each of their messages after -slow-delay and counts them apart,
// and -expect counts only the other sites' messages, whose drain is what
// is measured (are fast sites at full rate behind slow sites' backlogs?).
//
// From the release to the backlog's last delivery it prints the count of
// every second, the steady rate (the median second of the middle 80 % of
// the drain), the drain's mean rate (expected / time from release to the
// last delivery) and their ratio, and the seconds with no delivery.
//
// Usage:
//
//	drainbench -sluice bench/out/sluice -data DIR -expect N [-resume domain:d0.deep.test] \
//	    [-due-at NS] [-timeout 10m] [-slow 5 -slow-delay 500ms]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sluice/mta/mtatest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "drainbench:", err)
		os.Exit(1)
	}
}

type options struct {
	sluice  string
	data    string
	expect  int
	resume  string
	dueAt   int64
	timeout time.Duration
	work    string
	// slow: domains d0…d(slow-1).deep.test answer after slowDelay.
	slow      int
	slowDelay time.Duration
}

// isSlow reports whether domain is one of the slow sites.
func (o *options) isSlow(domain string) bool {
	for i := range o.slow {
		if domain == fmt.Sprintf("d%d.deep.test", i) {
			return true
		}
	}
	return false
}

// result is the JSON line drainbench prints last.
type result struct {
	Shape            string  `json:"shape"`
	Expect           int     `json:"expect"`
	Delivered        int64   `json:"delivered"`
	ListenAfter      float64 `json:"listen_after_s"`
	First250After    float64 `json:"first_250_after_s"`
	Refused          int     `json:"refused_before_250"`
	FirstDelivery    float64 `json:"first_delivery_after_s"`
	ProbeDelivered   float64 `json:"probe_delivered_after_s"` // the submission's delivery
	ReleaseAfter     float64 `json:"release_after_s"`
	DrainSeconds     float64 `json:"drain_s"`
	SteadyPerSec     float64 `json:"steady_per_s"`
	MeanPerSec       float64 `json:"mean_per_s"`
	Ratio            float64 `json:"ratio"`
	ZeroSeconds      int     `json:"zero_seconds"`
	PerSecond        []int64 `json:"per_second"`
	VmHWMkB          int64   `json:"vm_hwm_kb"`
	RssAnonPeakkB    int64   `json:"rss_anon_peak_kb"`
	RssFilePeakkB    int64   `json:"rss_file_peak_kb"`
	RssAnonAtStartkB int64   `json:"rss_anon_at_first_250_kb"`
	RssFileAtStartkB int64   `json:"rss_file_at_first_250_kb"`
	Exit             int     `json:"exit"`
	Sessions         int64   `json:"sessions"`                // SMTP sessions the fast host saw
	SlowSessions     int64   `json:"slow_sessions,omitempty"` // and the slow host
	Slow             int     `json:"slow_sites,omitempty"`
	SlowDelivered    int64   `json:"slow_delivered,omitempty"` // by the slow sites when the others' drain ended
	// CPU time sluice used (user + system) from the release, or from the
	// first accepted submission when that came later (a restart's
	// backlog is released at start), to the backlog's last delivery, and
	// per message delivered meanwhile.
	CPUSeconds float64 `json:"cpu_s"`
	CPUPerMsg  float64 `json:"cpu_us_per_msg"`
}

func run(args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("drainbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.sluice, "sluice", "bench/out/sluice", "the sluice binary")
	fs.StringVar(&o.data, "data", "", "data_dir holding the deep spool.db")
	fs.IntVar(&o.expect, "expect", 0, "deliveries of the backlog to wait for")
	fs.StringVar(&o.resume, "resume", "", "kind:name of the hold to resume once started")
	fs.Int64Var(&o.dueAt, "due-at", 0, "unix ns at which the backlog comes due (retry wave)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long")
	fs.IntVar(&o.slow, "slow", 0, "domains d0…dN-1.deep.test are slow sites (not counted in -expect)")
	fs.DurationVar(&o.slowDelay, "slow-delay", 500*time.Millisecond, "a slow site's time to answer each message")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.data == "" || o.expect < 1 {
		return errors.New("need -data and -expect")
	}
	o.work = filepath.Dir(filepath.Clean(o.data))
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()

	sink, err := startSink(o.isSlow, o.slowDelay)
	if err != nil {
		return err
	}
	defer sink.close()
	cfg, sub, err := writeConfig(ctx, o, sink.port(), sink.slowAddr())
	if err != nil {
		return err
	}
	res := result{Shape: "restart", Expect: o.expect}
	switch {
	case o.resume != "":
		res.Shape = "resume"
	case o.dueAt != 0:
		res.Shape = "retry-wave"
	}
	if o.slow > 0 {
		res.Shape += fmt.Sprintf("+%d-slow", o.slow)
	}
	start := time.Now()
	sink.setStart(start)
	p, err := startProc(o.sluice, cfg, filepath.Join(o.work, "sluice.log"))
	if err != nil {
		return err
	}
	defer p.kill()
	mon := startMonitor(p.pid())
	defer mon.stop()

	first, refused, listen, err := firstAccepted(ctx, sub, p)
	if err != nil {
		return err
	}
	res.ListenAfter, res.First250After, res.Refused = listen.Sub(start).Seconds(), first.Sub(start).Seconds(), refused
	mon.sample()
	res.RssAnonAtStartkB, res.RssFileAtStartkB = mon.anon.Load(), mon.file.Load()
	release := start
	switch {
	case o.resume != "":
		kind, name, _ := strings.Cut(o.resume, ":")
		release = time.Now()
		out, err := exec.CommandContext(ctx, o.sluice, "ctl", "--config", cfg, "queue", "resume", kind, name).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ctl resume: %v: %s", err, out)
		}
	case o.dueAt != 0:
		release = time.Unix(0, o.dueAt)
	}
	res.ReleaseAfter = release.Sub(start).Seconds()
	cpu0, n0 := p.cpu(), sink.count()
	want := int64(o.expect) + 1 // and the probe
	if err := sink.wait(ctx, want); err != nil {
		fmt.Fprintf(stderr, "drainbench: %v (delivered %d of %d)\n", err, sink.count(), want)
	}
	res.Delivered = sink.count()
	res.CPUSeconds = (p.cpu() - cpu0).Seconds()
	if n := res.Delivered - n0; n > 0 {
		res.CPUPerMsg = res.CPUSeconds / float64(n) * 1e6
	}
	res.Slow, res.SlowDelivered = o.slow, sink.slowN.Load()
	res.Sessions, res.SlowSessions = sink.sessions.Load(), sink.slowSessions.Load()
	if fd := sink.first(); !fd.IsZero() {
		res.FirstDelivery = fd.Sub(start).Seconds()
	}
	if pd := sink.probe(); !pd.IsZero() {
		res.ProbeDelivered = pd.Sub(start).Seconds()
	}
	res.Exit = p.terminate(30 * time.Second)
	mon.stop()
	res.VmHWMkB, res.RssAnonPeakkB, res.RssFilePeakkB = mon.hwm.Load(), mon.anonPeak.Load(), mon.filePeak.Load()
	summarize(&res, sink.perSecond(), release.Sub(start), sink.last().Sub(start))
	fmt.Fprintf(stdout, "drainbench %s: listen %.2fs, first 250 %.2fs (%d refused before), first delivery %.2fs, the submission delivered %.2fs\n",
		res.Shape, res.ListenAfter, res.First250After, res.Refused, res.FirstDelivery, res.ProbeDelivered)
	fmt.Fprintf(stdout, "drainbench %s: %d delivered in %.1fs from release: mean %.0f/s, steady %.0f/s, ratio %.2f, zero seconds %d\n",
		res.Shape, res.Delivered, res.DrainSeconds, res.MeanPerSec, res.SteadyPerSec, res.Ratio, res.ZeroSeconds)
	fmt.Fprintf(stdout, "drainbench %s: per second %v\n", res.Shape, res.PerSecond)
	fmt.Fprintf(stdout, "drainbench %s: sluice CPU %.1fs from release (or first 250) to the last delivery, %.0f µs per message\n", res.Shape, res.CPUSeconds, res.CPUPerMsg)
	fmt.Fprintf(stdout, "drainbench %s: sessions at the sink %d (slow host %d)\n", res.Shape, res.Sessions, res.SlowSessions)
	if o.slow > 0 {
		fmt.Fprintf(stdout, "drainbench %s: the %d slow sites delivered %d meanwhile\n", res.Shape, o.slow, res.SlowDelivered)
	}
	fmt.Fprintf(stdout, "drainbench %s: VmHWM %d MB, RssAnon peak %d MB, RssFile peak %d MB (at first 250: anon %d MB, file %d MB), exit %d\n",
		res.Shape, res.VmHWMkB>>10, res.RssAnonPeakkB>>10, res.RssFilePeakkB>>10, res.RssAnonAtStartkB>>10, res.RssFileAtStartkB>>10, res.Exit)
	return json.NewEncoder(stdout).Encode(res)
}

// summarize fills the drain's rates from the per-second counts (second i
// of the process's life), the release and the last delivery.
func summarize(r *result, counts []int64, release, last time.Duration) {
	from, to := int(release/time.Second), int(last/time.Second)
	if to >= len(counts) {
		to = len(counts) - 1
	}
	if from > to || to < 0 {
		return
	}
	r.PerSecond = counts[from : to+1]
	r.DrainSeconds = (last - release).Seconds()
	if r.DrainSeconds > 0 {
		r.MeanPerSec = float64(r.Expect) / r.DrainSeconds
	}
	for _, c := range r.PerSecond {
		if c == 0 {
			r.ZeroSeconds++
		}
	}
	// The steady rate: the median full second of the middle 80 %.
	n := len(r.PerSecond)
	mid := slices.Clone(r.PerSecond[min(n/10+1, n-1):max(n-n/10-1, min(n/10+1, n-1)+1)])
	slices.Sort(mid)
	if len(mid) > 0 {
		r.SteadyPerSec = float64(mid[len(mid)/2])
	}
	if r.SteadyPerSec > 0 {
		r.Ratio = r.MeanPerSec / r.SteadyPerSec
	}
}

// firstAccepted submits one message every 50 ms until one gets its 250;
// it returns when, how many attempts were refused or failed first, and
// when the port first accepted a connection.
func firstAccepted(ctx context.Context, addr string, p *proc) (time.Time, int, time.Time, error) {
	var listen time.Time
	refused := 0
	for {
		select {
		case <-ctx.Done():
			return time.Time{}, refused, listen, ctx.Err()
		case <-p.done:
			return time.Time{}, refused, listen, fmt.Errorf("sluice exited %d at start-up", p.exit)
		default:
		}
		_, err := mtatest.Submit(mtatest.Submission{Addr: addr, NoTLS: true, From: "probe@bench.example",
			To: []string{"probe@probe.deep.test"}, Data: []byte("From: <probe@bench.example>\r\nSubject: probe\r\n\r\nprobe\r\n")})
		if err == nil {
			return time.Now(), refused, orNow(listen), nil
		}
		if mtatest.Code(err) != 0 && listen.IsZero() {
			listen = time.Now() // a reply: the port accepts
		}
		refused++
		time.Sleep(50 * time.Millisecond)
	}
}

func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}
