package rewrite_test

import (
	"fmt"
	"strings"

	"sluice/tracking/rewrite"
)

func ExampleMessage() {
	msg := strings.ReplaceAll(`From: news@shop.example
To: jane@example.net
Subject: Spring sale
X-Sluice-Track: all
Content-Type: text/html; charset=utf-8

<html><body><p><a href="https://shop.example/sale?a=1&amp;b=2">Sale</a>
<a href="mailto:help@shop.example">Help</a></p></body></html>
`, "\n", "\r\n")

	// Tokens come from the token package; these stand in for them.
	opts := rewrite.Options{
		TrackOpens:  true,
		TrackClicks: true,
		ClickURL: func(link int, original string) (string, error) {
			return fmt.Sprintf("https://t.shop.example/c/tok%d", link), nil
		},
		OpenURL: func() (string, error) { return "https://t.shop.example/o/tok.gif", nil },
		Unsubscribe: &rewrite.Unsubscribe{
			HTTPS:  "https://t.shop.example/u/tok",
			Mailto: "mailto:u.tok@bounce.shop.example",
		},
	}
	out, res, err := rewrite.Message([]byte(msg), opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(string(out), "\r\n", "\n"))
	fmt.Printf("links: %q\n", res.Links)
	// Output:
	// From: news@shop.example
	// To: jane@example.net
	// Subject: Spring sale
	// Content-Type: text/html; charset=utf-8
	// List-Unsubscribe: <https://t.shop.example/u/tok>,
	//  <mailto:u.tok@bounce.shop.example>
	// List-Unsubscribe-Post: List-Unsubscribe=One-Click
	//
	// <html><body><p><a href="https://t.shop.example/c/tok0">Sale</a>
	// <a href="mailto:help@shop.example">Help</a></p><img src="https://t.shop.example/o/tok.gif" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" /></body></html>
	// links: ["https://shop.example/sale?a=1&b=2"]
}
