package outbound

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
)

var errRejected = errors.New("rejected by test policy")

// A TLSPolicy that enforces never goes on in clear: no STARTTLS, STARTTLS
// disabled by the caller, or a certificate its Verify rejects each end the
// handshake with a temporary error; without Enforce the session goes on
// and keeps the failure for TLSPolicyErr.
func TestTLSPolicy(t *testing.T) {
	t.Parallel()
	reject := func(string, tls.ConnectionState) error { return errRejected }
	accept := func(string, tls.ConnectionState) error { return nil }
	tests := []struct {
		name      string
		tls       bool
		disable   bool
		policy    TLSPolicy
		wantErr   error // from Handshake
		wantKept  error // TLSPolicyErr
		wantTLS   bool
		wantCheck bool // TLSVerified
	}{
		{name: "require, no STARTTLS", policy: TLSPolicy{Name: "require", Enforce: true}, wantErr: ErrTLSRequired},
		{name: "require, disabled", tls: true, disable: true, policy: TLSPolicy{Name: "require", Enforce: true}, wantErr: ErrTLSRequired},
		{name: "require, any certificate", tls: true, policy: TLSPolicy{Name: "require", Enforce: true}, wantTLS: true},
		{name: "verify rejects", tls: true, policy: TLSPolicy{Name: "verify", Enforce: true, Verify: reject}, wantErr: errRejected},
		{name: "verify accepts", tls: true, policy: TLSPolicy{Name: "verify", Enforce: true, Verify: accept}, wantTLS: true, wantCheck: true},
		{name: "testing, no STARTTLS", policy: TLSPolicy{Name: "mta-sts testing"}, wantKept: ErrTLSRequired},
		{name: "testing, rejected", tls: true, policy: TLSPolicy{Name: "mta-sts testing", Verify: reject}, wantKept: errRejected, wantTLS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSink(t, sinkConfig{tls: tt.tls})
			p := tt.policy
			c, err := tryConnect(t, s.addr, Options{TLSPolicy: &p, DisableTLS: tt.disable})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Handshake: %v, want %v", err, tt.wantErr)
				}
				if IsPermanent(err) {
					t.Errorf("%v is permanent", err)
				}
				if e := asError(t, err); e.Command != "STARTTLS" || (errors.Is(err, ErrTLSRequired) && !strings.HasPrefix(e.Line, "4.7.5 "+p.Name)) {
					t.Errorf("error %+v", e)
				}
				return
			}
			if err != nil {
				t.Fatalf("Handshake: %v", err)
			}
			defer c.Close()
			if !errors.Is(c.TLSPolicyErr(), tt.wantKept) || (tt.wantKept == nil) != (c.TLSPolicyErr() == nil) {
				t.Errorf("TLSPolicyErr = %v, want %v", c.TLSPolicyErr(), tt.wantKept)
			}
			if used, _ := c.TLS(); used != tt.wantTLS {
				t.Errorf("TLS used %v, want %v", used, tt.wantTLS)
			}
			if c.TLSVerified() != tt.wantCheck {
				t.Errorf("TLSVerified %v, want %v", c.TLSVerified(), tt.wantCheck)
			}
			res, err := c.Send(testCtx(t), Envelope{From: "a@b.test", To: []string{"c@d.test"}}, []byte("Subject: x\r\n\r\nx\r\n"))
			if err != nil || res.Rcpts[0].Err != nil {
				t.Errorf("Send: %v %+v", err, res)
			}
		})
	}
}
