package outbound_test

import (
	"context"
	"log/slog"
	"net"
	"time"

	"sluice/mta/outbound"
)

// The delivery engine dials, hands the connection over, sends, and reads
// one outcome per recipient; the Client goes back to the pool only while
// Usable.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", "mx1.example.net:25")
	if err != nil {
		// Dial failures use the same error type, so one classifier applies.
		err = &outbound.Error{Command: "connect", Err: err}
		slog.Warn("connect", "mx", "mx1.example.net", "err", err, "permanent", outbound.IsPermanent(err))
		return
	}
	c, err := outbound.Handshake(ctx, conn, "mx1.example.net", outbound.Options{HelloName: "out1.sluice.example"})
	if err != nil {
		slog.Warn("handshake", "mx", "mx1.example.net", "err", err)
		return
	}
	defer c.Quit(ctx)

	env := outbound.Envelope{From: "bounces@sluice.example", To: []string{"ann@example.net", "bob@example.net"}}
	msg := []byte("From: news@sluice.example\r\nSubject: hello\r\n\r\nHi.\r\n")
	res, _ := c.Send(ctx, env, msg)
	for _, r := range res.Rcpts {
		switch {
		case r.Err == nil:
			slog.Info("delivered", "rcpt_domain", "example.net", "reply", res.Reply)
		case outbound.IsPermanent(r.Err):
			slog.Info("bounced", "rcpt_domain", "example.net", "err", r.Err)
		default:
			slog.Info("deferred", "rcpt_domain", "example.net", "err", r.Err)
		}
	}
	if !c.Usable() {
		c.Close() // do not pool it
	}
}
