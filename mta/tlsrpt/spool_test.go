package tlsrpt

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"sluice/dkim"
	"sluice/internal/clock"
	"sluice/queue"
)

// recordingSpool is a real spool that also keeps the messages handed to
// it (their flags are not in the admin view).
type recordingSpool struct {
	*queue.Store
	got []*queue.Message
}

func (s *recordingSpool) Enqueue(ctx context.Context, ms ...*queue.Message) error {
	s.got = append(s.got, ms...)
	return s.Store.Enqueue(ctx, ms...)
}

func openTestSpool(t *testing.T, now func() time.Time) *recordingSpool {
	t.Helper()
	st, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &recordingSpool{Store: st}
}

// A mailed report is queued durably as the system tenant's transactional
// mail, flagged as a TLS report, created on the given clock, with the
// DKIM signature prepended to the report as built.
func TestSpoolEnqueueSigned(t *testing.T) {
	t.Parallel()
	at := clock.Now().Truncate(time.Second)
	now := func() time.Time { return at }
	sp := openTestSpool(t, now)
	keys, err := dkim.Keygen(t.TempDir(), "acme.test", []dkim.KeySpec{{Algo: "ed25519", Selector: "r"}})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := dkim.AlignedSigner(dkim.SignersConfig{Keys: []dkim.KeyFile{{Domain: "acme.test", Selector: "r", File: keys[0].Path}}}, "tlsrpt@acme.test")
	if err != nil || sg == nil {
		t.Fatalf("signer: %v, %v", sg, err)
	}
	msg := []byte("From: tlsrpt@acme.test\r\nTo: rua@example.test\r\nSubject: Report\r\n\r\nreport\r\n")
	if err := SpoolEnqueue(sp, sg, now)(context.Background(), "tlsrpt@acme.test", "rua@example.test", msg); err != nil {
		t.Fatal(err)
	}
	if len(sp.got) != 1 || sp.got[0].Flags&queue.FlagTLSReport == 0 {
		t.Fatalf("queued %+v, want one message flagged FlagTLSReport", sp.got)
	}
	id := sp.got[0].ID
	info, err := sp.Message(id)
	if err != nil {
		t.Fatal(err)
	}
	if info.Tenant != SystemTenant || info.From != "tlsrpt@acme.test" || info.Stream != queue.Transactional.String() ||
		!info.Created.Equal(at) || len(info.Rcpts) != 1 || info.Rcpts[0].Addr != "rua@example.test" {
		t.Fatalf("queued message %+v", info)
	}
	body, err := sp.Body(id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(body, []byte("DKIM-Signature:")) || !bytes.HasSuffix(body, msg) || !bytes.Contains(body, []byte("d=acme.test")) {
		t.Fatalf("body is not the signed report:\n%s", body)
	}
}

// failingSigner fails every signature.
type failingSigner struct{}

func (failingSigner) Sign([]byte) ([]byte, bool, error) { return nil, false, errors.New("no key") }

// Without a signer the report is queued as built; a signer's failure
// queues nothing.
func TestSpoolEnqueueUnsignedAndFailure(t *testing.T) {
	t.Parallel()
	sp := openTestSpool(t, nil)
	msg := []byte("From: tlsrpt@acme.test\r\n\r\nreport\r\n")
	if err := SpoolEnqueue(sp, nil, nil)(context.Background(), "tlsrpt@acme.test", "rua@example.test", msg); err != nil {
		t.Fatal(err)
	}
	if body, err := sp.Body(sp.got[0].ID); err != nil || !bytes.Equal(body, msg) {
		t.Fatalf("unsigned body %q, %v", body, err)
	}
	err := SpoolEnqueue(sp, failingSigner{}, nil)(context.Background(), "tlsrpt@acme.test", "rua@example.test", msg)
	if err == nil || len(sp.got) != 1 {
		t.Fatalf("failing signer: err %v, %d queued", err, len(sp.got))
	}
}
