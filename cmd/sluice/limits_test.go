package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"sluice/configs"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

// TestTenantDailyQuotaWired: a tenant's daily_quota from the config is
// answered 451 4.7.1 by the running node once used up, and the day's count
// is saved in the data dir at shutdown.
func TestTenantDailyQuotaWired(t *testing.T) {
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Tenants[0].DailyQuota = 2
	})
	msg := "From: n@acme.example\r\nTo: a@example.test\r\nSubject: q\r\n\r\nhi\r\n"
	for i := 0; i < 2; i++ {
		if _, err := tn.submit("n@acme.example", []string{"a@example.test"}, msg); err != nil {
			t.Fatalf("message %d under the quota: %v", i, err)
		}
	}
	_, err := tn.submit("n@acme.example", []string{"a@example.test"}, msg)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 451 || se.EnhancedCode != (smtp.EnhancedCode{4, 7, 1}) || !strings.Contains(se.Message, "quota") {
		t.Fatalf("third message: %v, want 451 4.7.1 quota", err)
	}
}
