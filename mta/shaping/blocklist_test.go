package shaping

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/mta/bounce"
	"sluice/mta/outbound"
)

// TestBlocklistRecognisesByKind: replies naming a DNS blocklist or the
// sending IP as blocked, in the wordings of the lists and providers, are
// recognised; refusals about the recipient, the content, a URL or the
// rate are not.
func TestBlocklistRecognisesByKind(t *testing.T) {
	t.Parallel()
	b, err := NewBlocklist(BlocklistOptions{})
	if err != nil {
		t.Fatal(err)
	}
	yes := []string{
		"554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org",
		"550 5.7.1 Mail from 192.0.2.10 refused, listed in SBL, see https://www.spamhaus.org/sbl/query/SBL123",
		"554 5.7.1 Client host [192.0.2.10] blocked using xbl.spamhaus.org",
		"550 5.7.1 192.0.2.10 is listed in PBL",
		"553 5.7.2 [TSS09] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed.",
		"421 4.7.0 [TS01] Messages from 192.0.2.10 temporarily deferred due to user complaints",
		"554 Refused. Your IP address is listed in the RBL at b.barracudacentral.org",
		"550 5.7.1 Rejected - see http://www.spamcop.net/bl.shtml?192.0.2.10",
		"554 Service unavailable; Client host [192.0.2.10] blocked using dnsbl.sorbs.net",
		"550 5.7.1 IP 192.0.2.10 listed at dnsbl-1.uceprotect.net",
		"550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).",
		"550 5.7.606 Access denied, banned sending IP [192.0.2.10]",
		"421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints",
		"553 5.7.1 [TS03] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed.",
		"554 5.7.1 Connection refused: 192.0.2.10 blocked by Yahoo",
		"550 5.7.1 Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address.",
		"550 5.7.1 Client 192.0.2.10 is in DNSBL bl.example",
		"554 5.7.1 rejected because 192.0.2.10 is in a blocklist",
		"550 Rejected: 192.0.2.10 is blacklisted",
		"421 4.7.1 Service unavailable; client [192.0.2.10] blocked by bl.spamcop.net",
	}
	no := []string{
		"550 5.1.1 user unknown",
		"452 4.2.2 mailbox full",
		"451 4.7.650 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation.",
		"554 5.7.1 Message rejected: contains a URL listed in multi.uribl.com",
		"550 5.7.350 Remote server returned message detected as spam",
		"421 4.7.0 Try again later, closing connection.",
		"250 2.0.0 OK",
		"550 5.7.1 Message rejected, blocked by policy",
		"550 5.7.1 Mail from news@brand.example refused",
	}
	for _, r := range yes {
		code, enh, text := bounce.ParseReply(r)
		if _, ok := b.Recognise(code, enh, text); !ok {
			t.Errorf("not recognised: %s", r)
		}
	}
	for _, r := range no {
		code, enh, text := bounce.ParseReply(r)
		if why, ok := b.Recognise(code, enh, text); ok {
			t.Errorf("recognised (%s): %s", why, r)
		}
	}
	// Only server replies: a local or network error never counts.
	if _, ok := b.Reply(&outbound.Error{Command: "connect", Line: "blocked using zen.spamhaus.org", Err: outbound.ErrProtocol}); ok {
		t.Error("a local error was recognised")
	}
	if _, ok := b.Reply(&outbound.Error{Code: 554, Enhanced: "5.7.1", Command: "RCPT", Line: "blocked using zen.spamhaus.org"}); !ok {
		t.Error("a RCPT reply naming Spamhaus was not recognised")
	}
}

// TestBlocklistSchedule: a mark stands until its retry time; an echo
// before it changes nothing; a refusal after it steps the schedule up; a
// delivery after it clears the mark; marks survive a restart.
func TestBlocklistSchedule(t *testing.T) {
	t.Parallel()
	clk := newDayClock()
	path := filepath.Join(t.TempDir(), "blocklist.json")
	var changes []string
	opts := BlocklistOptions{Now: clk.Now, Path: path, Retry: []time.Duration{time.Hour, 3 * time.Hour},
		OnChange: func(b Block, cleared bool) {
			changes = append(changes, b.Source+"@"+b.Site+map[bool]string{true: " cleared", false: " marked"}[cleared])
		}}
	b, err := NewBlocklist(opts)
	if err != nil {
		t.Fatal(err)
	}
	t0 := clk.Now()
	m := b.Mark("s1", "gmail", "blocklist: spamhaus")
	if !m.Until.Equal(t0.Add(time.Hour)) || m.Count != 1 {
		t.Fatalf("first mark %+v, want until +1h", m)
	}
	b.Mark("s1", "gmail", "echo") // a reply to a transaction already under way
	if _, ok := b.Blocked("s1", "gmail"); !ok {
		t.Fatal("not blocked after the mark")
	}
	if _, ok := b.Blocked("s2", "gmail"); ok {
		t.Fatal("another source is blocked")
	}
	b.Delivered("s1", "gmail") // before the retry time: a delivery in flight, nothing cleared
	restarted, err := NewBlocklist(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := restarted.Blocked("s1", "gmail"); !ok || got.Reason != "blocklist: spamhaus" {
		t.Fatalf("after restart %+v %v, want the mark", got, ok)
	}
	clk.Set(t0.Add(time.Hour))
	if _, ok := b.Blocked("s1", "gmail"); ok {
		t.Fatal("still blocked at the retry time")
	}
	m = b.Mark("s1", "gmail", "again")
	if m.Count != 2 || !m.Until.Equal(clk.Now().Add(3*time.Hour)) {
		t.Fatalf("second mark %+v, want the schedule's second step", m)
	}
	clk.Set(m.Until)
	m = b.Mark("s1", "gmail", "and again")
	if !m.Until.Equal(clk.Now().Add(3 * time.Hour)) {
		t.Fatalf("third mark %+v, want the last step repeated", m)
	}
	clk.Set(m.Until)
	b.Delivered("s1", "gmail")
	if len(b.List()) != 0 {
		t.Fatalf("marks %+v after a delivery at the retry, want none", b.List())
	}
	want := []string{"s1@gmail marked", "s1@gmail marked", "s1@gmail marked", "s1@gmail cleared"}
	if strings.Join(changes, ",") != strings.Join(want, ",") {
		t.Errorf("changes %v, want %v", changes, want)
	}
	restarted, err = NewBlocklist(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(restarted.List()) != 0 {
		t.Errorf("after restart marks %+v, want the clearing kept", restarted.List())
	}
}
