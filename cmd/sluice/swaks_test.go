package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"sluice/mta/mtatest"
)

// TestSwaks submits with swaks, an SMTP client that is not ours, over
// STARTTLS with AUTH PLAIN and AUTH LOGIN, and checks delivery.
func TestSwaks(t *testing.T) {
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		t.Skip("SKIP LOUDLY: swaks not installed: submission NOT checked with an independent client (apt-get install swaks)")
	}
	tn := startTestNode(t, mtatest.SinkOptions{}, nil)
	for i, mech := range []string{"PLAIN", "LOGIN"} {
		to := []string{"swaks-plain@example.test", "swaks-login@example.test"}[i]
		out, err := exec.Command(swaks, "--server", tn.submitAddr(), "--tls", "--auth", mech,
			"--auth-user", testUser, "--auth-password", testPassword,
			"--from", "news@acme.example", "--to", to, "--helo", "swaks.test",
			"--header", "Subject: via swaks", "--body", "sent by swaks\n", "--timeout", "20").CombinedOutput()
		if err != nil {
			t.Fatalf("swaks AUTH %s failed: %v\n%s", mech, err, out)
		}
		if !strings.Contains(string(out), "<~  250 2.0.0 queued as ") {
			t.Fatalf("swaks AUTH %s: no 250 queued as in transcript:\n%s", mech, out)
		}
	}
	got := tn.sink.WaitRcpts(2, 10*time.Second)
	if len(got) != 2 {
		t.Fatalf("sink got %d messages from swaks submissions, want 2", len(got))
	}
	for _, m := range got {
		if headerValue(m.Data, "Subject") != "via swaks" || !strings.Contains(string(m.Data), "sent by swaks") {
			t.Errorf("unexpected message from swaks:\n%s", m.Data)
		}
	}
}
