package tlsrpt

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"sluice/dkim"
)

// TestNodeConfigOpen: off, a node's reporting opens no reporter and its
// statistics stop keeping report entries (counts go on); on, the
// reporter takes the delivery's statistics and queues mailed reports on
// the spool, DKIM-signed with a signer and unsigned, with a warning,
// without one.
func TestNodeConfigOpen(t *testing.T) {
	t.Parallel()
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.traffic("example.org", 1)
		r, err := NodeConfig{Reporter: e.config()}.Open(e.stats, openTestSpool(t, e.clock.Now))
		if r != nil || err != nil {
			t.Fatalf("reporting off: %v, %v", r, err)
		}
		e.traffic("example.org", 1)
		if got := e.stats.Take(); len(got) != 0 {
			t.Errorf("report entries kept with reporting off: %+v", got)
		}
		if len(e.stats.Counts()) == 0 {
			t.Error("counts stopped with the reports")
		}
	})
	keys, err := dkim.Keygen(t.TempDir(), "sender.test", []dkim.KeySpec{{Algo: "ed25519", Selector: "r"}})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := dkim.AlignedSigner(dkim.SignersConfig{Keys: []dkim.KeyFile{{Domain: "sender.test", Selector: "r", File: keys[0].Path}}}, "tlsrpt@sender.test")
	if err != nil || sg == nil {
		t.Fatalf("signer: %v, %v", sg, err)
	}
	for _, tc := range []struct {
		name   string
		signer Signer
	}{{"unsigned", nil}, {"signed", sg}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var logs bytes.Buffer
			rc := e.config()
			rc.From, rc.Log = "tlsrpt@sender.test", slog.New(slog.NewTextHandler(&logs, nil))
			rc.Source, rc.Enqueue = nil, nil // Open's to set
			spool := openTestSpool(t, e.clock.Now)
			r, err := NodeConfig{Enabled: true, Reporter: rc, Signer: tc.signer}.Open(e.stats, spool)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if warned := strings.Contains(logs.String(), "mailed reports go unsigned"); warned != (tc.signer == nil) {
				t.Errorf("warned %v with signer %v: %s", warned, tc.signer != nil, logs.String())
			}
			e.traffic("example.org", 2)
			if got := r.cfg.Source(); len(got) != 1 || got[0].Domain != "example.org" || got[0].Successes != 2 {
				t.Errorf("the reporter's source is not the delivery's statistics: %+v", got)
			}
			msg := []byte("From: tlsrpt@sender.test\r\nTo: rua@example.org\r\nSubject: Report\r\n\r\nreport\r\n")
			if err := r.cfg.Enqueue(context.Background(), "tlsrpt@sender.test", "rua@example.org", msg); err != nil {
				t.Fatal(err)
			}
			if len(spool.got) != 1 || spool.got[0].Tenant != SystemTenant {
				t.Fatalf("queued %+v, want one message of the system tenant", spool.got)
			}
			body := spool.got[0].Body
			if signed := bytes.HasPrefix(body, []byte("DKIM-Signature:")); signed != (tc.signer != nil) || !bytes.HasSuffix(body, msg) {
				t.Errorf("queued body (signer %v):\n%s", tc.signer != nil, body)
			}
		})
	}
}
