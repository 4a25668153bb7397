// Command chaosmx is a misbehaving receiving MX for soak tests: it
// accepts most mail and fails the rest in every way receivers do, so that
// a sender's retries, outcomes and resource use can be watched under a
// long steady load (bench/soak.sh).
//
// Per connection: a 421 or 554 greeting, a hang-up before the greeting,
// a tarpit (every reply delayed by seconds), STARTTLS offered or not
// (RFC 3207). Per transaction: 4xx and 5xx to MAIL, to each RCPT (per
// recipient) and at the end of data (per message); 421 then close at MAIL,
// RCPT or end of data (RFC 5321 §3.8); a hang-up without a reply (after
// the data was taken, too: the message then arrives twice); the
// connection dropped halfway through the data; a TCP reset; a slow reply.
// And greylisting (RFC 6647): a chosen share of (client, sender,
// recipient) triplets is refused with 451 4.7.1 until seen again after a
// delay. Every share is a flag; the defaults accept about 80 % of first
// attempts. Choices come from generators seeded with -seed.
//
// It records every (X-Sluice-ID, recipient) it took, in memory for the
// unique count and, with -ledger, one "id rcpt" line each in a file. With
// -dns-domains K it also serves DNS (mta/mx/dnstest): domains
// d0..dK-1.<-dns-zone>, each with its own MX host mx.dN.<zone> → 127.0.0.1,
// so each domain is its own shaping site for the sender.
//
// It runs until SIGINT/SIGTERM (exit 0) or -timeout (exit 1), then prints
// one JSON line (see stats); -stats-file gets the same every second.
//
// Usage:
//
//	chaosmx -addr 127.0.0.1:0 -addr-file F [-dns-domains 50 -dns-addr-file F2] \
//	    [-ledger F3] [-stats-file F4] [-seed 1] [-greylist 0.05] [-tarpit 0.01] …
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/internal/clock"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	addr, addrFile       string
	dnsZone, dnsAddrFile string
	dnsDomains           int
	ledger, statsFile    string
	timeout              time.Duration
	mix                  mix
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("chaosmx", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:2626", "SMTP listen address (port 0: any free port; see -addr-file)")
	fs.StringVar(&o.addrFile, "addr-file", "", "write the bound host:port here once listening")
	fs.IntVar(&o.dnsDomains, "dns-domains", 0, "serve DNS for this many domains dN.<zone> (0: no DNS)")
	fs.StringVar(&o.dnsZone, "dns-zone", "soak.test", "parent of the DNS domains")
	fs.StringVar(&o.dnsAddrFile, "dns-addr-file", "", "write the DNS server's host:port here")
	fs.StringVar(&o.ledger, "ledger", "", "append one \"id rcpt\" line per recipient taken to this file")
	fs.StringVar(&o.statsFile, "stats-file", "", "rewrite the JSON stats here every second")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Hour, "exit 1 after this long")
	o.mix.register(fs)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.timeout <= 0:
		return o, errors.New("-timeout must be positive")
	case o.dnsDomains < 0 || o.dnsDomains > 100_000:
		return o, errors.New("-dns-domains: want 0..100000")
	}
	return o, o.mix.check()
}

// counterNames are the events counted (the stats' "counts" keys).
var counterNames = []string{
	"connections", "conn_greet_4xx", "conn_greet_5xx", "conn_greet_hangup", "conn_tarpit", "conn_tls_offered",
	"transactions", "accepted", "mail_4xx", "mail_5xx", "rcpt_4xx", "rcpt_5xx", "rcpt_greylisted",
	"data_4xx", "data_5xx", "tx_421", "tx_hangup", "tx_drop_data", "tx_reset",
}

// sink is the state every connection shares.
type sink struct {
	mix    *mix
	grey   *greylist
	ledger *ledger
	counts map[string]*atomic.Int64 // fixed keys (counterNames); read-only map
	seq    atomic.Uint64
}

func (s *sink) count(name string) { s.counts[name].Add(1) }

// stats is the JSON line.
type stats struct {
	Received      int64            `json:"received"`       // recipients taken, duplicates included
	Unique        int64            `json:"unique"`         // distinct (X-Sluice-ID, recipient) pairs taken
	Duplicates    int64            `json:"duplicates"`     // received - unique
	Messages      int64            `json:"messages"`       // messages whose data was taken
	NoID          int64            `json:"messages_no_id"` // … without an X-Sluice-ID field
	Greylisted    int              `json:"greylist_triplets"`
	Counts        map[string]int64 `json:"counts"`
	UnixNs        int64            `json:"unix_ns"`
	LedgerProblem string           `json:"ledger_error,omitempty"`
}

func (s *sink) stats() stats {
	st := stats{
		Received: s.ledger.total.Load(), Unique: s.ledger.unique.Load(),
		Messages: s.ledger.msgs.Load(), NoID: s.ledger.noID.Load(),
		Counts: make(map[string]int64, len(s.counts)), UnixNs: time.Now().UnixNano(),
	}
	st.Duplicates = st.Received - st.Unique
	for k, v := range s.counts {
		st.Counts[k] = v.Load()
	}
	s.grey.mu.Lock()
	st.Greylisted = len(s.grey.first)
	s.grey.mu.Unlock()
	return st
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "chaosmx: %v\n", err)
		}
		return 2
	}
	var ledgerFile *os.File
	if o.ledger != "" {
		if ledgerFile, err = os.Create(o.ledger); err != nil {
			fmt.Fprintf(stderr, "chaosmx: -ledger: %v\n", err)
			return 1
		}
		defer ledgerFile.Close()
	}
	s := &sink{mix: &o.mix, grey: newGreylist(o.mix.greylistDelay, clock.Now), counts: map[string]*atomic.Int64{}}
	if ledgerFile != nil {
		s.ledger = newLedger(ledgerFile)
	} else {
		s.ledger = newLedger(nil)
	}
	for _, n := range counterNames {
		s.counts[n] = new(atomic.Int64)
	}

	if o.dnsDomains > 0 {
		dns, err := startDNS(o)
		if err != nil {
			fmt.Fprintf(stderr, "chaosmx: dns: %v\n", err)
			return 1
		}
		defer dns.Close()
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintf(stderr, "chaosmx: %v\n", err)
		return 1
	}
	fe, err := newFrontEnd(s, ln)
	if err != nil {
		ln.Close()
		fmt.Fprintf(stderr, "chaosmx: %v\n", err)
		return 1
	}
	if o.addrFile != "" {
		if err := writeFile(o.addrFile, ln.Addr().String()+"\n"); err != nil {
			fe.close()
			fmt.Fprintf(stderr, "chaosmx: -addr-file: %v\n", err)
			return 1
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- fe.serve() }()
	code := 0
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
loop:
	for {
		select {
		case <-tick.C:
			if o.statsFile != "" {
				_ = writeStats(o.statsFile, s.stats())
			}
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				fmt.Fprintf(stderr, "chaosmx: timeout after %s\n", o.timeout)
				code = 1
			}
			break loop
		case err := <-served:
			fmt.Fprintf(stderr, "chaosmx: serve: %v\n", err)
			code = 1
			break loop
		}
	}
	fe.close()
	st := s.stats()
	if err := s.ledger.flush(); err != nil {
		st.LedgerProblem = err.Error()
		code = 1
	}
	if o.statsFile != "" {
		_ = writeStats(o.statsFile, st)
	}
	line, _ := json.Marshal(st)
	fmt.Fprintf(stdout, "%s\n", line)
	return code
}

// startDNS serves MX and A records for the soak's domains.
func startDNS(o options) (*dnstest.Server, error) {
	dns, err := dnstest.Start()
	if err != nil {
		return nil, err
	}
	for i := range o.dnsDomains {
		d := fmt.Sprintf("d%d.%s", i, o.dnsZone)
		dns.AddMX(d, 10, "mx."+d)
		dns.AddA("mx."+d, "127.0.0.1")
	}
	if o.dnsAddrFile != "" {
		if err := writeFile(o.dnsAddrFile, dns.Addr()+"\n"); err != nil {
			dns.Close()
			return nil, err
		}
	}
	return dns, nil
}

// frontEnd accepts connections, plays the greeting-level faults itself,
// and hands the others to one of two go-smtp servers, with or without
// STARTTLS, through in-memory listeners.
type frontEnd struct {
	s          *sink
	ln         net.Listener
	plain, tls *chanListener
	srvs       []*smtp.Server
	wg         sync.WaitGroup
}

func newFrontEnd(s *sink, ln net.Listener) (*frontEnd, error) {
	cert, err := mtatest.SelfSigned("chaos.test")
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	fe := &frontEnd{s: s, ln: ln, plain: newChanListener(ln.Addr()), tls: newChanListener(ln.Addr())}
	for _, withTLS := range []bool{false, true} {
		srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
			cc := rawConn(c.Conn())
			if cc == nil {
				return nil, errors.New("chaosmx: not our connection")
			}
			ip, _, _ := net.SplitHostPort(c.Conn().RemoteAddr().String())
			return &session{sink: s, conn: c, cc: cc, ip: ip}, nil
		}))
		srv.Domain = "chaos.test"
		srv.MaxMessageBytes = 64 << 20
		srv.MaxRecipients = 0
		srv.EnableSMTPUTF8 = true
		srv.ReadTimeout, srv.WriteTimeout = 5*time.Minute, time.Minute
		srv.ErrorLog = nopLog{}
		l := fe.plain
		if withTLS {
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
			l = fe.tls
		}
		fe.srvs = append(fe.srvs, srv)
		fe.wg.Go(func() { _ = srv.Serve(l) })
	}
	return fe, nil
}

// serve accepts until the listener is closed.
func (fe *frontEnd) serve() error {
	for {
		c, err := fe.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		n := fe.s.seq.Add(1)
		cc := &chaosConn{Conn: c, choice: fe.s.mix.forConn(n)}
		cc.tcp, _ = c.(*net.TCPConn)
		go fe.greet(cc)
	}
}

// greet plays the connection-level faults, then hands the connection on.
func (fe *frontEnd) greet(cc *chaosConn) {
	s := fe.s
	s.count("connections")
	switch cc.choice.fate {
	case connGreet4xx:
		s.count("conn_greet_4xx")
		_ = cc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(cc, "421 4.3.2 chaos.test busy, try again later\r\n")
		_ = cc.Close()
		return
	case connGreet5xx:
		s.count("conn_greet_5xx")
		_ = cc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(cc, "554 5.3.2 chaos.test no SMTP service here\r\n")
		_ = cc.Close()
		return
	case connGreetHangup:
		s.count("conn_greet_hangup")
		_ = cc.Close()
		return
	}
	if cc.choice.tarpit {
		s.count("conn_tarpit")
		time.Sleep(s.mix.tarpitDelay) // the greeting comes late too
	}
	l := fe.plain
	if cc.choice.tls {
		s.count("conn_tls_offered")
		l = fe.tls
	}
	if !l.deliver(cc) {
		_ = cc.Close()
	}
}

func (fe *frontEnd) close() {
	_ = fe.ln.Close()
	for _, srv := range fe.srvs {
		_ = srv.Close()
	}
	fe.plain.Close()
	fe.tls.Close()
	fe.wg.Wait()
}

// chanListener is a net.Listener fed by the front end.
type chanListener struct {
	addr   net.Addr
	ch     chan net.Conn
	done   chan struct{}
	closed sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// deliver hands c to Accept; false once the listener is closed.
func (l *chanListener) deliver(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *chanListener) Close() error {
	l.closed.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// writeFile writes data to path atomically (a reader never sees half).
func writeFile(path, data string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeStats(path string, st stats) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return writeFile(path, string(b)+"\n")
}

type nopLog struct{}

func (nopLog) Printf(string, ...any) {}
func (nopLog) Println(...any)        {}
