package tenants

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"testing"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"sluice/queue"
	"sluice/tracking/rewrite"
)

// unsubTracker gives marketing mail sluice's List-Unsubscribe through
// tracking/rewrite, as tracking.Tracker does (which this package cannot
// import: tracking imports tenants).
type unsubTracker struct{}

const (
	testOneClick = "https://t.esp.test/u/TOKEN"
	testMailtoU  = "mailto:u.TOKEN@bounces.esp.test"
)

func (unsubTracker) Track(_ string, _ queue.ID, _ string, stream queue.Stream, msg []byte) ([]byte, bool, error) {
	var opts rewrite.Options
	if stream == queue.Marketing {
		opts.Unsubscribe = &rewrite.Unsubscribe{HTTPS: testOneClick, Mailto: testMailtoU}
	}
	out, res, err := rewrite.Message(msg, opts)
	return out, res.Unsubscribe, err
}

// A stored tenant's own List-Unsubscribe over real SMTP: in marketing
// mail it gives way to sluice's one-click (its https URI dropped, its
// mailto kept after sluice's), and the DKIM signatures, made after the
// rewrite, verify (go-msgauth) and cover both fields; transactional mail
// keeps the tenant's fields as written, signed too.
func TestTenantListUnsubscribeSigned(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	yes := true
	if _, err := s.CreateTenant("op", Tenant{Name: "shop", AllowUnverified: true, Transactional: yes}); err != nil {
		t.Fatal(err)
	}
	cred, secret, err := s.AddCredential("op", "shop")
	if err != nil {
		t.Fatal(err)
	}
	_, recs, err := s.AddDomain("op", "shop", "shop.example")
	if err != nil {
		t.Fatal(err)
	}
	addr, spool := startSubmitWith(t, s, DirectoryOptions{Tracker: unsubTracker{}, Logger: slog.New(slog.DiscardHandler)})

	tenantLU := "List-Unsubscribe: <https://shop.example/unsub?u=1>,\r\n <mailto:unsub@shop.example?subject=stop>\r\n" +
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
	for _, stream := range []string{"", "transactional"} {
		if err := submitWithHeader(addr, cred.ID, secret, tenantLU, stream); err != nil {
			t.Fatalf("stream %q: %v", stream, err)
		}
	}
	spool.mu.Lock()
	msgs := spool.msgs
	spool.mu.Unlock()
	if len(msgs) != 2 {
		t.Fatalf("%d messages queued", len(msgs))
	}

	mkt, txn := msgs[0].Body, msgs[1].Body
	hdr := header(t, mkt)
	if lu := hdr.Get("List-Unsubscribe"); lu != "<"+testOneClick+">, <"+testMailtoU+">, <mailto:unsub@shop.example?subject=stop>" ||
		len(hdr["List-Unsubscribe"]) != 1 || len(hdr["List-Unsubscribe-Post"]) != 1 {
		t.Fatalf("marketing List-Unsubscribe: %q\n%s", hdr["List-Unsubscribe"], mkt)
	}
	if bytes.Contains(mkt, []byte("shop.example/unsub")) {
		t.Fatalf("the tenant's https URI is still there:\n%s", mkt)
	}
	if th := header(t, txn); th.Get("List-Unsubscribe") != "<https://shop.example/unsub?u=1>, <mailto:unsub@shop.example?subject=stop>" ||
		bytes.Contains(txn, []byte(testOneClick)) {
		t.Fatalf("transactional mail's header changed:\n%s", txn)
	}

	zone := map[string]string{}
	for _, r := range recs {
		if r.Purpose == "dkim" {
			zone[r.Name] = r.Value
		}
	}
	for i, m := range [][]byte{mkt, txn} {
		vs, err := msgauth.VerifyWithOptions(bytes.NewReader(m), &msgauth.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
			if v, ok := zone[name]; ok {
				return []string{v}, nil
			}
			return nil, fmt.Errorf("no TXT at %s", name)
		}})
		if err != nil || len(vs) != 2 {
			t.Fatalf("message %d: %d verifications, %v", i, len(vs), err)
		}
		for _, v := range vs {
			signed := strings.ToLower(strings.Join(v.HeaderKeys, ":"))
			if v.Err != nil || !strings.Contains(signed, "list-unsubscribe:") || !strings.Contains(signed, "list-unsubscribe-post") {
				t.Fatalf("message %d: signature of %s: %v, h=%s", i, v.Domain, v.Err, signed)
			}
		}
	}
}

// submitWithHeader submits a message with extra header fields.
func submitWithHeader(addr, user, secret, extra, stream string) error {
	if stream != "" {
		extra += "X-Sluice-Stream: " + stream + "\r\n"
	}
	return submitRaw(addr, user, secret, "From: Shop <news@shop.example>\r\nTo: x@example.net\r\nSubject: sale\r\n"+extra+"\r\nbody\r\n")
}

// header parses msg's header, failing the test when it does not parse.
func header(t *testing.T, msg []byte) mail.Header {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	return m.Header
}
