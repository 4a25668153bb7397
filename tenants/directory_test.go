package tenants

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/mta/submit"
	"sluice/queue"
)

// memSpool keeps what the submission server queues.
type memSpool struct {
	next atomic.Uint64
	mu   sync.Mutex
	msgs []*queue.Message
}

func (s *memSpool) NewID() queue.ID { return queue.ID(s.next.Add(1)) }

func (s *memSpool) Enqueue(_ context.Context, ms ...*queue.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range ms {
		c := *m
		c.Body = append([]byte(nil), m.Body...)
		s.msgs = append(s.msgs, &c)
	}
	return nil
}

// startSubmit runs a submission server whose credentials come from s
// (plaintext AUTH on loopback) and returns its address and spool.
func startSubmit(t *testing.T, s *Store) (string, *memSpool) {
	t.Helper()
	return startSubmitWith(t, s, DirectoryOptions{Logger: slog.New(slog.DiscardHandler)})
}

// startSubmitWith is startSubmit with the directory's options.
func startSubmitWith(t *testing.T, s *Store, dopts DirectoryOptions) (string, *memSpool) {
	t.Helper()
	spool := &memSpool{}
	b, err := submit.New(submit.Config{Hostname: "submit.test", Spool: spool, MaxMessageBytes: 1 << 20,
		AllowPlaintextAuthOnLoopback: true, Logger: slog.New(slog.DiscardHandler), Now: s.opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	dir := NewDirectory(s, dopts)
	if err := b.SetDirectory(dir, dir.Cost()); err != nil {
		t.Fatal(err)
	}
	srv := b.NewServer(nil, 10*time.Second, 10*time.Second)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String(), spool
}

// From a tenant kept as data to a signed message: a credential, a domain
// verified through DNS, mail signed with the domain's generated keys
// (checked by python3-dkim), an unverified domain refused at MAIL FROM,
// a revoked credential refused at the next AUTH.
func TestSubmitThroughDirectory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	mustCreate(t, s, "acme")
	cred, secret, err := s.AddCredential("op", "acme")
	if err != nil {
		t.Fatal(err)
	}
	_, recs, err := s.AddDomain("op", "acme", "acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddDomain("op", "acme", "pending.example"); err != nil {
		t.Fatal(err)
	}
	dns := dnstest.NewServer(t)
	publish(dns, recs)
	if d, _, err := s.Verify(ctx, "op", "acme", "acme.example", &DNSResolver{Servers: []string{dns.Addr()}}); err != nil || d.State != Verified {
		t.Fatalf("verify: %+v %v", d, err)
	}
	addr, spool := startSubmit(t, s)

	sub := mtatest.Submission{Addr: addr, NoTLS: true, Username: cred.ID, Password: secret,
		From: "news@acme.example", To: []string{"x@example.net"},
		Data: []byte("From: News <news@acme.example>\r\nTo: x@example.net\r\nSubject: hello\r\n\r\nbody\r\n")}
	if _, err := mtatest.Submit(sub); err != nil {
		t.Fatal(err)
	}
	sub.From = "news@pending.example"
	_, err = mtatest.Submit(sub)
	if se, ok := err.(*smtp.SMTPError); !ok || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 1}) ||
		!strings.Contains(se.Message, "not verified") {
		t.Fatalf("unverified domain: %v", err)
	}

	spool.mu.Lock()
	msgs := spool.msgs
	spool.mu.Unlock()
	if len(msgs) != 1 {
		t.Fatalf("%d messages queued", len(msgs))
	}
	body := msgs[0].Body
	for _, k := range recs[1:3] {
		if !strings.Contains(string(body), "s="+strings.SplitN(k.Name, ".", 2)[0]) {
			t.Fatalf("no signature with %s:\n%s", k.Name, body)
		}
	}
	verifyPython(t, recs, body)

	if err := s.RevokeCredential("op", "acme", cred.ID); err != nil {
		t.Fatal(err)
	}
	sub.From = "news@acme.example"
	_, err = mtatest.Submit(sub)
	if se, ok := err.(*smtp.SMTPError); !ok || se.Code != 535 {
		t.Fatalf("revoked credential: %v", err)
	}
}

// verifyPython checks every DKIM signature of msg with python3-dkim,
// keys taken from recs (the records the operator was told to publish).
func verifyPython(t *testing.T, recs []Record, msg []byte) {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import dkim, nacl.signing").Run(); err != nil {
		t.Skipf("!!! python3-dkim (or python3-nacl) not installed: signatures NOT independently verified; apt-get install python3-dkim python3-nacl (%v)", err)
	}
	zone := map[string]string{}
	for _, r := range recs {
		if r.Purpose == "dkim" {
			zone[r.Name] = r.Value
		}
	}
	dir := t.TempDir()
	zj, _ := json.Marshal(zone)
	zp, mp := filepath.Join(dir, "zone.json"), filepath.Join(dir, "msg.eml")
	if err := os.WriteFile(zp, zj, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mp, msg, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, filepath.Join("..", "dkim", "testdata", "pydkim_verify.py"), zp, mp).Output()
	if err != nil {
		t.Fatalf("pydkim_verify.py: %v", err)
	}
	var res struct {
		OK  []bool   `json:"ok"`
		Err []string `json:"err"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("pydkim output %q: %v", out, err)
	}
	if len(res.OK) != 2 || !res.OK[0] || !res.OK[1] {
		t.Fatalf("python3-dkim: %+v", res)
	}
}

// The directory claims exactly the usernames shaped as its credentials'
// ids (submit.Claimer): unknown ones of that shape are then checked at
// the store's bcrypt cost, the cost a stored credential's check pays.
func TestDirectoryClaimsCredentialShape(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	mustCreate(t, s, "acme")
	cred, _, err := s.AddCredential("op", "acme")
	if err != nil {
		t.Fatal(err)
	}
	d := NewDirectory(s, DirectoryOptions{})
	for _, u := range []string{cred.ID, "acme.abcdefgh", "x-y_z.zzzz2345"} {
		if !d.Claims(u) {
			t.Errorf("Claims(%q) = false", u)
		}
	}
	for _, u := range []string{"acme", "acme.abcdefg", "acme.abcdefghi", "acme.ABCDEFGH", "acme.abcdefg1",
		"-acme.abcdefgh", ".abcdefgh", "a.b.abcdefgh", "acme.abcdefgh\x00"} {
		if d.Claims(u) {
			t.Errorf("Claims(%q) = true", u)
		}
	}
}
