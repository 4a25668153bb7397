package bounce_test

import (
	"fmt"
	"strings"

	"sluice/mta/bounce"
)

// A synchronous reply during delivery: parse it, then classify it.
func ExampleClassifier_Reply() {
	c := bounce.New()
	code, enhanced, text := bounce.ParseReply("550-5.1.1 The email account that you tried to reach does not exist.\r\n" +
		"550 5.1.1 https://support.google.com/mail/?p=NoSuchUser - gsmtp")
	r := c.Reply(code, enhanced, text)
	fmt.Println(r.Status, r.Class, r.Hard, r.Class.Suppress())

	r = c.Reply(bounce.ParseReply("554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org"))
	fmt.Println(r.Status, r.Class, r.Hard, r.Class.Suppress())
	// Output:
	// 5.1.1 hard_invalid_recipient true true
	// 5.7.1 policy_blocked false false
}

// A returned message: one Result per failed recipient, with the
// identifiers sluice put in the original.
func ExampleClassifier_Message() {
	msg := "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n" +
		"To: b.AAAAAAAAGi8AAQ_k3Jx9Qw@bounces.brand.example\r\n" +
		"Subject: Mail delivery failed: returning message to sender\r\n" +
		"\r\n" +
		"A message that you sent could not be delivered to one or more of its\r\n" +
		"recipients. This is a permanent error. The following address(es) failed:\r\n" +
		"\r\n" +
		"  jane@example.net\r\n" +
		"    SMTP error from remote mail server after RCPT TO:<jane@example.net>:\r\n" +
		"    552 5.2.2 Mailbox full\r\n" +
		"\r\n" +
		"------ This is a copy of the message, including all the headers. ------\r\n" +
		"X-Sluice-ID: 0000000000001a2f\r\n"
	res, err := bounce.New().Message(strings.NewReader(msg))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res {
		fmt.Println(r.Recipient, r.Status, r.Class, r.Hard, r.MessageID, r.VERP)
	}
	// Output:
	// jane@example.net 5.2.2 soft_mailbox_full false 0000000000001a2f b.AAAAAAAAGi8AAQ_k3Jx9Qw
}
