package reencode_test

import (
	"errors"
	"fmt"
	"strings"

	"sluice/mta/reencode"
)

func ExampleConform() {
	msg := "From: a@example.com\r\nContent-Type: text/html\r\n\r\n<p>" + strings.Repeat("x", 1500) + "</p>\r\n"
	out, changed, err := reencode.Conform([]byte(msg), reencode.MaxLine)
	if errors.Is(err, reencode.ErrUnfoldableHeader) {
		fmt.Println("refuse:", err)
		return
	}
	fmt.Println(changed)
	fmt.Println(strings.Split(string(out), "\r\n")[3])
	// Output:
	// true
	// Content-Transfer-Encoding: quoted-printable
}
