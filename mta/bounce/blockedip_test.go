package bounce

import "testing"

// TestBlockedIPByKind: replies that refuse or defer the sending IP are
// blocked_ip, whatever else their words say, so that the delivery's
// blocklist awareness (mta/shaping) moves the site's mail to another
// source; the class still says what to do (a Yahoo deferral backs off).
// Before these rules, "Mail from <IP> refused" read as the sender's
// address, "Connection refused: <IP> blocked" as a network failure, and
// Yahoo's per-IP codes as a rate or a policy.
func TestBlockedIPByKind(t *testing.T) {
	t.Parallel()
	c := New()
	tests := []struct {
		kind, reply string
		class       Class
	}{
		{"spamhaus zone alone", "550 5.7.1 Mail from 192.0.2.10 refused, listed in SBL, see https://www.spamhaus.org/sbl/query/SBL123", PolicyBlocked},
		{"spamhaus zone alone", "550 5.7.1 Mail from 192.0.2.10 refused, listed in XBL", PolicyBlocked},
		{"spamhaus listing id", "554 5.7.1 Rejected, see SBL545120", PolicyBlocked},
		{"mail from an IP", "550 5.7.1 Mail from [192.0.2.10] rejected", PolicyBlocked},
		{"IP blocked by a provider", "554 5.7.1 Connection refused: 192.0.2.10 blocked by Yahoo", PolicyBlocked},
		{"IP blocked by a provider", "554 Connection refused: 192.0.2.10 blocked by Yahoo", PolicyBlocked},
		{"yahoo refuses the IP", "553 5.7.1 [TS03] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed.", PolicyBlocked},
		{"yahoo refuses the IP", "421 4.7.1 [TS03] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed.", PolicyBlocked},
		{"yahoo refuses the IP", "553 5.7.2 [TSS09] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed.", PolicyBlocked},
		{"yahoo defers the IP", "421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints", RateLimited},
		{"yahoo defers the IP", "421 4.7.0 [TS01] Messages from 192.0.2.10 temporarily deferred due to user complaints", RateLimited},
		{"yahoo defers the IP", "451 [TS02] Messages from 192.0.2.10 temporarily deferred due to user complaints", RateLimited},
	}
	for _, tt := range tests {
		code, enh, text := ParseReply(tt.reply)
		got := c.Reply(code, enh, text)
		if got.Reason != ReasonBlockedIP || got.Class != tt.class || got.Hard {
			t.Errorf("%s: %q gave %s/%s by %q, want %s/%s", tt.kind, tt.reply, got.Class, got.Reason, got.Rule, tt.class, ReasonBlockedIP)
		}
	}
	// Not the IP: the sender's address, a real connection failure, a
	// generic policy block, the zone name inside a list's host name.
	notIP := []struct{ reply, reason string }{
		{"553 5.7.1 Sender address rejected: not owned by user", ReasonBlockedSender},
		{"550 5.7.1 Mail from news@brand.example refused", ReasonBlockedSender},
		{"Connect to mx.example.net[192.0.2.25]:25: Connection refused", ReasonNetwork},
		{"550 5.7.1 Message rejected, blocked by policy", ReasonPolicy},
		{"421 4.7.0 Messages from 192.0.2.10 temporarily deferred due to unexpected volume", ReasonRateLimited},
	}
	for _, tt := range notIP {
		code, enh, text := ParseReply(tt.reply)
		if got := c.Reply(code, enh, text); got.Reason != tt.reason {
			t.Errorf("%q gave %s by %q, want %s", tt.reply, got.Reason, got.Rule, tt.reason)
		}
	}
}
