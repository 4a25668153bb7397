package main

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
)

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o600) }

func saslPlain(user, pass string) sasl.Client { return sasl.NewPlainClient("", user, pass) }

// oneClick POSTs RFC 8058's one-click unsubscribe to url (with c, or
// http.DefaultClient) and returns the status code.
func oneClick(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Post(url, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
