package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

// TestLogsKeepRecipientsHashed: with the default log.recipients, a node
// logging at debug that delivers to one recipient and suppresses another
// after a 550 never writes either address in a log line; the lines name
// them by the spool's keyed hash, the one privacy export prints.
func TestLogsKeepRecipientsHashed(t *testing.T) {
	dns := dnstest.NewServer(t)
	sink := mtatest.NewSink(t, mtatest.SinkOptions{TLS: true, Rcpt: func(to string) error {
		if strings.HasPrefix(to, "cat@") {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
		}
		return nil
	}})
	dns.AddMX("example.test", 10, "mx1.example.test")
	dns.AddA("mx1.example.test", "127.0.0.1")
	cfg := testConfig(t, dns, sink.Port())
	cfg.Log.Level = "debug"
	if cfg.Log.Recipients != "hash" {
		t.Fatalf("default log.recipients %q, want hash", cfg.Log.Recipients)
	}
	logs := &syncBuffer{}
	log, _, redactor := cfg.Log.Logger(logs)
	n, err := startNode(cfg, log, io.Discard, nodeOptions{redactor: redactor})
	if err != nil {
		t.Fatal(err)
	}
	defer n.shutdown(5 * time.Second)
	tn := &testNode{t: t, n: n, cfg: cfg}
	msg := "From: n@acme.example\r\nTo: ann@example.test\r\nSubject: hi\r\n\r\nhello\r\n"
	if _, err := tn.submit("n@acme.example", []string{"ann@example.test", "cat@example.test"}, msg); err != nil {
		t.Fatal(err)
	}
	sink.WaitRcpts(1, 10*time.Second)
	annHash, catHash := n.store.HashAddr("acme", "ann@example.test"), n.store.HashAddr("acme", "cat@example.test")
	waitFor(t, 10*time.Second, func() bool { return strings.Contains(logs.String(), catHash) })
	text := logs.String()
	for _, addr := range []string{"ann@example.test", "cat@example.test"} {
		if strings.Contains(text, addr) {
			t.Errorf("%s in clear in the log:\n%s", addr, text)
		}
	}
	if !strings.Contains(text, annHash) && !strings.Contains(text, "rcpt_domain") {
		t.Errorf("the delivered recipient is not named by hash or domain:\n%s", text)
	}
}
